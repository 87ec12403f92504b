//! Peer endpoint of the read cache: `POST /cache/invalidate` from the leader.

use crate::raft::RaftNode;
use crate::raft::cache::invalidate::{InvalidateRequest, PATH};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

/// Routes of the cache's peer API.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new().route(PATH, post(invalidate))
}

/// Applies an invalidation; a node without a cache has nothing to drop.
async fn invalidate(
    State(node): State<Arc<RaftNode>>,
    Json(req): Json<InvalidateRequest>,
) -> Json<Value> {
    if let Some(cache) = &node.cache {
        for key in &req.keys {
            cache.store.invalidate(key, req.index);
        }
    }
    Json(json!({"ok": true}))
}
