//! Checking client credentials against the application's secrets (API.md §4, §5, §7).
//!
//! Validity comes from the rows on every request; only the Argon2 result for a (secret,
//! presented value) pair is remembered. Unknown client and wrong secret are one answer.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::client_auth::{ClientCredentials, Method};
use super::error::{OAuthCode, OAuthError};
use crate::clock::Millis;
use crate::domain::application::Application;
use crate::domain::client_secret::ClientSecretRecord;
use crate::domain::ids::{ApplicationId, InstanceId, SecretId};
use crate::domain::secret::SecretValue;
use crate::state::AppState;

/// How far ahead a client assertion may expire.
const MAX_ASSERTION_LIFETIME_MS: i64 = 60 * 60 * 1000;

#[derive(Debug)]
pub struct Authenticated {
    pub app: Application,
    pub secret_id: SecretId,
    /// The instant the secret was found usable: its LastUsedTime (so never at or after its
    /// ExpirationTime, however long verification took).
    pub at: Millis,
}

pub async fn authenticate(
    s: &AppState,
    instance_id: &InstanceId,
    creds: ClientCredentials,
) -> Result<Authenticated, OAuthError> {
    let method = creds.method();
    let throttle_key = format!("{instance_id}/{}", claimed_client(&creds));
    let outcome = match creds {
        ClientCredentials::Secret {
            client_id,
            candidates,
            ..
        } => by_secret(s, instance_id, &client_id, &candidates).await,
        ClientCredentials::Jwt {
            client_id,
            assertion,
        } => by_assertion(s, instance_id, client_id.as_deref(), &assertion).await,
    };
    match outcome {
        Ok(Some(ok)) => {
            s.throttle.success(&throttle_key);
            if !ok.app.m2m_client_status.is_enabled() {
                return Err(OAuthError::new(
                    OAuthCode::UnauthorizedClient,
                    "This application's M2M client is disabled.",
                ));
            }
            s.last_used.record(&ok.app.id, &ok.secret_id, ok.at);
            Ok(ok)
        }
        Ok(None) => {
            let delay = s.throttle.failure(&throttle_key);
            tokio::time::sleep(delay).await;
            let mut e = OAuthError::invalid_client();
            e.basic = method == Method::Basic;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn claimed_client(creds: &ClientCredentials) -> String {
    match creds {
        ClientCredentials::Secret { client_id, .. } => client_id.clone(),
        ClientCredentials::Jwt {
            client_id,
            assertion,
        } => client_id
            .clone()
            .or_else(|| unverified_claims(assertion).and_then(|c| c.iss))
            .unwrap_or_default(),
    }
}

/// The client application, if it exists in this instance and is enabled.
async fn client_app(
    s: &AppState,
    instance_id: &InstanceId,
    client_id: &str,
) -> Result<Option<(Application, Vec<ClientSecretRecord>, Millis)>, OAuthError> {
    let Ok(id) = ApplicationId::parse(client_id) else {
        return Ok(None);
    };
    let Some(app) = s.store.get_application(instance_id, &id).await? else {
        return Ok(None);
    };
    if !app.status.is_enabled() {
        return Ok(None);
    }
    let now = s.clock.now_ms();
    let secrets = s
        .store
        .list_client_secrets(instance_id, &id)
        .await?
        .into_iter()
        .filter(|secret| secret.is_usable(now))
        .collect();
    Ok(Some((app, secrets, now)))
}

async fn by_secret(
    s: &AppState,
    instance_id: &InstanceId,
    client_id: &str,
    candidates: &[SecretValue],
) -> Result<Option<Authenticated>, OAuthError> {
    let Some((app, secrets, at)) = client_app(s, instance_id, client_id).await? else {
        return Ok(None);
    };
    // Remembered verifications first: the warm path costs no Argon2.
    for secret in &secrets {
        for candidate in candidates {
            if s.verified
                .is_known(&secret.id, &secret.hash, candidate.expose())
            {
                return Ok(Some(Authenticated {
                    app,
                    secret_id: secret.id.clone(),
                    at,
                }));
            }
        }
    }
    for secret in &secrets {
        for candidate in candidates {
            if !secret.mask.could_be(candidate.expose()) {
                continue;
            }
            if s.hasher
                .verify(candidate.clone(), secret.hash.clone())
                .await?
            {
                s.verified
                    .remember(&secret.id, &secret.hash, candidate.expose());
                return Ok(Some(Authenticated {
                    app,
                    secret_id: secret.id.clone(),
                    at,
                }));
            }
        }
    }
    Ok(None)
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<f64>,
    nbf: Option<f64>,
    jti: Option<String>,
}

fn unverified_claims(assertion: &str) -> Option<AssertionClaims> {
    jsonwebtoken::dangerous::insecure_decode::<AssertionClaims>(assertion)
        .ok()
        .map(|d| d.claims)
}

async fn by_assertion(
    s: &AppState,
    instance_id: &InstanceId,
    form_client_id: Option<&str>,
    assertion: &str,
) -> Result<Option<Authenticated>, OAuthError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| OAuthError::invalid_request("client_assertion is not a JWT."))?;
    if header.alg != Algorithm::HS256 {
        return Err(OAuthError::invalid_request(
            "client_assertion must be signed with HS256 (client_secret_jwt).",
        ));
    }
    let Some(claims) = unverified_claims(assertion) else {
        return Err(OAuthError::invalid_request(
            "client_assertion has unreadable claims.",
        ));
    };
    let Some(client_id) = claims
        .iss
        .clone()
        .filter(|iss| claims.sub.as_ref() == Some(iss))
    else {
        return Ok(None);
    };
    if form_client_id.is_some_and(|f| f != client_id) {
        return Err(OAuthError::invalid_request(
            "client_id differs from the assertion's issuer.",
        ));
    }
    let Some((app, secrets, at)) = client_app(s, instance_id, &client_id).await? else {
        return Ok(None);
    };

    let now = s.clock.now_ms();
    let exp_ms = claims.exp.map(|e| (e * 1000.0) as i64);
    let Some(exp_ms) = exp_ms.filter(|e| *e > now && *e <= now + MAX_ASSERTION_LIFETIME_MS) else {
        return Ok(None);
    };
    if claims
        .nbf
        .is_some_and(|nbf| (nbf * 1000.0) as i64 > now + 60_000)
    {
        return Ok(None);
    }
    let Some(jti) = claims
        .jti
        .clone()
        .filter(|j| !j.is_empty() && j.len() <= 256)
    else {
        return Ok(None);
    };
    let token_endpoint = super::token_endpoint(&s.public_url, instance_id);
    let issuer = super::issuer(&s.public_url, instance_id);
    let audience_ok = match &claims.aud {
        Some(serde_json::Value::String(a)) => *a == token_endpoint || *a == issuer,
        Some(serde_json::Value::Array(list)) => list.iter().any(|a| {
            a.as_str()
                .is_some_and(|a| a == token_endpoint || a == issuer)
        }),
        _ => false,
    };
    if !audience_ok {
        return Ok(None);
    }

    // Time and audience were checked above against our clock; the crate checks the MAC.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    for secret in &secrets {
        let Some(sealed) = &secret.sealed else {
            continue;
        };
        let value = s.sealer.open_secret(sealed, &secret.id)?;
        let key = DecodingKey::from_secret(value.expose().as_bytes());
        if jsonwebtoken::decode::<serde_json::Value>(assertion, &key, &validation).is_ok() {
            if !s
                .store
                .use_client_assertion(&app.id, &jti, exp_ms, now)
                .await?
            {
                tracing::info!(client = %app.id, "client assertion replayed");
                return Ok(None);
            }
            return Ok(Some(Authenticated {
                app,
                secret_id: secret.id.clone(),
                at,
            }));
        }
    }
    Ok(None)
}
