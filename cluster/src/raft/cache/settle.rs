//! Holding back a leader's response until the commands it reveals are
//! invalidated everywhere, and until a new leader's predecessors' cache
//! entries have expired.

use super::Cache;
use crate::bugs::Bug;
use crate::raft::RaftNode;
use std::sync::Arc;
use tokio::time::Instant;

/// Waits until a response revealing the state of `keys` at index `through`
/// may leave this leader; false if that did not happen in time (the caller
/// answers "unknown"). With the `cache-stale` bug nothing is held back.
pub async fn settled(node: &Arc<RaftNode>, cache: &Cache, keys: &[String], through: u64) -> bool {
    if node.cfg.bug(Bug::CacheStale) {
        return true;
    }
    let term_gate = Instant::from_std(node.lock().leader_since + cache.lease());
    tokio::time::sleep_until(term_gate).await;
    // Every pending invalidation settles within its lease; the commit
    // timeout on top leaves room for a loaded machine.
    let deadline = Instant::now() + cache.lease() + node.cfg.commit_timeout;
    cache.pending.wait_clear(keys, through, deadline).await
}
