use serde::Serialize;

use super::applications::app_ids;
use crate::domain::Toggle;
use crate::domain::client_secret::{self, ClientSecretRecord};
use crate::domain::ids::{ApplicationId, InstanceId, SecretId};
use crate::error::Error;
use crate::state::AppState;
use crate::wire::envelope::Empty;
use crate::wire::params::Params;

/// List (masked) and Obtain (plaintext) share this shape. Unknown times are omitted.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretView {
    application_id: ApplicationId,
    client_id: ApplicationId,
    client_secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_time: Option<i64>,
    instance_id: InstanceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_time: Option<i64>,
    secret_id: SecretId,
    status: Toggle,
}

impl SecretView {
    fn new(r: ClientSecretRecord, client_secret: String) -> Self {
        Self {
            client_id: r.application_id.clone(),
            application_id: r.application_id,
            client_secret,
            expiration_time: r.expires_at,
            instance_id: r.instance_id,
            last_used_time: r.last_used_at,
            secret_id: r.id,
            status: r.status,
        }
    }

    /// The only constructor List uses: it cannot carry a plaintext.
    fn masked(r: ClientSecretRecord) -> Self {
        let mask = r.mask.mask();
        Self::new(r, mask)
    }
}

fn secret_ids(p: &Params) -> Result<(InstanceId, ApplicationId, SecretId), Error> {
    let (instance_id, application_id) = app_ids(p)?;
    Ok((instance_id, application_id, p.required("SecretId")?))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatedView {
    client_id: ApplicationId,
    client_secret: String,
    secret_id: SecretId,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Created {
    application_client_secret: CreatedView,
}

pub async fn create(s: &AppState, p: &Params) -> Result<Created, Error> {
    let (instance_id, application_id) = app_ids(p)?;
    let expiration = p.optional::<i64>("ExpirationTime")?;
    let created = client_secret::create(s, &instance_id, &application_id, expiration).await?;
    Ok(Created {
        application_client_secret: CreatedView {
            client_id: created.client_id,
            client_secret: created.value.expose().to_owned(),
            secret_id: created.secret_id,
        },
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listed {
    application_client_secrets: Vec<SecretView>,
    total_count: i64,
}

pub async fn list(s: &AppState, p: &Params) -> Result<Listed, Error> {
    let (instance_id, application_id) = app_ids(p)?;
    let secrets = client_secret::list(s, &instance_id, &application_id).await?;
    Ok(Listed {
        total_count: secrets.len() as i64,
        application_client_secrets: secrets.into_iter().map(SecretView::masked).collect(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Obtained {
    application_client_secret: SecretView,
}

pub async fn obtain(s: &AppState, p: &Params) -> Result<Obtained, Error> {
    let (instance_id, application_id, secret_id) = secret_ids(p)?;
    let (record, value) =
        client_secret::obtain(s, &instance_id, &application_id, &secret_id).await?;
    Ok(Obtained {
        application_client_secret: SecretView::new(record, value.expose().to_owned()),
    })
}

pub async fn enable(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = secret_ids(p)?;
    client_secret::set_status(s, &i, &a, &id, Toggle::Enabled).await?;
    Ok(Empty {})
}

pub async fn disable(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = secret_ids(p)?;
    client_secret::set_status(s, &i, &a, &id, Toggle::Disabled).await?;
    Ok(Empty {})
}

pub async fn delete(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = secret_ids(p)?;
    client_secret::delete(s, &i, &a, &id).await?;
    Ok(Empty {})
}

pub async fn update_expiration(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = secret_ids(p)?;
    let expiration: i64 = p.required("ExpirationTime")?;
    client_secret::set_expiration(s, &i, &a, &id, expiration).await?;
    Ok(Empty {})
}
