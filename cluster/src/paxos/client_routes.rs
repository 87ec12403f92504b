//! The client API of docs/DESIGN.md's SUT protocol in paxos mode: any node
//! serves any request by proposing it itself. Plus `GET /local/kv/{key}`
//! (this node's accepted value, for tests).

use super::proposer::{KeyOp, Outcome, propose};
use super::server::PaxosNode;
use crate::body::{
    KeyUpdate, TxnBody, applied_response, bad_request, key_command, parse, value_response,
};
use crate::kv::{Command, TxnOp};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

/// Routes of the client API.
pub fn routes() -> Router<Arc<PaxosNode>> {
    Router::new()
        .route("/kv/{key}", get(read).put(write))
        .route("/kv/{key}/cas", post(cas))
        .route("/kv/{key}/append", post(append))
        .route("/txn", post(txn))
        .route("/local/kv/{key}", get(local_read))
}

async fn local_read(State(node): State<Arc<PaxosNode>>, Path(key): Path<String>) -> Response {
    value_response(node.acceptor.accepted_value(&key))
}

async fn read(State(node): State<Arc<PaxosNode>>, Path(key): Path<String>) -> Response {
    respond(propose(&node, &key, &KeyOp::Read).await)
}

async fn write(
    State(node): State<Arc<PaxosNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    update(&node, KeyUpdate::Put, key, &body).await
}

async fn cas(State(node): State<Arc<PaxosNode>>, Path(key): Path<String>, body: Bytes) -> Response {
    update(&node, KeyUpdate::Cas, key, &body).await
}

async fn append(
    State(node): State<Arc<PaxosNode>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    update(&node, KeyUpdate::Append, key, &body).await
}

async fn update(node: &Arc<PaxosNode>, update: KeyUpdate, key: String, body: &Bytes) -> Response {
    match key_command(update, key.clone(), body) {
        Ok(cmd) => respond(propose(node, &key, &KeyOp::Apply(cmd)).await),
        Err(e) => bad_request(e.to_string()),
    }
}

/// Paxos decides one key at a time, so only single-key transactions run.
async fn txn(State(node): State<Arc<PaxosNode>>, body: Bytes) -> Response {
    let ops = match parse::<TxnBody>(&body) {
        Ok(b) => b.ops,
        Err(e) => return bad_request(e.to_string()),
    };
    let mut keys = ops.iter().map(TxnOp::key);
    let Some(key) = keys.next().map(str::to_string) else {
        return bad_request("a transaction needs at least one op".into());
    };
    if keys.any(|k| k != key) {
        return bad_request("paxos mode runs transactions on a single key only".into());
    }
    respond(propose(&node, &key, &KeyOp::Apply(Command::Txn { ops })).await)
}

fn respond(outcome: Outcome) -> Response {
    match outcome {
        Outcome::Read(v) => value_response(v),
        Outcome::Applied(result) => applied_response(result),
        // Nothing was sent for acceptance: a definite failure.
        Outcome::GaveUp(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "no_quorum", "message": why})),
        )
            .into_response(),
        Outcome::Unknown => crate::body::unknown(),
    }
}
