//! Argon2id hashing and verification of client secrets, off the async workers and with bounded
//! concurrency, so that a burst of creates or failed logins cannot starve the API.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use crate::domain::secret::SecretValue;
use crate::error::Error;

/// Argon2id cost parameters. The defaults are the argon2 crate's (m = 19 MiB, t = 2, p = 1);
/// tests pick cheap ones through configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
        }
    }
}

impl Argon2Settings {
    pub fn params(&self) -> Result<Params, String> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| format!("invalid Argon2 parameters: {e}"))
    }
}

#[derive(Clone)]
pub struct SecretHasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl SecretHasher {
    /// `concurrency`: how many hashes may run at once (the number of cores is a good choice).
    pub fn new(settings: Argon2Settings, concurrency: usize) -> Result<Self, String> {
        Ok(Self {
            params: settings.params()?,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// A PHC string (`$argon2id$v=19$m=…`).
    pub async fn hash(&self, secret: SecretValue) -> Result<String, Error> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &secret)).await?
    }

    /// Constant-time check of a presented value against a stored PHC string. A malformed
    /// stored hash counts as a mismatch (and is logged), never as a server error.
    pub async fn verify(&self, presented: SecretValue, phc: String) -> Result<bool, Error> {
        self.run(move || verify_blocking(&presented, &phc)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::internal("hasher closed"))?;
        Ok(tokio::task::spawn_blocking(f).await?)
    }
}

pub fn hash_blocking(params: &Params, secret: &SecretValue) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| Error::internal(format!("OS random source: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    SecretHasher::argon2(params.clone())
        .hash_password(secret.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

pub fn verify_blocking(presented: &SecretValue, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        // Verification uses the parameters recorded in the hash, not the current settings.
        Ok(parsed) => Argon2::default()
            .verify_password(presented.expose().as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored client secret hash is not a valid PHC string");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Params {
        Argon2Settings {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
        .params()
        .unwrap()
    }

    #[test]
    fn hash_then_verify() {
        let v = SecretValue::generate();
        let phc = hash_blocking(&cheap(), &v).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!phc.contains(v.expose()));
        assert!(verify_blocking(&v, &phc));
        assert!(!verify_blocking(&SecretValue::generate(), &phc));
        assert!(!verify_blocking(&v, "not a hash"));
    }

    #[test]
    fn production_defaults_are_the_crates() {
        let d = Argon2Settings::default();
        assert_eq!(
            (d.memory_kib, d.iterations, d.parallelism),
            (19 * 1024, 2, 1)
        );
    }
}
