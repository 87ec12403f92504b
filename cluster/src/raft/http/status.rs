//! `GET /status`: the node's view of the cluster, for humans, tests and the
//! launcher's leader detection.

use crate::raft::{RaftNode, Role};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;

/// The body of `GET /status`.
#[derive(Serialize)]
pub struct Status {
    id: String,
    role: Role,
    term: u64,
    commit_index: u64,
    last_applied: u64,
    last_log_index: u64,
    snapshot_index: u64,
    leader: Option<String>,
    bugs: Vec<String>,
    /// Read-cache counters (absent without `--cache`).
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<crate::raft::cache::stats::CacheStats>,
    /// Two-phase-commit transactions this node has applied a yes-vote for
    /// and no decision yet (their keys are locked).
    prepared: usize,
}

/// Routes of the status endpoint.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new().route("/status", get(status))
}

async fn status(State(node): State<Arc<RaftNode>>) -> Json<Status> {
    let core = node.lock();
    Json(Status {
        id: core.id.to_string(),
        role: core.role,
        term: core.term,
        commit_index: core.commit_index,
        last_applied: core.last_applied,
        last_log_index: core.log.last_index(),
        snapshot_index: core.log.snap_index(),
        leader: core.leader.as_ref().map(|l| l.to_string()),
        bugs: node.cfg.bugs.iter().map(|b| b.to_string()).collect(),
        cache: node.cache.as_ref().map(|c| c.store.stats()),
        prepared: core.kv.txns().prepared.len(),
    })
}
