//! LastUsedTime bookkeeping (API.md §4): successful token requests note the time here, in
//! memory; a background flusher writes the batch in one transaction every few hundred
//! milliseconds and at shutdown. Readers fold the pending values into what they read, so a
//! List right after a token response already shows it.
//!
//! Replicas of a future PostgreSQL mode each buffer their own successes and flush them with
//! the same max() rule, so the stored value is right whichever replica served the request; a
//! List on another replica sees it after that replica's next flush (well under one second).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Millis;
use crate::domain::ids::SecretId;
use crate::error::Error;
use crate::storage::Store;

#[derive(Debug, Default)]
pub struct LastUsedTracker {
    pending: Mutex<HashMap<SecretId, Millis>>,
    /// Serialises flushes, so a value is only removed from memory after its commit.
    flushing: tokio::sync::Mutex<()>,
}

impl LastUsedTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretId, Millis>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Note a successful use; keeps the later of two times.
    pub fn record(&self, id: &SecretId, at: Millis) {
        let mut map = self.lock();
        match map.get_mut(id) {
            Some(t) => *t = (*t).max(at),
            None => {
                map.insert(id.clone(), at);
            }
        }
    }

    pub fn get(&self, id: &SecretId) -> Option<Millis> {
        self.lock().get(id).copied()
    }

    pub fn snapshot(&self) -> HashMap<SecretId, Millis> {
        self.lock().clone()
    }

    pub fn pending_len(&self) -> usize {
        self.lock().len()
    }

    /// Write everything pending in one transaction. Entries are dropped from memory only once
    /// committed, and only if no later use arrived meanwhile.
    pub async fn flush(&self, store: &dyn Store) -> Result<usize, Error> {
        let _one_at_a_time = self.flushing.lock().await;
        let batch: Vec<(SecretId, Millis)> =
            self.lock().iter().map(|(k, v)| (k.clone(), *v)).collect();
        if batch.is_empty() {
            return Ok(0);
        }
        store.record_last_used(&batch).await?;
        let mut map = self.lock();
        for (id, at) in &batch {
            if map.get(id) == Some(at) {
                map.remove(id);
            }
        }
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_time() {
        let t = LastUsedTracker::default();
        let id = SecretId::generate();
        t.record(&id, 10);
        t.record(&id, 7);
        assert_eq!(t.get(&id), Some(10));
        t.record(&id, 12);
        assert_eq!(t.get(&id), Some(12));
    }
}
