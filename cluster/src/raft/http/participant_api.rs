//! The participant endpoints of two-phase commit: a coordinator prepares,
//! commits and aborts transactions on a Raft group through any of its nodes
//! (followers forward to the leader, like client requests).

use super::client_api::submit;
use crate::body::{DecisionBody, PrepareBody, bad_request, parse};
use crate::kv::Command;
use crate::raft::RaftNode;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use std::sync::Arc;

/// Routes of the participant API.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new()
        .route("/2pc/prepare", post(prepare))
        .route("/2pc/commit", post(commit))
        .route("/2pc/abort", post(abort))
}

async fn prepare(
    State(node): State<Arc<RaftNode>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cmd = match parse::<PrepareBody>(&body) {
        Ok(b) => Command::Prepare {
            txid: b.txid,
            coordinator: b.coordinator,
            ops: b.ops,
        },
        Err(e) => return bad_request(e.to_string()),
    };
    submit(&node, cmd, Method::POST, &uri, &headers, body).await
}

async fn commit(
    State(node): State<Arc<RaftNode>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    decide(node, uri, headers, body, |txid| Command::Commit { txid }).await
}

async fn abort(
    State(node): State<Arc<RaftNode>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    decide(node, uri, headers, body, |txid| Command::Abort { txid }).await
}

async fn decide(
    node: Arc<RaftNode>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    cmd: fn(String) -> Command,
) -> Response {
    let cmd = match parse::<DecisionBody>(&body) {
        Ok(b) => cmd(b.txid),
        Err(e) => return bad_request(e.to_string()),
    };
    submit(&node, cmd, Method::POST, &uri, &headers, body).await
}
