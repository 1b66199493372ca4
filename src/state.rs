//! Everything a request handler needs, built once per process and shared by all workers.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::config::{Settings, TokenAlgorithm};
use crate::crypto::{MasterKey, Sealer, SecretHasher, VerifiedSecrets};
use crate::domain::last_used::LastUsedTracker;
use crate::error::Error;
use crate::oauth::keys::SigningKeys;
use crate::oauth::throttle::FailureThrottle;
use crate::storage::DynStore;
use crate::wire::auth::{AcceptAll, Authenticator};

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub clock: SharedClock,
    pub hasher: SecretHasher,
    pub sealer: Arc<Sealer>,
    /// When false, new secrets get no sealed copy and Obtain answers
    /// `OperationNotSupported.SecretRetrieval`.
    pub seal_secrets: bool,
    pub verified: Arc<VerifiedSecrets>,
    pub last_used: Arc<LastUsedTracker>,
    pub signing_keys: Arc<SigningKeys>,
    pub throttle: Arc<FailureThrottle>,
    pub authenticator: Arc<dyn Authenticator>,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    pub token_algorithm: TokenAlgorithm,
    pub max_body_bytes: usize,
    pub body_timeout: std::time::Duration,
}

impl AppState {
    pub fn new(
        settings: &Settings,
        store: DynStore,
        clock: SharedClock,
        public_url: String,
    ) -> Result<Self, Error> {
        let master_key = match &settings.master_key {
            Some(text) => MasterKey::parse(secrecy::ExposeSecret::expose_secret(text)),
            None => MasterKey::load_or_create(&settings.master_key_path()),
        }
        .map_err(|e| Error::internal(format!("master key: {e}")))?;
        let sealer = Arc::new(Sealer::new(&master_key));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hasher = SecretHasher::new(settings.argon2, cores).map_err(Error::internal)?;
        Ok(Self {
            store,
            clock,
            hasher,
            signing_keys: Arc::new(SigningKeys::new(sealer.clone())),
            sealer,
            seal_secrets: settings.seal_secrets,
            verified: Arc::new(VerifiedSecrets::default()),
            last_used: Arc::new(LastUsedTracker::default()),
            throttle: Arc::new(FailureThrottle::default()),
            authenticator: Arc::new(AcceptAll),
            public_url: public_url.trim_end_matches('/').to_owned(),
            token_algorithm: settings.token_algorithm,
            max_body_bytes: settings.max_body_bytes,
            body_timeout: std::time::Duration::from_millis(settings.body_timeout_ms.max(1)),
        })
    }
}
