//! Scopes and the access token of a client-credentials grant.

use serde::Serialize;

use super::error::OAuthError;
use super::{ACCESS_TOKEN_LIFETIME_S, issuer};
use crate::domain::application::Application;
use crate::domain::ids::InstanceId;
use crate::domain::resource_server::ALL_SCOPES;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub scope: String,
}

#[derive(Debug, Serialize)]
struct Claims<'a> {
    iss: String,
    sub: &'a str,
    aud: serde_json::Value,
    scope: &'a str,
    client_id: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

/// The granted scopes for a `scope` parameter, and the audiences they name.
pub async fn resolve_scopes(
    s: &AppState,
    instance_id: &InstanceId,
    client: &Application,
    requested: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), OAuthError> {
    let requested = requested
        .map(|r| r.trim_matches(' '))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
        OAuthError::invalid_scope(
            "scope is required: ask for <resource server identifier>|<scope>, or <identifier>|.all.",
        )
    })?;
    let mut granted_out: Vec<String> = Vec::new();
    let mut audiences: Vec<String> = Vec::new();
    // Items are separated by spaces (RFC 6749 §3.3); other whitespace is not a separator, and
    // a control character in an item is refused. Non-ASCII scope values are allowed (EIAM's
    // scope values are free text).
    for item in requested.split(' ').filter(|i| !i.is_empty()) {
        if item.chars().any(char::is_control) {
            return Err(OAuthError::invalid_scope(format!(
                "{item:?} contains a control character; scope items are separated by single spaces."
            )));
        }
        let (identifier, value) = item
            .split_once('|')
            .filter(|(i, v)| !i.is_empty() && !v.is_empty())
            .ok_or_else(|| {
                OAuthError::invalid_scope(format!(
                    "{item:?} is not of the form <resource server identifier>|<scope>."
                ))
            })?;
        let server = s
            .store
            .find_resource_server(instance_id, identifier)
            .await?
            .filter(|rs| rs.resource_server_status.is_enabled() && rs.status.is_enabled())
            .ok_or_else(|| {
                OAuthError::invalid_scope(format!(
                    "No enabled resource server {identifier:?} in this instance."
                ))
            })?;
        let granted = s.store.granted_scope_values(&client.id, &server.id).await?;
        let values: Vec<String> = if value == ALL_SCOPES {
            if granted.is_empty() {
                return Err(OAuthError::invalid_scope(format!(
                    "No scope of {identifier:?} is granted to this client."
                )));
            }
            granted
        } else if granted.iter().any(|g| g == value) {
            vec![value.to_owned()]
        } else {
            let exists = s
                .store
                .scope_values(&server.id)
                .await?
                .iter()
                .any(|v| v == value);
            return Err(OAuthError::invalid_scope(if exists {
                format!("Scope {item:?} is not granted to this client.")
            } else {
                format!("Resource server {identifier:?} has no scope {value:?}.")
            }));
        };
        for v in values {
            let full = format!("{identifier}|{v}");
            if !granted_out.contains(&full) {
                granted_out.push(full);
            }
        }
        if !audiences.iter().any(|a| a == identifier) {
            audiences.push(identifier.to_owned());
        }
    }
    Ok((granted_out, audiences))
}

pub async fn issue(
    s: &AppState,
    instance_id: &InstanceId,
    client: &Application,
    requested: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let (scopes, audiences) = resolve_scopes(s, instance_id, client, requested).await?;
    let now_ms = s.clock.now_ms();
    let key = s
        .signing_keys
        .active(s.store.as_ref(), instance_id, s.token_algorithm, now_ms)
        .await?;
    let iat = now_ms.div_euclid(1000);
    let exp = iat + ACCESS_TOKEN_LIFETIME_S;
    let scope = scopes.join(" ");
    let aud = match audiences.as_slice() {
        [one] => serde_json::Value::String(one.clone()),
        many => serde_json::Value::from(many.to_vec()),
    };
    let claims = Claims {
        iss: issuer(&s.public_url, instance_id),
        sub: client.id.as_str(),
        aud,
        scope: &scope,
        client_id: client.id.as_str(),
        iat,
        exp,
        jti: crate::wire::envelope::random_uuid().to_string(),
    };
    Ok(TokenResponse {
        access_token: key.sign_jwt(&claims)?,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME_S,
        expires_at: exp,
        scope,
    })
}
