//! Resource servers (applications with an identifier), their scopes, and grants to clients.

use crate::clock::Millis;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId};

pub const SCOPE_TYPE_DELEGATED: &str = "urn:alibaba:idaas:resourceserver:scope:delegated";
pub const MAX_SCOPE_NAME: usize = 128;
pub const MAX_SCOPE_VALUE: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub id: ScopeId,
    pub instance_id: InstanceId,
    pub application_id: ApplicationId,
    pub name: String,
    pub value: String,
    pub scope_type: String,
    pub authorization_type: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, Default)]
pub struct ScopeFilter {
    pub authorization_type: Option<String>,
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub scope_type: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ScopePatch {
    pub name: Option<String>,
}

/// A token signing key as stored: the private half sealed under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub instance_id: InstanceId,
    pub algorithm: String,
    pub private_key_sealed: Vec<u8>,
    pub public_jwk: String,
    pub created_at: Millis,
}

use crate::domain::application;
use crate::error::{Error, Resource};
use crate::state::AppState;

pub const SCOPE_TYPE_PREFIX: &str = "urn:alibaba:idaas:resourceserver:scope:";
pub const ALL_SCOPES: &str = ".all";
pub const DEFAULT_MAX_RESULTS: i64 = 20;
pub const MAX_MAX_RESULTS: i64 = 100;

#[derive(Debug, Clone)]
pub struct NewScope {
    pub name: String,
    pub value: String,
    pub scope_type: String,
    pub authorization_type: String,
}

fn check_chars(field: &str, v: &str, max: usize) -> Result<(), Error> {
    let n = v.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be between 1 and {max} characters; got {n}."),
        ));
    }
    Ok(())
}

pub fn check_scope_name(name: &str) -> Result<(), Error> {
    check_chars("ResourceServerScopeName", name, MAX_SCOPE_NAME)
}

pub fn check_new_scope(new: &NewScope) -> Result<(), Error> {
    check_scope_name(&new.name)?;
    check_chars("ResourceServerScopeValue", &new.value, MAX_SCOPE_VALUE)?;
    if new.value.chars().any(char::is_whitespace) {
        // Token requests list scopes separated by spaces.
        return Err(Error::invalid(
            "ResourceServerScopeValue",
            "ResourceServerScopeValue cannot contain whitespace.",
        ));
    }
    if new.value == ALL_SCOPES {
        return Err(Error::invalid(
            "ResourceServerScopeValue",
            "ResourceServerScopeValue .all is reserved: it asks for every granted scope.",
        ));
    }
    if !new.scope_type.starts_with(SCOPE_TYPE_PREFIX) || new.scope_type.len() > 128 {
        return Err(Error::invalid(
            "ResourceServerScopeType",
            format!(
                "ResourceServerScopeType must be a {SCOPE_TYPE_PREFIX}… URN such as {SCOPE_TYPE_DELEGATED}; got {:?}.",
                new.scope_type
            ),
        ));
    }
    if !["authorize_required", "default_all"].contains(&new.authorization_type.as_str()) {
        return Err(Error::invalid(
            "AuthorizationType",
            format!(
                "AuthorizationType must be authorize_required or default_all; got {:?}.",
                new.authorization_type
            ),
        ));
    }
    Ok(())
}

pub async fn create_scope(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    new: NewScope,
) -> Result<ScopeId, Error> {
    check_new_scope(&new)?;
    application::get(s, instance_id, application_id).await?;
    let now = s.clock.now_ms();
    let scope = Scope {
        id: ScopeId::generate(),
        instance_id: instance_id.clone(),
        application_id: application_id.clone(),
        name: new.name,
        value: new.value,
        scope_type: new.scope_type,
        authorization_type: new.authorization_type,
        created_at: now,
        updated_at: now,
    };
    s.store.insert_scope(&scope).await?;
    Ok(scope.id)
}

async fn scope_missing(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
) -> Error {
    match application::get(s, instance_id, application_id).await {
        Ok(_) => Error::not_found_in(
            Resource::ResourceServerScope,
            id.as_str(),
            format!("application {application_id}"),
        ),
        Err(e) => e,
    }
}

pub async fn get_scope(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
) -> Result<Scope, Error> {
    match s.store.get_scope(instance_id, application_id, id).await? {
        Some(scope) => Ok(scope),
        None => Err(scope_missing(s, instance_id, application_id, id).await),
    }
}

/// A page of scopes and the token of the next one.
pub async fn list_scopes(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    filter: &ScopeFilter,
    next_token: Option<&str>,
    max_results: Option<i64>,
) -> Result<(Vec<Scope>, i64, Option<String>, i64), Error> {
    let limit = max_results.unwrap_or(DEFAULT_MAX_RESULTS);
    if !(1..=MAX_MAX_RESULTS).contains(&limit) {
        return Err(Error::invalid(
            "MaxResults",
            format!("MaxResults must be between 1 and {MAX_MAX_RESULTS}; got {limit}."),
        ));
    }
    let after = next_token.map(decode_token).transpose()?;
    application::get(s, instance_id, application_id).await?;
    let (mut scopes, total) = s
        .store
        .list_scopes(instance_id, application_id, filter, after, limit + 1)
        .await?;
    let next = if scopes.len() as i64 > limit {
        scopes.truncate(limit as usize);
        scopes
            .last()
            .map(|last| encode_token(last.created_at, &last.id))
    } else {
        None
    };
    Ok((scopes, total, next, limit))
}

/// NextToken: where the previous page ended, opaque to clients.
fn encode_token(created_at: Millis, id: &ScopeId) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{created_at}:{id}"))
}

fn decode_token(token: &str) -> Result<(Millis, ScopeId), Error> {
    use base64::Engine;
    let bad = || {
        Error::invalid(
            "NextToken",
            "NextToken is not a token this server returned.",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (created, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((
        created.parse().map_err(|_| bad())?,
        ScopeId::parse(id).map_err(|_| bad())?,
    ))
}

pub async fn update_scope(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
    name: String,
) -> Result<(), Error> {
    check_scope_name(&name)?;
    let now = s.clock.now_ms();
    let patch = ScopePatch { name: Some(name) };
    if s.store
        .update_scope(instance_id, application_id, id, &patch, now)
        .await?
    {
        Ok(())
    } else {
        Err(scope_missing(s, instance_id, application_id, id).await)
    }
}

pub async fn delete_scope(
    s: &AppState,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
) -> Result<(), Error> {
    if s.store
        .delete_scope(instance_id, application_id, id)
        .await?
    {
        Ok(())
    } else {
        Err(scope_missing(s, instance_id, application_id, id).await)
    }
}

/// Which scopes a grant operation touches.
#[derive(Debug, Clone)]
pub enum GrantTarget {
    WholeServer,
    Scopes(Vec<ScopeId>),
}

pub async fn authorize(
    s: &AppState,
    instance_id: &InstanceId,
    client: &ApplicationId,
    server: &ApplicationId,
    target: GrantTarget,
) -> Result<(), Error> {
    application::get(s, instance_id, client).await?;
    application::get(s, instance_id, server).await?;
    let now = s.clock.now_ms();
    match target {
        GrantTarget::WholeServer => {
            s.store
                .grant_resource_server(instance_id, client, server, now)
                .await
        }
        GrantTarget::Scopes(ids) => {
            s.store
                .grant_scopes(instance_id, client, server, &ids, now)
                .await
        }
    }
}

/// Revoking what was never granted succeeds (like disabling a disabled secret).
pub async fn revoke(
    s: &AppState,
    instance_id: &InstanceId,
    client: &ApplicationId,
    server: &ApplicationId,
    target: GrantTarget,
) -> Result<(), Error> {
    application::get(s, instance_id, client).await?;
    application::get(s, instance_id, server).await?;
    match target {
        GrantTarget::WholeServer => {
            s.store
                .revoke_resource_server(instance_id, client, server)
                .await
        }
        GrantTarget::Scopes(ids) => {
            s.store
                .revoke_scopes(instance_id, client, server, &ids)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(value: &str) -> NewScope {
        NewScope {
            name: "Read".into(),
            value: value.into(),
            scope_type: SCOPE_TYPE_DELEGATED.into(),
            authorization_type: "authorize_required".into(),
        }
    }

    #[test]
    fn scope_values_fit_the_request_syntax() {
        assert!(check_new_scope(&scope("orders:read")).is_ok());
        assert!(check_new_scope(&scope("a b")).is_err());
        assert!(check_new_scope(&scope(".all")).is_err());
        assert!(check_new_scope(&scope("")).is_err());
    }

    #[test]
    fn next_tokens_round_trip() {
        let id = ScopeId::generate();
        let t = encode_token(42, &id);
        assert_eq!(decode_token(&t).unwrap(), (42, id));
        assert!(decode_token("garbage!").is_err());
        assert!(decode_token("MTox").is_err());
    }
}
