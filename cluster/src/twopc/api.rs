//! The coordinator's HTTP API: the whole client API of docs/DESIGN.md (single-key
//! ops relayed to the key's shard, `/txn` across shards), the participants'
//! `GET /txn/{id}/decision`, and `GET /status`.

use super::coordinator::Coordinator;
use super::lock_retry::retry_locked;
use super::protocol::run_txn;
use super::routing::shard_of;
use crate::body::{TxnBody, bad_request, parse};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

/// The coordinator's router.
pub fn router(c: Arc<Coordinator>) -> Router {
    Router::new()
        .route("/kv/{key}", get(relay_key).put(relay_key))
        .route("/kv/{key}/cas", post(relay_key))
        .route("/kv/{key}/append", post(relay_key))
        .route("/txn", post(txn))
        .route("/txn/{txid}/decision", get(decision))
        .route("/status", get(status))
        .merge(crate::wall_clock::admin::routes())
        .with_state(c)
}

/// Sends a single-key request unchanged to the group that owns the key.
async fn relay_key(
    State(c): State<Arc<Coordinator>>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let group = &c.groups[shard_of(&key, c.groups.len())];
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    retry_locked(|| group.send(method.clone(), path, body.clone(), c.patience))
        .await
        .into_response()
}

async fn txn(State(c): State<Arc<Coordinator>>, body: Bytes) -> Response {
    let ops = match parse::<TxnBody>(&body) {
        Ok(b) => b.ops,
        Err(e) => return bad_request(e.to_string()),
    };
    // Its own task: a client that gives up closes the connection, which
    // drops this handler, and a transaction abandoned between its phases
    // would stay "in flight" and keep its participants' locks forever.
    match tokio::spawn(async move { run_txn(&c, ops).await }).await {
        Ok(resp) => resp,
        Err(_) => crate::body::unknown(),
    }
}

async fn decision(State(c): State<Arc<Coordinator>>, Path(txid): Path<String>) -> Response {
    match c.answer(&txid) {
        Ok(answer) => Json(json!({"txid": txid, "decision": answer})).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn status(State(c): State<Arc<Coordinator>>) -> Response {
    Json(json!({
        "id": c.id,
        "role": "coordinator",
        "shards": c.groups.len(),
        "bugs": c.bugs.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
        "txns": c.counts(),
    }))
    .into_response()
}
