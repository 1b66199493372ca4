//! Repeated authentication failures of one client are answered slowly: a short delay that
//! doubles with each failure up to a cap, forgotten after a quiet minute or a success. Never a
//! lock-out: the right secret is never delayed.
//!
//! Per-process on purpose: it is a brake, not a record; replicas each brake on their own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FIRST_DELAY: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_secs(1);
const FORGET_AFTER: Duration = Duration::from_secs(60);
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
pub struct FailureThrottle {
    clients: Mutex<HashMap<String, (u32, Instant)>>,
}

impl FailureThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count a failure; returns how long to hold the answer back.
    pub fn failure(&self, client: &str) -> Duration {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let entry = map.entry(client.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
        delay_for(entry.0)
    }

    pub fn success(&self, client: &str) {
        let mut map = self.lock();
        if !map.is_empty() {
            map.remove(client);
        }
    }

    pub fn failures(&self, client: &str) -> u32 {
        self.lock().get(client).map_or(0, |(n, _)| *n)
    }
}

pub fn delay_for(failures: u32) -> Duration {
    let shift = failures.saturating_sub(1).min(10);
    (FIRST_DELAY * (1u32 << shift)).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_and_resets() {
        assert_eq!(delay_for(1), Duration::from_millis(50));
        assert_eq!(delay_for(2), Duration::from_millis(100));
        assert_eq!(delay_for(20), MAX_DELAY);
        let t = FailureThrottle::default();
        assert_eq!(t.failure("c"), Duration::from_millis(50));
        assert_eq!(t.failure("c"), Duration::from_millis(100));
        t.success("c");
        assert_eq!(t.failures("c"), 0);
    }
}
