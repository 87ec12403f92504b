//! The client API of DESIGN.md's protocol, served from local state: reads
//! answer with this node's current value, writes (and cas, append, txn as
//! local read-modify-writes) are stamped, made durable and acknowledged
//! without talking to any peer. Fast and available, not linearizable.

use super::node::GossipNode;
use crate::http::body::{CasBody, TxnBody, ValueBody, bad_request, parse, value_response};
use crate::http::forward;
use crate::kv::{ApplyResult, Command};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
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
    let cmd = parse::<ValueBody>(&body).map(|b| Command::Put {
        key,
        value: b.value,
    });
    apply(node, cmd).await
}

async fn cas(
    State(node): State<Arc<GossipNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let cmd = parse::<CasBody>(&body).map(|b| Command::Cas {
        key,
        from: b.from,
        to: b.to,
    });
    apply(node, cmd).await
}

async fn append(
    State(node): State<Arc<GossipNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let cmd = parse::<ValueBody>(&body).map(|b| Command::Append {
        key,
        value: b.value,
    });
    apply(node, cmd).await
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
        Ok(Ok(ApplyResult::Ok(v))) => Json(v).into_response(),
        Ok(Ok(ApplyResult::Conflict(v))) => (StatusCode::CONFLICT, Json(v)).into_response(),
        Ok(Err(e)) => {
            // The versions may or may not be on disk: the outcome is unknown.
            tracing::error!(error = %e, "local write failed");
            forward::unknown()
        }
        Err(e) => {
            tracing::error!(error = %e, "local write task failed");
            forward::unknown()
        }
    }
}
