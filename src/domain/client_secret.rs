//! Application client secrets: the quota, the lifecycle, and what each operation reveals.

use crate::clock::Millis;
use crate::domain::Toggle;
use crate::domain::application;
use crate::domain::ids::{ApplicationId, InstanceId, SecretId};
use crate::domain::secret::{MaskMaterial, SecretValue, check_expiration};
use crate::error::{Error, Resource};
use crate::state::AppState;

/// At most this many secrets per application, disabled ones included.
pub const QUOTA: i64 = 2;

/// A stored secret. There is no plaintext in here, only what the database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecretRecord {
    pub id: SecretId,
    pub instance_id: InstanceId,
    pub application_id: ApplicationId,
    pub status: Toggle,
    /// Argon2id PHC string.
    pub hash: String,
    /// AEAD ciphertext of the plaintext; `None` when sealing was off at creation.
    pub sealed: Option<Vec<u8>>,
    pub mask: MaskMaterial,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    pub created_at: Millis,
}

impl ClientSecretRecord {
    /// Enabled and not expired; the boundary instant counts as expired.
    pub fn is_usable(&self, now: Millis) -> bool {
        self.status.is_enabled() && self.expires_at.is_none_or(|exp| now < exp)
    }

    /// Fold in a last-used time not yet written to the database (never moves backwards).
    pub fn observe_last_used(&mut self, pending: Option<Millis>) {
        if let Some(t) = pending {
            self.last_used_at = Some(self.last_used_at.map_or(t, |db| db.max(t)));
        }
    }
}

/// What Create returns: the only time (with Obtain) a plaintext leaves the server.
#[derive(Debug)]
pub struct CreatedSecret {
    pub client_id: ApplicationId,
    pub secret_id: SecretId,
    pub value: SecretValue,
}

/// Options of [`insert_with_value`], the path for seed files and test helpers.
#[derive(Debug, Clone)]
pub struct FixedSecret {
    pub id: SecretId,
    pub value: SecretValue,
    pub status: Toggle,
    pub expires_at: Option<Millis>,
}

pub async fn create(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    expiration: Option<Millis>,
) -> Result<CreatedSecret, Error> {
    let now = s.clock.now_ms();
    let expires_at = expiration.map(|ms| check_expiration(ms, now)).transpose()?;
    application::get(s, instance_id, application_id).await?;
    // Cheap early answer before paying for Argon2; the insert checks again atomically.
    if s.store
        .count_client_secrets(instance_id, application_id)
        .await?
        >= QUOTA
    {
        return Err(Error::QuotaExceeded(application_id.to_string()));
    }
    let value = SecretValue::generate();
    let record = seal_and_hash(
        s,
        FixedSecret {
            id: SecretId::generate(),
            value: value.clone(),
            status: Toggle::Enabled,
            expires_at,
        },
        instance_id,
        application_id,
        now,
    )
    .await?;
    s.store.insert_client_secret(&record, QUOTA).await?;
    Ok(CreatedSecret {
        client_id: application_id.clone(),
        secret_id: record.id,
        value,
    })
}

/// Store a secret with a known value (seeds, tests). No expiration rules: a seed may hold an
/// expired secret on purpose.
pub async fn insert_with_value(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    fixed: FixedSecret,
) -> Result<SecretId, Error> {
    let now = s.clock.now_ms();
    let record = seal_and_hash(s, fixed, instance_id, application_id, now).await?;
    s.store.insert_client_secret(&record, QUOTA).await?;
    Ok(record.id)
}

pub(crate) async fn seal_and_hash(
    s: &AppState,
    fixed: FixedSecret,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    now: Millis,
) -> Result<ClientSecretRecord, Error> {
    let sealed = if s.seal_secrets {
        Some(s.sealer.seal(
            fixed.value.expose().as_bytes(),
            fixed.id.as_str().as_bytes(),
        )?)
    } else {
        None
    };
    let mask = fixed.value.mask_material();
    let hash = s.hasher.hash(fixed.value).await?;
    Ok(ClientSecretRecord {
        id: fixed.id,
        instance_id: instance_id.clone(),
        application_id: application_id.clone(),
        status: fixed.status,
        hash,
        sealed,
        mask,
        expires_at: fixed.expires_at,
        last_used_at: None,
        created_at: now,
    })
}

pub async fn list(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
) -> Result<Vec<ClientSecretRecord>, Error> {
    // Pending last-used times are read before the rows: whatever the flusher removes from
    // memory after this point is already committed, so the rows below include it.
    let pending = s.last_used.for_application(application_id);
    let mut secrets = s
        .store
        .list_client_secrets(instance_id, application_id)
        .await?;
    if secrets.is_empty() {
        // An empty list is only an answer for an application that exists.
        application::get(s, instance_id, application_id).await?;
    }
    for secret in &mut secrets {
        secret.observe_last_used(pending_for(&pending, &secret.id));
    }
    Ok(secrets)
}

pub async fn get(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
) -> Result<ClientSecretRecord, Error> {
    let pending = pending_for(&s.last_used.for_application(application_id), secret_id);
    match s
        .store
        .get_client_secret(instance_id, application_id, secret_id)
        .await?
    {
        Some(mut secret) => {
            secret.observe_last_used(pending);
            Ok(secret)
        }
        None => Err(missing(s, instance_id, application_id, secret_id).await),
    }
}

fn pending_for(pending: &[(SecretId, Millis)], id: &SecretId) -> Option<Millis> {
    pending.iter().find(|(s, _)| s == id).map(|(_, t)| *t)
}

/// Obtain: the record and its plaintext, opened from the sealed copy.
pub async fn obtain(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
) -> Result<(ClientSecretRecord, SecretValue), Error> {
    let secret = get(s, instance_id, application_id, secret_id).await?;
    // With sealing off nothing is retrievable, also secrets sealed before it was turned off.
    let value = match &secret.sealed {
        Some(sealed) if s.seal_secrets => s.sealer.open_secret(sealed, secret_id)?,
        _ => return Err(Error::SecretRetrievalDisabled),
    };
    Ok((secret, value))
}

pub async fn set_status(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
    status: Toggle,
) -> Result<(), Error> {
    let now = s.clock.now_ms();
    if s.store
        .set_client_secret_status(instance_id, application_id, secret_id, status, now)
        .await?
    {
        Ok(())
    } else {
        Err(missing(s, instance_id, application_id, secret_id).await)
    }
}

pub async fn set_expiration(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
    expiration: Millis,
) -> Result<(), Error> {
    let now = s.clock.now_ms();
    let expires_at = check_expiration(expiration, now)?;
    if s.store
        .set_client_secret_expiration(instance_id, application_id, secret_id, expires_at, now)
        .await?
    {
        Ok(())
    } else {
        Err(missing(s, instance_id, application_id, secret_id).await)
    }
}

pub async fn delete(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
) -> Result<(), Error> {
    if s.store
        .delete_client_secret(instance_id, application_id, secret_id)
        .await?
    {
        s.verified.forget(secret_id);
        Ok(())
    } else {
        Err(missing(s, instance_id, application_id, secret_id).await)
    }
}

/// Which of (instance, application, secret) is missing, most general first.
async fn missing(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    secret_id: &SecretId,
) -> Error {
    match application::get(s, instance_id, application_id).await {
        Ok(_) => Error::not_found_in(
            Resource::ApplicationClientSecret,
            secret_id.as_str(),
            format!("application {application_id}"),
        ),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: Toggle, expires_at: Option<Millis>) -> ClientSecretRecord {
        ClientSecretRecord {
            id: SecretId::generate(),
            instance_id: InstanceId::generate(),
            application_id: ApplicationId::generate(),
            status,
            hash: String::new(),
            sealed: None,
            mask: MaskMaterial::of("x"),
            expires_at,
            last_used_at: None,
            created_at: 0,
        }
    }

    #[test]
    fn usable_until_the_expiration_instant() {
        let r = record(Toggle::Enabled, Some(1_000));
        assert!(r.is_usable(999));
        assert!(!r.is_usable(1_000));
        assert!(record(Toggle::Enabled, None).is_usable(i64::MAX));
        assert!(!record(Toggle::Disabled, None).is_usable(0));
    }

    #[test]
    fn last_used_never_moves_backwards() {
        let mut r = record(Toggle::Enabled, None);
        r.observe_last_used(None);
        assert_eq!(r.last_used_at, None);
        r.observe_last_used(Some(10));
        r.observe_last_used(Some(5));
        assert_eq!(r.last_used_at, Some(10));
    }
}
