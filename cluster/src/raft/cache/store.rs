//! The cached entries of one node, versioned by the raft index they were read
//! at, with a per-key floor that refuses fills older than the last
//! invalidation.

use super::stats::CacheStats;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// One cached value.
#[derive(Clone, Debug)]
struct Entry {
    /// The value (`None`: the key was absent).
    value: Option<Value>,
    /// The raft index the value was read at.
    version: u64,
    /// When the entry stops being served.
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Per key, the highest index an invalidation named.
    floors: HashMap<String, u64>,
}

/// Entries plus the counters `GET /status` shows.
#[derive(Default)]
pub struct Store {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    fills: AtomicU64,
    refused_fills: AtomicU64,
    invalidations: AtomicU64,
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // No code panics while holding this lock; if one did, the map is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The live cached value of `key` (`Some(None)`: cached as absent); counts a hit or a miss.
    pub fn get(&self, key: &str, now: Instant) -> Option<Option<Value>> {
        let mut inner = self.lock();
        let found = match inner.entries.get(key) {
            Some(e) if e.expires > now => Some(e.value.clone()),
            Some(_) => {
                inner.entries.remove(key);
                None
            }
            None => None,
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Installs `value` read at `version`, unless an invalidation named a
    /// later index, a newer entry is already there, or the lease is over.
    /// Returns whether it was installed.
    pub fn fill(
        &self,
        key: &str,
        value: Option<Value>,
        version: u64,
        expires: Instant,
        now: Instant,
    ) -> bool {
        let mut inner = self.lock();
        let floor = inner.floors.get(key).copied().unwrap_or(0);
        let newer = inner
            .entries
            .get(key)
            .is_some_and(|e| e.version > version && e.expires > now);
        if version < floor || newer || expires <= now {
            self.refused_fills.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        inner.entries.insert(
            key.to_string(),
            Entry {
                value,
                version,
                expires,
            },
        );
        self.fills.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Drops `key`'s entry if it is older than `index`; later fills older
    /// than `index` are refused.
    pub fn invalidate(&self, key: &str, index: u64) {
        let mut inner = self.lock();
        let floor = inner.floors.entry(key.to_string()).or_insert(0);
        *floor = (*floor).max(index);
        if inner.entries.get(key).is_some_and(|e| e.version < index) {
            inner.entries.remove(key);
        }
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            fills: self.fills.load(Ordering::Relaxed),
            refused_fills: self.refused_fills.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            entries: self.lock().entries.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn later(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[test]
    fn a_fill_is_served_until_it_expires() {
        let s = Store::default();
        let now = Instant::now();
        assert_eq!(s.get("k", now), None);
        assert!(s.fill("k", Some(json!(1)), 5, later(10_000), now));
        assert_eq!(s.get("k", now), Some(Some(json!(1))));
        assert_eq!(s.get("k", later(20_000)), None);
        let st = s.stats();
        assert_eq!((st.hits, st.misses, st.fills), (1, 2, 1));
    }

    #[test]
    fn invalidation_drops_older_entries_and_refuses_older_fills() {
        let s = Store::default();
        let now = Instant::now();
        assert!(s.fill("k", Some(json!(1)), 5, later(10_000), now));
        s.invalidate("k", 7);
        assert_eq!(s.get("k", now), None);
        // The slow fill of a read made before the write loses the race.
        assert!(!s.fill("k", Some(json!(1)), 6, later(10_000), now));
        assert!(s.fill("k", Some(json!(2)), 7, later(10_000), now));
        // An invalidation the entry already reflects keeps it.
        s.invalidate("k", 7);
        assert_eq!(s.get("k", now), Some(Some(json!(2))));
        assert_eq!(s.stats().refused_fills, 1);
    }

    #[test]
    fn an_older_fill_does_not_replace_a_newer_entry() {
        let s = Store::default();
        let now = Instant::now();
        assert!(s.fill("k", None, 9, later(10_000), now));
        assert!(!s.fill("k", Some(json!(1)), 8, later(10_000), now));
        assert_eq!(s.get("k", now), Some(None));
    }
}
