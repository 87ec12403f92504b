//! The client API of docs/DESIGN.md's protocol, served from local state: reads
//! answer with this node's current value, writes (and cas, append, txn as
//! local read-modify-writes) are stamped, made durable and acknowledged
//! without talking to any peer. Fast and available, not linearizable.

use super::node::GossipNode;
use crate::body::{
    KeyUpdate, TxnBody, applied_response, bad_request, key_command, parse, value_response,
};
use crate::kv::Command;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;

/// Routes of the client API.
pub fn routes() -> Router<Arc<GossipNode>> {
    Router::new()
        .route("/kv/{key}", get(read).put(write))
        .route("/kv/{key}/cas", post(cas))
        .route("/kv/{key}/append", post(append))
        .route("/txn", post(txn))
        // Every read is local here; the path exists so tests can use one URL for all modes.
        .route("/local/kv/{key}", get(read))
}

async fn read(State(node): State<Arc<GossipNode>>, Path(key): Path<String>) -> Response {
    value_response(node.lock().store.get(&key).cloned())
}

async fn write(
    State(node): State<Arc<GossipNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    apply(node, key_command(KeyUpdate::Put, key, &body)).await
}

async fn cas(
    State(node): State<Arc<GossipNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    apply(node, key_command(KeyUpdate::Cas, key, &body)).await
}

async fn append(
    State(node): State<Arc<GossipNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    apply(node, key_command(KeyUpdate::Append, key, &body)).await
}

async fn txn(State(node): State<Arc<GossipNode>>, body: Bytes) -> Response {
    let cmd = parse::<TxnBody>(&body).map(|b| Command::Txn { ops: b.ops });
    apply(node, cmd).await
}

/// Applies a parsed command locally; the fsync runs off the async threads.
async fn apply(node: Arc<GossipNode>, cmd: Result<Command, serde_json::Error>) -> Response {
    let cmd = match cmd {
        Ok(c) => c,
        Err(e) => return bad_request(e.to_string()),
    };
    match tokio::task::spawn_blocking(move || node.apply_local(&cmd)).await {
        Ok(Ok(result)) => applied_response(result),
        Ok(Err(e)) => {
            // The versions may or may not be on disk: the outcome is unknown.
            tracing::error!(error = %e, "local write failed");
            crate::body::unknown()
        }
        Err(e) => {
            tracing::error!(error = %e, "local write task failed");
            crate::body::unknown()
        }
    }
}
