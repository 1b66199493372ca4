//! Argon2id hashing and verification of client secrets, off the async workers and with bounded
//! concurrency, so that a burst of creates or failed logins cannot starve the API.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::TryRngCore;
use rand::rngs::OsRng;
use tokio::sync::oneshot;

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

/// The memory an Argon2 computation works in, kept by one worker thread from hash to hash.
type Scratch = Vec<Block>;
type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// A fixed set of worker threads, each owning its Argon2 memory. Spawning a blocking task per
/// hash let every blocking-pool thread keep its own allocator arena of ~19 MiB (1.1 GiB of RSS
/// under a create burst, see docs/benchmarks.md); with N workers the memory is N × m_cost,
/// allocated once, and a burst waits in the queue instead.
#[derive(Clone)]
pub struct SecretHasher {
    params: Params,
    jobs: Sender<Job>,
    /// Argon2 verifications asked of this hasher (shared by its clones), so that tests and
    /// operators can see that remembered verifications really skip Argon2 (API.md §5).
    verifications: Arc<AtomicU64>,
}

impl SecretHasher {
    /// `workers`: how many hashes may run at once (the number of cores is a good choice).
    pub fn new(settings: Argon2Settings, workers: usize) -> Result<Self, String> {
        let params = settings.params()?;
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..workers.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&queue))
                .map_err(|e| format!("cannot start an Argon2 worker: {e}"))?;
        }
        Ok(Self {
            params,
            jobs,
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    /// How many Argon2 verifications this hasher (and its clones) has been asked for.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// A PHC string (`$argon2id$v=19$m=…`).
    pub async fn hash(&self, secret: SecretValue) -> Result<String, Error> {
        let params = self.params.clone();
        self.run(move |scratch| hash_with(&params, &secret, scratch))
            .await?
    }

    /// Constant-time check of a presented value against a stored PHC string. A malformed
    /// stored hash counts as a mismatch (and is logged), never as a server error.
    pub async fn verify(&self, presented: SecretValue, phc: String) -> Result<bool, Error> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        self.run(move |scratch| verify_with(&presented, &phc, scratch))
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |scratch| {
            // The caller may have gone away (client disconnected); nothing to do then.
            let _ = tx.send(f(scratch));
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::internal("Argon2 workers stopped"))?;
        rx.await
            .map_err(|_| Error::internal("an Argon2 worker failed"))
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    let mut scratch = Scratch::new();
    loop {
        // The lock is held only while waiting for the next job, not while hashing.
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut scratch),
            Err(_) => return, // every SecretHasher is gone
        }
    }
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn scratch_for<'a>(params: &Params, scratch: &'a mut Scratch) -> &'a mut [Block] {
    let blocks = params.block_count();
    if scratch.len() < blocks {
        scratch.resize(blocks, Block::default());
    }
    &mut scratch[..blocks]
}

/// Same output as `PasswordHasher::hash_password`, computed in reused memory.
fn hash_with(
    params: &Params,
    secret: &SecretValue,
    scratch: &mut Scratch,
) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| Error::internal(format!("OS random source: {e}")))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let memory = scratch_for(params, scratch);
    let output = Output::init_with(output_len, |out| {
        argon2(params.clone())
            .hash_password_into_with_memory(secret.expose().as_bytes(), &salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| Error::internal(format!("argon2: {e}")))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(Error::internal)?,
        salt: Some(salt_string.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Same answer as `PasswordVerifier::verify_password` (parameters, variant and version come
/// from the stored hash), computed in reused memory; `Output`'s comparison is constant-time.
fn verify_with(presented: &SecretValue, phc: &str, scratch: &mut Scratch) -> bool {
    match recompute(presented, phc, scratch) {
        Ok(matches) => matches,
        Err(e) => {
            tracing::error!(error = %e, "stored client secret hash is not a valid Argon2 PHC string");
            false
        }
    }
}

fn recompute(
    presented: &SecretValue,
    phc: &str,
    scratch: &mut Scratch,
) -> Result<bool, argon2::password_hash::Error> {
    use argon2::password_hash::Error as E;
    let parsed = PasswordHash::new(phc)?;
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|_| E::Version)?
        .unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let (salt, expected) = match (&parsed.salt, &parsed.hash) {
        (Some(salt), Some(hash)) => (salt, hash),
        _ => return Err(E::PhcStringField),
    };
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf)?;
    let memory = scratch_for(&params, scratch);
    let computed = Output::init_with(expected.len(), |out| {
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(presented.expose().as_bytes(), salt, out, &mut *memory)
            .map_err(|_| E::Crypto)
    })?;
    Ok(&computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

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
        let mut scratch = Scratch::new();
        let v = SecretValue::generate();
        let phc = hash_with(&cheap(), &v, &mut scratch).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!phc.contains(v.expose()));
        assert!(verify_with(&v, &phc, &mut scratch));
        assert!(!verify_with(&SecretValue::generate(), &phc, &mut scratch));
        assert!(!verify_with(&v, "not a hash", &mut scratch));
        assert!(!verify_with(
            &v,
            "$argon2id$v=19$m=64,t=1,p=1",
            &mut scratch
        ));
    }

    /// Reused memory must give exactly what the crate's own hasher and verifier give, in both
    /// directions, with parameters larger and smaller than the scratch already holds.
    #[test]
    fn interchangeable_with_the_crates_hasher() {
        let mut scratch = Scratch::new();
        let v = SecretValue::generate();
        for (m, t, p) in [(256, 2, 1), (64, 1, 1), (128, 3, 2)] {
            let params = Params::new(m, t, p, None).unwrap();
            let ours = hash_with(&params, &v, &mut scratch).unwrap();
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(
                Argon2::default()
                    .verify_password(v.expose().as_bytes(), &parsed)
                    .is_ok()
            );

            let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
            let theirs = argon2(params)
                .hash_password(v.expose().as_bytes(), &salt)
                .unwrap()
                .to_string();
            assert!(verify_with(&v, &theirs, &mut scratch));
            assert!(!verify_with(
                &SecretValue::generate(),
                &theirs,
                &mut scratch
            ));
        }
        // argon2i / argon2d hashes written by other tools verify too.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, cheap())
            .hash_password(v.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&v, &argon2i, &mut scratch));
    }

    #[tokio::test]
    async fn workers_answer_concurrent_callers() {
        let settings = Argon2Settings {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let hasher = SecretHasher::new(settings, 2).unwrap();
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move {
                    let v = SecretValue::generate();
                    let phc = hasher.hash(v.clone()).await.unwrap();
                    hasher.verify(v, phc).await.unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap());
        }
        assert_eq!(hasher.verifications(), 32, "hashes are not counted");
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
