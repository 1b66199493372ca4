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
use crate::domain::ids::{ApplicationId, SecretId};
use crate::error::Error;
use crate::storage::Store;

/// Pending times by application (at most a quota's worth of secrets each), so a List reads
/// only its own application's entries.
type Pending = HashMap<ApplicationId, Vec<(SecretId, Millis)>>;

#[derive(Debug, Default)]
pub struct LastUsedTracker {
    pending: Mutex<Pending>,
    /// Serialises flushes, so a value is only removed from memory after its commit.
    flushing: tokio::sync::Mutex<()>,
}

impl LastUsedTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Note a successful use; keeps the later of two times.
    pub fn record(&self, app: &ApplicationId, id: &SecretId, at: Millis) {
        let mut map = self.lock();
        let entries = map.entry(app.clone()).or_default();
        match entries.iter_mut().find(|(s, _)| s == id) {
            Some((_, t)) => *t = (*t).max(at),
            None => entries.push((id.clone(), at)),
        }
    }

    /// Pending times of one application's secrets.
    pub fn for_application(&self, app: &ApplicationId) -> Vec<(SecretId, Millis)> {
        self.lock().get(app).cloned().unwrap_or_default()
    }

    pub fn pending_len(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// Write everything pending in one transaction. Entries are dropped from memory only once
    /// committed, and only if no later use arrived meanwhile.
    pub async fn flush(&self, store: &dyn Store) -> Result<usize, Error> {
        let _one_at_a_time = self.flushing.lock().await;
        let batch: Vec<(SecretId, Millis)> = self
            .lock()
            .values()
            .flat_map(|entries| entries.iter().cloned())
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        store.record_last_used(&batch).await?;
        let written: HashMap<&SecretId, Millis> = batch.iter().map(|(id, t)| (id, *t)).collect();
        let mut map = self.lock();
        for entries in map.values_mut() {
            entries.retain(|(id, t)| written.get(id) != Some(t));
        }
        map.retain(|_, entries| !entries.is_empty());
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_time() {
        let t = LastUsedTracker::default();
        let app = ApplicationId::generate();
        let id = SecretId::generate();
        t.record(&app, &id, 10);
        t.record(&app, &id, 7);
        assert_eq!(t.for_application(&app), vec![(id.clone(), 10)]);
        t.record(&app, &id, 12);
        assert_eq!(t.for_application(&app), vec![(id, 12)]);
        assert_eq!(t.pending_len(), 1);
    }
}
