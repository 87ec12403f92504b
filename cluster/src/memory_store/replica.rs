//! The lagging copy a `stale` node reads from.

use super::map::{SharedMap, lock};
use std::time::Duration;

/// Starts copying `primary` into a new map every ~300 ms, node `index`
/// slightly slower than the one before it so that the nodes disagree with
/// each other as well as with the primary; returns the copy. The task runs
/// as long as the runtime it was spawned on.
pub(super) fn spawn_lagging_copy(primary: SharedMap, index: usize) -> SharedMap {
    let replica = SharedMap::default();
    let copy = replica.clone();
    let lag = Duration::from_millis(300 + 70 * index as u64);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(lag).await;
            // Cloned before locking the replica, so never both locks at once.
            let snapshot = lock(&primary).clone();
            *lock(&copy) = snapshot;
        }
    });
    replica
}
