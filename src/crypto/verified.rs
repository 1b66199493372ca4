//! The remembered-verification memo of API.md §5: once a presented value has passed Argon2 for
//! a secret, later requests presenting the same value skip Argon2. Entries hold a keyed digest
//! (HMAC-SHA256 under a per-process random key) of the value, never the value, and are tied to
//! the stored hash so that a row whose hash changed is verified afresh.
//!
//! This is a cache: losing it costs one Argon2 per secret, so it is per-process state that
//! replicas need not share. Status, expiry and existence are never taken from it.

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::domain::ids::SecretId;

/// Upper bound on remembered secrets; past it the memo starts over (a cost, not an error).
const MAX_ENTRIES: usize = 200_000;

type Digest = [u8; 32];

pub struct VerifiedSecrets {
    key: [u8; 32],
    entries: Mutex<HashMap<SecretId, (Digest, Digest)>>,
}

impl std::fmt::Debug for VerifiedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifiedSecrets")
    }
}

impl Default for VerifiedSecrets {
    fn default() -> Self {
        let mut key = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut key)
            .expect("the OS random source is available");
        Self {
            key,
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl VerifiedSecrets {
    fn digest(&self, data: &[u8]) -> Digest {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Has `presented` already been verified against this exact stored hash?
    pub fn is_known(&self, id: &SecretId, stored_hash: &str, presented: &str) -> bool {
        let entry = self.lock().get(id).copied();
        let Some((hash_digest, value_digest)) = entry else {
            return false;
        };
        let same_hash = hash_digest.ct_eq(&self.digest(stored_hash.as_bytes()));
        let same_value = value_digest.ct_eq(&self.digest(presented.as_bytes()));
        (same_hash & same_value).into()
    }

    pub fn remember(&self, id: &SecretId, stored_hash: &str, presented: &str) {
        let entry = (
            self.digest(stored_hash.as_bytes()),
            self.digest(presented.as_bytes()),
        );
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES && !map.contains_key(id) {
            map.clear();
        }
        map.insert(id.clone(), entry);
    }

    pub fn forget(&self, id: &SecretId) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretId, (Digest, Digest)>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_value_and_hash() {
        let memo = VerifiedSecrets::default();
        let id = SecretId::generate();
        assert!(!memo.is_known(&id, "h1", "v"));
        memo.remember(&id, "h1", "v");
        assert!(memo.is_known(&id, "h1", "v"));
        assert!(!memo.is_known(&id, "h1", "w"));
        assert!(!memo.is_known(&id, "h2", "v"), "a changed hash forgets");
        memo.forget(&id);
        assert!(!memo.is_known(&id, "h1", "v"));
    }
}
