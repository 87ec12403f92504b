//! The leader's invalidations still in flight, per key: while one is, no
//! response may reveal the command behind it (see the module docs of `cache`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use tokio::sync::watch;
use tokio::time::Instant;

/// Per key, the log indexes whose invalidation has not settled yet.
pub struct Pending {
    by_key: Mutex<HashMap<String, BTreeSet<u64>>>,
    /// Bumped whenever an invalidation settles.
    settled: watch::Sender<u64>,
}

impl Default for Pending {
    fn default() -> Self {
        Pending {
            by_key: Mutex::new(HashMap::new()),
            settled: watch::Sender::new(0),
        }
    }
}

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, BTreeSet<u64>>> {
        // No code panics while holding this lock; the map stays consistent.
        self.by_key.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the command at `index` as pending on `keys`.
    pub fn register(&self, keys: &[String], index: u64) {
        let mut map = self.lock();
        for k in keys {
            map.entry(k.clone()).or_default().insert(index);
        }
    }

    /// The command at `index` is invalidated everywhere (or its lease ran out).
    pub fn settle(&self, keys: &[String], index: u64) {
        {
            let mut map = self.lock();
            for k in keys {
                if let Some(set) = map.get_mut(k) {
                    set.remove(&index);
                    if set.is_empty() {
                        map.remove(k);
                    }
                }
            }
        }
        self.settled.send_modify(|n| *n += 1);
    }

    /// Whether no command at or below `through` is pending on any of `keys`.
    pub fn clear(&self, keys: &[String], through: u64) -> bool {
        let map = self.lock();
        keys.iter().all(|k| {
            map.get(k)
                .and_then(|set| set.first())
                .is_none_or(|first| *first > through)
        })
    }

    /// Waits until [`Pending::clear`] holds; false if `deadline` passed first.
    pub async fn wait_clear(&self, keys: &[String], through: u64, deadline: Instant) -> bool {
        let mut rx = self.settled.subscribe();
        loop {
            // Subscribed before checking, so a settle in between still wakes us.
            if self.clear(keys, through) {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return self.clear(keys, through),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_indexes_at_or_below_through_block() {
        let p = Pending::default();
        p.register(&keys(&["a", "b"]), 5);
        assert!(!p.clear(&keys(&["a"]), 5));
        assert!(p.clear(&keys(&["a"]), 4));
        assert!(p.clear(&keys(&["c"]), 9));
        p.settle(&keys(&["a", "b"]), 5);
        assert!(p.clear(&keys(&["a", "b"]), 9));
    }

    #[tokio::test]
    async fn a_waiter_wakes_when_the_invalidation_settles() {
        let p = Arc::new(Pending::default());
        p.register(&keys(&["a"]), 3);
        let q = p.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            q.settle(&keys(&["a"]), 3);
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        assert!(p.wait_clear(&keys(&["a"]), 3, deadline).await);
        p.register(&keys(&["a"]), 4);
        let soon = Instant::now() + Duration::from_millis(10);
        assert!(!p.wait_clear(&keys(&["a"]), 4, soon).await);
    }
}
