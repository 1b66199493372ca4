//! The authentication step in front of every action.
//!
//! Today every request is accepted as [`Principal::Anonymous`] whatever its signature (API.md
//! §2). Signed requests checked against access keys will be a second [`Authenticator`] built
//! on [`super::signature`]; the dispatcher already receives the principal, so policies on
//! actions and resources can be added there without touching the handlers.

use super::request::RpcRequest;
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No access-key checking is configured.
    Anonymous,
    /// A request whose signature verified under this AccessKeyId.
    AccessKey(String),
}

pub trait Authenticator: Send + Sync + 'static {
    fn authenticate(&self, request: &RpcRequest<'_>) -> Result<Principal, Error>;
}

/// Accept every request (the current stage of the product).
#[derive(Debug, Default, Clone, Copy)]
pub struct AcceptAll;

impl Authenticator for AcceptAll {
    fn authenticate(&self, _: &RpcRequest<'_>) -> Result<Principal, Error> {
        Ok(Principal::Anonymous)
    }
}
