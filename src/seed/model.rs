//! The seed file format (TOML). Every table rejects unknown keys, so a typo is an error with
//! its line, not a silently ignored setting. See docs/seeding.md.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    pub instances: Vec<Spanned<InstanceSeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceSeed {
    /// Names the instance in the file; its id is derived from it unless `id` is given. Also
    /// the default description.
    pub name: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub applications: Vec<Spanned<ApplicationSeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSeed {
    /// The ApplicationName, unique within the instance in a seed file.
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    /// `oidc`, `saml2`, `oauth2/m2m` or `oidc+oauth2/m2m`.
    pub sso_type: Spanned<String>,
    /// `enabled` (default) or `disabled`.
    pub status: Option<Spanned<String>>,
    /// Default: enabled when `sso_type` includes `oauth2/m2m`.
    pub m2m_client: Option<Spanned<bool>>,
    /// `application` (default) or `agent`.
    pub identity_type: Option<Spanned<String>>,
    pub resource_server: Option<Spanned<ResourceServerSeed>>,
    #[serde(default)]
    pub grants: Vec<Spanned<GrantSeed>>,
    #[serde(default)]
    pub secrets: Vec<Spanned<SecretSeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceServerSeed {
    pub identifier: Spanned<String>,
    /// Default true.
    pub enabled: Option<Spanned<bool>>,
    #[serde(default)]
    pub scopes: Vec<Spanned<ScopeSeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSeed {
    pub value: Spanned<String>,
    pub id: Option<Spanned<String>>,
    /// Default: the value.
    pub name: Option<Spanned<String>>,
    /// `authorize_required` (default) or `default_all`.
    pub authorization_type: Option<Spanned<String>>,
}

/// Scopes of a resource server granted to this application (as a client).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSeed {
    /// The resource server: its identifier, or the name or id of its application.
    pub resource_server: Spanned<String>,
    /// Scope values granted one by one.
    pub scopes: Option<Spanned<Vec<Spanned<String>>>>,
    /// Grant the whole resource server (every scope, present and future).
    pub all: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSeed {
    /// Names the secret in the file; its id is derived from it unless `id` is given.
    pub name: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    /// A fixed (demo) value. Without `value` or `value_env` a value is generated on first
    /// apply and printed once.
    pub value: Option<Spanned<String>>,
    /// Read the value from this environment variable.
    pub value_env: Option<Spanned<String>>,
    /// `enabled` (default) or `disabled`.
    pub status: Option<Spanned<String>>,
    /// RFC 3339 (string or TOML datetime) or Unix milliseconds. Absent: never expires.
    pub expiration: Option<Spanned<toml::Value>>,
    /// Seed an already-expired secret (its expiration must be in the past, default
    /// 2020-01-01T00:00:00Z).
    pub expired: Option<Spanned<bool>>,
}
