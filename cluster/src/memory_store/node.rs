//! One endpoint of a memory store: what its handlers share, and the faults
//! that apply to every request (redirects and slow answers).

use super::map::SharedMap;
use super::options::MemoryStoreOptions;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long a slow answer is held back: longer than the request timeout
/// the integration tests give `faultline run`, so the client records `info`.
const SLOW_ANSWER: Duration = Duration::from_millis(1500);

/// The state of one node, cloned into each of its handlers.
#[derive(Clone)]
pub(super) struct Node {
    /// The store's one map, shared by all nodes: writes go here.
    pub(super) primary: SharedMap,
    /// `None`: reads go to the primary (linearizable). `Some`: a lagging copy.
    pub(super) replica: Option<SharedMap>,
    /// `Some(url)` when this node is not the leader.
    pub(super) leader: Option<String>,
    /// The store's faults.
    pub(super) opts: MemoryStoreOptions,
    /// Requests answered by the whole store, for `slow_every`.
    pub(super) requests: Arc<AtomicU64>,
    /// Writing transactions seen by the whole store, for `lose_txn_every`.
    pub(super) txn_writes: Arc<AtomicU64>,
}

impl Node {
    /// The answer a non-leader gives, if this node is one.
    pub(super) fn redirect(&self) -> Option<Response> {
        self.leader.as_ref().map(|l| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "not_leader", "leader": l})),
            )
                .into_response()
        })
    }

    /// Delays the answer of every n-th request (after it took effect).
    pub(super) async fn maybe_slow(&self) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(every) = self.opts.slow_every
            && n.is_multiple_of(every)
        {
            tokio::time::sleep(SLOW_ANSWER).await;
        }
    }

    /// Whether this writing transaction is the n-th one to be lost.
    pub(super) fn loses_txn(&self) -> bool {
        self.opts.lose_txn_every.is_some_and(|every| {
            (self.txn_writes.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(every)
        })
    }
}
