//! The RPC protocol of the official SDKs (WIRE.md): `POST /` with the action in `x-acs-action`
//! or `Action`, parameters in the query and form body, JSON envelopes with a `RequestId`.
//!
//! - [`middleware`]: request ids, access log, panics → JSON 500;
//! - [`request`]: from HTTP to an [`request::RpcRequest`] (body limit, decoding, version);
//! - [`auth`]: the authentication step every action passes (signatures plug in here);
//! - [`dispatch`]: action name → handler in [`actions`];
//! - [`envelope`]: success and error bodies.

pub mod actions;
pub mod auth;
pub mod dispatch;
pub mod envelope;
pub mod middleware;
pub mod params;
pub mod request;
pub mod signature;

pub const API_VERSION: &str = "2021-12-01";
