//! Invalidation on write: the leader drops its own stale entries as it
//! applies a command and tells every peer, then settles the command once
//! each peer acknowledged or the lease ran out.

use super::keys;
use crate::bugs::Bug;
use crate::raft::RaftNode;
use crate::raft::state::{Core, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Path of the peer endpoint that applies an invalidation.
pub const PATH: &str = "/cache/invalidate";

/// Pause between attempts to reach a peer that did not answer.
const RETRY: Duration = Duration::from_millis(100);

/// Body of `POST /cache/invalidate`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvalidateRequest {
    /// Keys the command at `index` touched.
    pub keys: Vec<String>,
    /// The command's log index.
    pub index: u64,
}

/// After `core` applied the entries above `applied_before`: on a leader
/// with a cache, invalidates them locally, marks them pending (in the same
/// critical section as the apply, so no reader sees one without the mark)
/// and sends them to every peer in the background.
pub fn after_apply(node: &Arc<RaftNode>, core: &Core, applied_before: u64) {
    let Some(cache) = &node.cache else {
        return;
    };
    if core.role != Role::Leader {
        return;
    }
    for index in applied_before + 1..=core.last_applied {
        let Some(entry) = core.log.get(index) else {
            continue;
        };
        let keys = keys::touched(&entry.cmd);
        if keys.is_empty() {
            continue;
        }
        for k in &keys {
            cache.store.invalidate(k, index);
        }
        if !node.cfg.bug(Bug::CacheStale) {
            cache.pending.register(&keys, index);
        }
        // Taken after the apply: every response older than `index` left before it.
        let deadline = Instant::now() + cache.lease();
        tokio::spawn(broadcast(
            node.clone(),
            InvalidateRequest { keys, index },
            deadline,
        ));
    }
}

/// Sends `req` to every peer; settles it when each acknowledged or `deadline` passed.
async fn broadcast(node: Arc<RaftNode>, req: InvalidateRequest, deadline: Instant) {
    let mut sends = JoinSet::new();
    for url in node.cfg.peers.values() {
        sends.spawn(send(
            node.clone(),
            format!("{url}{PATH}"),
            req.clone(),
            deadline,
        ));
    }
    while sends.join_next().await.is_some() {}
    if let Some(cache) = &node.cache
        && !node.cfg.bug(Bug::CacheStale)
    {
        cache.pending.settle(&req.keys, req.index);
    }
}

/// Delivers `req` to one peer; retries until `deadline` (with the
/// `cache-stale` bug: one attempt, dropped if it fails).
async fn send(node: Arc<RaftNode>, url: String, req: InvalidateRequest, deadline: Instant) -> bool {
    let fire_and_forget = node.cfg.bug(Bug::CacheStale);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let sent = node.http.post(&url).json(&req).timeout(left).send().await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        if fire_and_forget {
            return false;
        }
        tokio::time::sleep(RETRY.min(left)).await;
    }
}
