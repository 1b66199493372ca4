//! Applications: the OAuth clients (M2M) and resource servers of an instance.

use crate::clock::Millis;
use crate::domain::Toggle;
use crate::domain::ids::{ApplicationId, InstanceId};
use crate::domain::instance;
use crate::domain::paging::Page;
use crate::error::{Error, Resource};
use crate::state::AppState;

pub const MAX_NAME: usize = 128;
pub const MAX_DESCRIPTION: usize = 256;
pub const MAX_LOGO_URL: usize = 1024;
pub const MAX_FIELD_NAME: usize = 64;
pub const MAX_FIELD_VALUE: usize = 1024;
pub const MAX_LIST: usize = 100;
pub const MAX_RESOURCE_SERVER_IDENTIFIER: usize = 512;

pub const SOURCE_STANDARD: &str = "urn:alibaba:idaas:app:source:standard";
pub const SOURCE_TEMPLATE: &str = "urn:alibaba:idaas:app:source:template";
pub const RESOURCE_SERVER_SOURCE_CUSTOM: &str = "urn:cloud:idaas:resourceserver:source:custom";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoType {
    Oidc,
    Saml2,
    M2m,
    OidcM2m,
}

impl SsoType {
    pub const ALL: [SsoType; 4] = [
        SsoType::Oidc,
        SsoType::Saml2,
        SsoType::M2m,
        SsoType::OidcM2m,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SsoType::Oidc => "oidc",
            SsoType::Saml2 => "saml2",
            SsoType::M2m => "oauth2/m2m",
            SsoType::OidcM2m => "oidc+oauth2/m2m",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn includes_m2m(self) -> bool {
        matches!(self, SsoType::M2m | SsoType::OidcM2m)
    }

    pub fn includes_sso(self) -> bool {
        !matches!(self, SsoType::M2m)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: ApplicationId,
    pub instance_id: InstanceId,
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub source_type: String,
    pub template_id: Option<String>,
    pub sso_type: SsoType,
    pub status: Toggle,
    pub creation_type: String,
    pub identity_type: String,
    pub authorization_type: String,
    pub m2m_client_status: Toggle,
    pub resource_server_status: Toggle,
    pub resource_server_identifier: Option<String>,
    pub custom_subject_status: Toggle,
    pub api_invoke_status: Toggle,
    pub managed_service_code: Option<String>,
    pub service_managed: bool,
    pub owner_user_ids: Vec<String>,
    pub owner_group_ids: Vec<String>,
    pub visibility: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Application {
    /// `Features`, derived from the switches rather than stored.
    pub fn features(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.sso_type.includes_sso() {
            f.push("sso");
        }
        if self.api_invoke_status.is_enabled() {
            f.push("api_invoke");
        }
        if self.m2m_client_status.is_enabled() {
            f.push("m2m_client");
        }
        if self.resource_server_status.is_enabled() {
            f.push("resource_server");
        }
        f
    }

    /// Can this application authenticate as an OAuth client right now?
    pub fn can_use_client_secrets(&self) -> bool {
        self.status.is_enabled() && self.m2m_client_status.is_enabled()
    }
}

/// Everything CreateApplication accepts, already checked.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub instance_id: InstanceId,
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub source_type: String,
    pub template_id: Option<String>,
    pub sso_type: SsoType,
    pub identity_type: String,
    pub owner_user_ids: Vec<String>,
    pub owner_group_ids: Vec<String>,
    pub custom_fields: Vec<CustomField>,
}

/// A ListApplications custom-field filter: `FieldName` alone asks for applications that have
/// the field at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMatch {
    pub name: String,
    pub value: Option<String>,
}

/// How UpdateApplicationInfo changes one custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOperation {
    /// `add` and `replace` both set the value (inserting when absent).
    Set,
    Remove,
}

/// A partial update; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct ApplicationPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub logo_url: Option<Option<String>>,
    pub status: Option<Toggle>,
    pub m2m_client_status: Option<Toggle>,
    pub resource_server_status: Option<Toggle>,
    pub resource_server_identifier: Option<String>,
    pub owner_user_ids: Option<Vec<String>>,
    pub owner_group_ids: Option<Vec<String>>,
    pub visibility: Option<Vec<String>>,
    pub custom_fields: Vec<(FieldOperation, CustomField)>,
}

impl ApplicationPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.logo_url.is_none()
            && self.status.is_none()
            && self.m2m_client_status.is_none()
            && self.resource_server_status.is_none()
            && self.resource_server_identifier.is_none()
            && self.owner_user_ids.is_none()
            && self.owner_group_ids.is_none()
            && self.visibility.is_none()
            && self.custom_fields.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// `None` = every creation type (`all`); default `user_custom`.
    pub creation_type: Option<String>,
    /// `None` = every identity type (`all`); default `application`.
    pub identity_type: Option<String>,
    pub ids: Vec<String>,
    pub name_prefix: Option<String>,
    pub template_id: Option<String>,
    pub authorization_type: Option<String>,
    /// Each must match: a field of that name, with that value when one is given.
    pub custom_fields: Vec<FieldMatch>,
    pub m2m_client_status: Option<String>,
    pub managed_service_code: Option<String>,
    pub resource_server_status: Option<String>,
    pub service_managed: Option<bool>,
    pub sso_types: Vec<String>,
    pub status: Option<String>,
}

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n < min || n > max {
        let range = if min == 0 {
            format!("at most {max}")
        } else {
            format!("between {min} and {max}")
        };
        return Err(Error::invalid(
            field,
            format!("{field} must be {range} characters; got {n}."),
        ));
    }
    Ok(())
}

pub fn check_name(name: &str) -> Result<(), Error> {
    check_len("ApplicationName", name, 1, MAX_NAME)
}

pub fn check_description(d: &str) -> Result<(), Error> {
    check_len("Description", d, 0, MAX_DESCRIPTION)
}

pub fn check_logo_url(u: &str) -> Result<(), Error> {
    check_len("LogoUrl", u, 0, MAX_LOGO_URL)
}

pub fn check_custom_field(f: &CustomField, param: &str) -> Result<(), Error> {
    check_len(param, &f.name, 1, MAX_FIELD_NAME)?;
    check_len(param, &f.value, 0, MAX_FIELD_VALUE)
}

pub fn check_resource_server_identifier(id: &str) -> Result<(), Error> {
    check_len(
        "ResourceServerIdentifier",
        id,
        1,
        MAX_RESOURCE_SERVER_IDENTIFIER,
    )?;
    if id.chars().any(|c| c.is_whitespace() || c == '|') {
        // Scopes are requested as "<identifier>|<scope>" separated by spaces.
        return Err(Error::invalid(
            "ResourceServerIdentifier",
            "ResourceServerIdentifier cannot contain whitespace or '|'.",
        ));
    }
    Ok(())
}

pub async fn create(s: &AppState, new: NewApplication) -> Result<ApplicationId, Error> {
    // The instance must exist; the store checks again inside its transaction.
    instance::get(s, &new.instance_id).await?;
    let now = s.clock.now_ms();
    let app = Application {
        id: ApplicationId::generate(),
        instance_id: new.instance_id,
        name: new.name,
        description: new.description,
        logo_url: new.logo_url,
        source_type: new.source_type,
        template_id: new.template_id,
        m2m_client_status: Toggle::from_bool(new.sso_type.includes_m2m()),
        sso_type: new.sso_type,
        status: Toggle::Enabled,
        creation_type: "user_custom".into(),
        identity_type: new.identity_type,
        authorization_type: "authorize_required".into(),
        resource_server_status: Toggle::Disabled,
        resource_server_identifier: None,
        custom_subject_status: Toggle::Disabled,
        api_invoke_status: Toggle::Disabled,
        managed_service_code: None,
        service_managed: false,
        owner_user_ids: new.owner_user_ids,
        owner_group_ids: new.owner_group_ids,
        visibility: Vec::new(),
        custom_fields: new.custom_fields,
        created_at: now,
        updated_at: now,
    };
    s.store.insert_application(&app).await?;
    Ok(app.id)
}

pub async fn get(
    s: &AppState,
    instance_id: &InstanceId,
    id: &ApplicationId,
) -> Result<Application, Error> {
    match s.store.get_application(instance_id, id).await? {
        Some(app) => Ok(app),
        None => Err(missing(s, instance_id, id).await),
    }
}

/// The not-found error for an application, naming the instance when that is what is missing.
pub async fn missing(s: &AppState, instance_id: &InstanceId, id: &ApplicationId) -> Error {
    match s.store.get_instance(instance_id).await {
        Ok(Some(_)) => Error::not_found_in(
            Resource::Application,
            id.as_str(),
            format!("instance {instance_id}"),
        ),
        Ok(None) => Error::not_found(Resource::Instance, instance_id.as_str()),
        Err(e) => e,
    }
}

pub async fn list(
    s: &AppState,
    instance_id: &InstanceId,
    filter: &ApplicationFilter,
    page: Page,
) -> Result<(Vec<Application>, i64), Error> {
    instance::get(s, instance_id).await?;
    s.store.list_applications(instance_id, filter, page).await
}

pub async fn delete(
    s: &AppState,
    instance_id: &InstanceId,
    id: &ApplicationId,
) -> Result<(), Error> {
    if s.store.delete_application(instance_id, id).await? {
        Ok(())
    } else {
        Err(missing(s, instance_id, id).await)
    }
}

pub async fn update(
    s: &AppState,
    instance_id: &InstanceId,
    id: &ApplicationId,
    patch: ApplicationPatch,
) -> Result<(), Error> {
    let now = s.clock.now_ms();
    if s.store
        .update_application(instance_id, id, &patch, now)
        .await?
    {
        Ok(())
    } else {
        Err(missing(s, instance_id, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_cannot_break_scope_syntax() {
        assert!(check_resource_server_identifier("https://orders.example.com").is_ok());
        assert!(check_resource_server_identifier("a b").is_err());
        assert!(check_resource_server_identifier("a|b").is_err());
        assert!(check_resource_server_identifier("").is_err());
    }

    #[test]
    fn sso_types_round_trip() {
        for t in SsoType::ALL {
            assert_eq!(SsoType::parse(t.as_str()), Some(t));
        }
        assert!(SsoType::OidcM2m.includes_m2m());
        assert!(!SsoType::Saml2.includes_m2m());
    }
}
