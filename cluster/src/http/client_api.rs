//! The client API of DESIGN.md's SUT protocol, plus `GET /local/kv/{key}`
//! (this node's applied state, for tests).

use super::body::{KeyUpdate, TxnBody, bad_request, key_command, parse, value_response};
use super::forward;
use crate::bugs::Bug;
use crate::kv::{ApplyResult, Command};
use crate::raft::RaftNode;
use crate::raft::propose::{Proposal, propose};
use crate::raft::read_index::{self, ReadError};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

/// Routes of the client API.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new()
        .route("/kv/{key}", get(read).put(write))
        .route("/kv/{key}/cas", post(cas))
        .route("/kv/{key}/append", post(append))
        .route("/txn", post(txn))
        .route("/local/kv/{key}", get(local_read))
}

async fn local_read(State(node): State<Arc<RaftNode>>, Path(key): Path<String>) -> Response {
    value_response(node.lock().kv.get(&key).cloned())
}

async fn read(
    State(node): State<Arc<RaftNode>>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if node.cfg.bug(Bug::StaleReads) {
        // The bug: whatever this replica has applied, however old.
        return value_response(node.lock().kv.get(&key).cloned());
    }
    match read_index::read(&node, &key).await {
        Ok(v) => value_response(v),
        Err(ReadError::NotLeader(leader)) => {
            forward::to_leader(
                &node,
                leader,
                Method::GET,
                path(&uri),
                &headers,
                Bytes::new(),
            )
            .await
        }
        Err(ReadError::Timeout) => forward::unknown(),
    }
}

async fn write(
    State(node): State<Arc<RaftNode>>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match key_command(KeyUpdate::Put, key, &body) {
        Ok(cmd) => submit(&node, cmd, Method::PUT, &uri, &headers, body).await,
        Err(e) => bad_request(e.to_string()),
    }
}

async fn cas(
    State(node): State<Arc<RaftNode>>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match key_command(KeyUpdate::Cas, key, &body) {
        Ok(cmd) => submit(&node, cmd, Method::POST, &uri, &headers, body).await,
        Err(e) => bad_request(e.to_string()),
    }
}

async fn append(
    State(node): State<Arc<RaftNode>>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match key_command(KeyUpdate::Append, key, &body) {
        Ok(cmd) => submit(&node, cmd, Method::POST, &uri, &headers, body).await,
        Err(e) => bad_request(e.to_string()),
    }
}

async fn txn(
    State(node): State<Arc<RaftNode>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cmd = match parse::<TxnBody>(&body) {
        Ok(b) => Command::Txn { ops: b.ops },
        Err(e) => return bad_request(e.to_string()),
    };
    submit(&node, cmd, Method::POST, &uri, &headers, body).await
}

fn path(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// Proposes on the leader, or forwards to it.
async fn submit(
    node: &Arc<RaftNode>,
    cmd: Command,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    match propose(node, cmd).await {
        Proposal::Applied(ApplyResult::Ok(v)) => Json(v).into_response(),
        Proposal::Applied(ApplyResult::Conflict(v)) => {
            (StatusCode::CONFLICT, Json(v)).into_response()
        }
        Proposal::NotLeader(leader) => {
            forward::to_leader(node, leader, method, path(uri), headers, body).await
        }
        Proposal::Unknown => forward::unknown(),
    }
}
