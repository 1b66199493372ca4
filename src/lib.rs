//! eiam-local: a self-hosted stand-in for Alibaba Cloud IDaaS EIAM (API 2021-12-01).
//!
//! Layers, from the outside in:
//! - [`wire`]: the RPC protocol of the official SDKs (dispatch, parameters, envelopes, auth step);
//! - [`oauth`]: the per-instance OAuth 2.0 token endpoint that uses client secrets;
//! - [`domain`]: instances, applications, client secrets, scopes and their rules;
//! - [`crypto`]: Argon2id hashing, sealing under the master key, token signing keys;
//! - [`storage`]: the [`storage::Store`] interface and its SQLite implementation.

pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod oauth;
pub mod seed;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod wire;

pub use error::Error;
