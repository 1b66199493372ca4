//! The OAuth 2.0 endpoints of each instance (API.md §7), where client secrets are used:
//! `POST {issuer}/token` (client credentials), `GET {issuer}/jwks` and discovery, with
//! `issuer = {public_url}/{InstanceId}/api/v2/iauths_system/oauth2`.
//!
//! - [`client_auth`]: the one extractor for `client_secret_basic`, `_post` and `_jwt`;
//! - [`authenticate`]: checking those credentials against the secrets of the application;
//! - [`token`]: scopes, grants and the signed access token;
//! - [`keys`]: per-instance signing keys and JWKS; [`throttle`]: slowing repeated failures;
//! - [`error`]: RFC 6749 error bodies.

pub mod authenticate;
pub mod client_auth;
pub mod error;
pub mod keys;
pub mod routes;
pub mod throttle;
pub mod token;

use crate::domain::ids::InstanceId;

pub const OAUTH_PATH: &str = "/api/v2/iauths_system/oauth2";
pub const ACCESS_TOKEN_LIFETIME_S: i64 = 1200;
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn issuer(public_url: &str, instance_id: &InstanceId) -> String {
    format!("{public_url}/{instance_id}{OAUTH_PATH}")
}

pub fn token_endpoint(public_url: &str, instance_id: &InstanceId) -> String {
    format!("{}/token", issuer(public_url, instance_id))
}
