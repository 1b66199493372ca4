//! Row shapes of the tables and their conversion to domain types. Values written by this
//! crate are trusted on the way back; a row edited by hand into something the CHECK
//! constraints allow but the domain cannot represent is reported as an internal error.

use crate::domain::Toggle;
use crate::domain::application::{Application, CustomField, SsoType};
use crate::domain::client_secret::ClientSecretRecord;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId, SecretId};
use crate::domain::instance::Instance;
use crate::domain::resource_server::{Scope, SigningKeyRecord};
use crate::domain::secret::MaskMaterial;
use crate::error::Error;

/// A row struct whose fields are, in order, the columns of its `*_COLUMNS` list (a unit test
/// holds the two together): read from a rusqlite row by position, and with `sqlx::FromRow`
/// from an sqlx row inside a write transaction.
macro_rules! row {
    ($(#[$m:meta])* pub struct $name:ident { $(pub $field:ident: $ty:ty,)* }) => {
        $(#[$m])*
        pub struct $name {
            $(pub $field: $ty,)*
        }

        impl $name {
            #[cfg(test)]
            pub const FIELDS: &[&str] = &[$(stringify!($field)),*];

            pub fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                let mut column = 0..;
                Ok(Self {
                    $($field: r.get(column.next().unwrap_or_default())?,)*
                })
            }
        }
    };
}

fn toggle(column: &str, v: &str) -> Result<Toggle, Error> {
    Toggle::parse(v).ok_or_else(|| Error::internal(format!("{column} holds {v:?}")))
}

fn json_list(column: &str, v: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(v)
        .map_err(|e| Error::internal(format!("{column} is not a JSON list: {e}")))
}

row! {
#[derive(sqlx::FromRow)]
pub struct InstanceRow {
    pub instance_id: String,
    pub description: String,
    pub status: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}
}

impl From<InstanceRow> for Instance {
    fn from(r: InstanceRow) -> Self {
        Instance {
            id: InstanceId::from_trusted(r.instance_id),
            description: r.description,
            status: r.status,
            created_at: r.created_at_ms,
            updated_at: r.updated_at_ms,
        }
    }
}

pub const INSTANCE_COLUMNS: &str = "instance_id, description, status, created_at_ms, updated_at_ms";

/// Application columns, with custom fields folded into one JSON column.
pub const APPLICATION_COLUMNS: &str = "a.application_id, a.instance_id, a.name, a.description,
    a.logo_url, a.source_type, a.template_id, a.sso_type, a.status, a.creation_type,
    a.identity_type, a.authorization_type, a.m2m_client_status, a.resource_server_status,
    a.resource_server_identifier, a.custom_subject_status, a.api_invoke_status,
    a.managed_service_code, a.service_managed, a.owner_user_ids, a.owner_group_ids,
    a.visibility, a.created_at_ms, a.updated_at_ms,
    (SELECT json_group_array(json_array(f.field_name, f.field_value))
       FROM (SELECT field_name, field_value FROM application_custom_fields
              WHERE application_id = a.application_id ORDER BY field_name) AS f
    ) AS custom_fields";

row! {
#[derive(sqlx::FromRow)]
pub struct ApplicationRow {
    pub application_id: String,
    pub instance_id: String,
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub source_type: String,
    pub template_id: Option<String>,
    pub sso_type: String,
    pub status: String,
    pub creation_type: String,
    pub identity_type: String,
    pub authorization_type: String,
    pub m2m_client_status: String,
    pub resource_server_status: String,
    pub resource_server_identifier: Option<String>,
    pub custom_subject_status: String,
    pub api_invoke_status: String,
    pub managed_service_code: Option<String>,
    pub service_managed: i64,
    pub owner_user_ids: String,
    pub owner_group_ids: String,
    pub visibility: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub custom_fields: String,
}
}

impl TryFrom<ApplicationRow> for Application {
    type Error = Error;

    fn try_from(r: ApplicationRow) -> Result<Self, Error> {
        let pairs: Vec<(String, String)> = serde_json::from_str(&r.custom_fields)
            .map_err(|e| Error::internal(format!("custom fields: {e}")))?;
        Ok(Application {
            id: ApplicationId::from_trusted(r.application_id),
            instance_id: InstanceId::from_trusted(r.instance_id),
            name: r.name,
            description: r.description,
            logo_url: r.logo_url,
            source_type: r.source_type,
            template_id: r.template_id,
            sso_type: SsoType::parse(&r.sso_type)
                .ok_or_else(|| Error::internal(format!("sso_type holds {:?}", r.sso_type)))?,
            status: toggle("status", &r.status)?,
            creation_type: r.creation_type,
            identity_type: r.identity_type,
            authorization_type: r.authorization_type,
            m2m_client_status: toggle("m2m_client_status", &r.m2m_client_status)?,
            resource_server_status: toggle("resource_server_status", &r.resource_server_status)?,
            resource_server_identifier: r.resource_server_identifier,
            custom_subject_status: toggle("custom_subject_status", &r.custom_subject_status)?,
            api_invoke_status: toggle("api_invoke_status", &r.api_invoke_status)?,
            managed_service_code: r.managed_service_code,
            service_managed: r.service_managed != 0,
            owner_user_ids: json_list("owner_user_ids", &r.owner_user_ids)?,
            owner_group_ids: json_list("owner_group_ids", &r.owner_group_ids)?,
            visibility: json_list("visibility", &r.visibility)?,
            custom_fields: pairs
                .into_iter()
                .map(|(name, value)| CustomField { name, value })
                .collect(),
            created_at: r.created_at_ms,
            updated_at: r.updated_at_ms,
        })
    }
}

pub const SECRET_COLUMNS: &str = "secret_id, instance_id, application_id, status, secret_hash,
    secret_sealed, mask_prefix, mask_suffix, secret_length, expires_at_ms, last_used_at_ms,
    created_at_ms";

row! {
#[derive(sqlx::FromRow)]
pub struct SecretRow {
    pub secret_id: String,
    pub instance_id: String,
    pub application_id: String,
    pub status: String,
    pub secret_hash: String,
    pub secret_sealed: Option<Vec<u8>>,
    pub mask_prefix: Option<String>,
    pub mask_suffix: Option<String>,
    pub secret_length: i64,
    pub expires_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
    pub created_at_ms: i64,
}
}

impl TryFrom<SecretRow> for ClientSecretRecord {
    type Error = Error;

    fn try_from(r: SecretRow) -> Result<Self, Error> {
        let ends = match (r.mask_prefix, r.mask_suffix) {
            (Some(p), Some(s)) => Some((p, s)),
            _ => None,
        };
        Ok(ClientSecretRecord {
            id: SecretId::from_trusted(r.secret_id),
            instance_id: InstanceId::from_trusted(r.instance_id),
            application_id: ApplicationId::from_trusted(r.application_id),
            status: toggle("status", &r.status)?,
            hash: r.secret_hash,
            sealed: r.secret_sealed,
            mask: MaskMaterial {
                length: usize::try_from(r.secret_length)
                    .map_err(|_| Error::internal("negative secret_length"))?,
                ends,
            },
            expires_at: r.expires_at_ms,
            last_used_at: r.last_used_at_ms,
            created_at: r.created_at_ms,
        })
    }
}

pub const SCOPE_COLUMNS: &str = "scope_id, instance_id, application_id, name, value, scope_type,
    authorization_type, created_at_ms, updated_at_ms";

row! {
#[derive(sqlx::FromRow)]
pub struct ScopeRow {
    pub scope_id: String,
    pub instance_id: String,
    pub application_id: String,
    pub name: String,
    pub value: String,
    pub scope_type: String,
    pub authorization_type: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}
}

impl From<ScopeRow> for Scope {
    fn from(r: ScopeRow) -> Self {
        Scope {
            id: ScopeId::from_trusted(r.scope_id),
            instance_id: InstanceId::from_trusted(r.instance_id),
            application_id: ApplicationId::from_trusted(r.application_id),
            name: r.name,
            value: r.value,
            scope_type: r.scope_type,
            authorization_type: r.authorization_type,
            created_at: r.created_at_ms,
            updated_at: r.updated_at_ms,
        }
    }
}

pub const SIGNING_KEY_COLUMNS: &str =
    "kid, instance_id, algorithm, private_key_sealed, public_jwk, created_at_ms";

row! {
#[derive(sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub instance_id: String,
    pub algorithm: String,
    pub private_key_sealed: Vec<u8>,
    pub public_jwk: String,
    pub created_at_ms: i64,
}
}

impl From<SigningKeyRow> for SigningKeyRecord {
    fn from(r: SigningKeyRow) -> Self {
        SigningKeyRecord {
            kid: r.kid,
            instance_id: InstanceId::from_trusted(r.instance_id),
            algorithm: r.algorithm,
            private_key_sealed: r.private_key_sealed,
            public_jwk: r.public_jwk,
            created_at: r.created_at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_row` reads by position: the column lists must name the fields in order.
    #[test]
    fn column_lists_match_the_row_structs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        super::super::migrate(&path).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (sql, fields) in [
            (
                format!("SELECT {INSTANCE_COLUMNS} FROM instances"),
                InstanceRow::FIELDS,
            ),
            (
                format!("SELECT {APPLICATION_COLUMNS} FROM applications a"),
                ApplicationRow::FIELDS,
            ),
            (
                format!("SELECT {SECRET_COLUMNS} FROM client_secrets"),
                SecretRow::FIELDS,
            ),
            (
                format!("SELECT {SCOPE_COLUMNS} FROM resource_server_scopes"),
                ScopeRow::FIELDS,
            ),
            (
                format!("SELECT {SIGNING_KEY_COLUMNS} FROM signing_keys"),
                SigningKeyRow::FIELDS,
            ),
        ] {
            let stmt = conn.prepare(&sql).unwrap();
            assert_eq!(stmt.column_names().collect::<Vec<_>>(), fields, "{sql}");
        }
    }
}
