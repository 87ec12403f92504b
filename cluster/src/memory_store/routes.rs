//! The HTTP routes of a memory store: docs/DESIGN.md's protocol, with the
//! node's faults applied, or the foreign protocol that understands none of it.

use super::map::lock;
use super::node::Node;
use super::txn::apply_txn;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::time::Duration;

/// The pause between the operations of a torn transaction: long enough for
/// a concurrent transaction to run in between.
const TORN_PAUSE: Duration = Duration::from_millis(3);

/// The protocol's routes, served by `node`.
pub(super) fn protocol(node: Node) -> Router {
    Router::new()
        .route("/kv/{key}", get(read).put(write))
        .route("/kv/{key}/cas", post(cas))
        .route("/kv/{key}/append", post(append))
        .route("/txn", post(txn))
        .with_state(node)
}

/// Another protocol: a 200 with an error for every request, as a store
/// that speaks something else (e.g. a text protocol behind HTTP) might give.
pub(super) fn foreign() -> Router {
    Router::new().fallback(|| async { Json(json!({"error": "unknown command"})).into_response() })
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response()
}

fn ok() -> Response {
    Json(json!({"ok": true})).into_response()
}

async fn read(State(n): State<Node>, Path(k): Path<String>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    let v = lock(n.replica.as_ref().unwrap_or(&n.primary))
        .get(&k)
        .cloned();
    n.maybe_slow().await;
    match v {
        Some(v) => Json(json!({ "value": v })).into_response(),
        None => not_found(),
    }
}

// Bodies are read as any JSON and a missing field as null: the store takes
// what a client sends, and the checkers then see what was stored.
async fn write(State(n): State<Node>, Path(k): Path<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    lock(&n.primary).insert(k, b["value"].clone());
    n.maybe_slow().await;
    ok()
}

async fn cas(State(n): State<Node>, Path(k): Path<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    if n.opts.refuse_cas {
        // A refusal, not a failed comparison: nothing was compared.
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "cas is not supported"})),
        )
            .into_response();
    }
    let swapped = {
        let mut m = lock(&n.primary);
        let matches = m.get(&k).unwrap_or(&Value::Null) == &b["from"];
        if matches {
            m.insert(k, b["to"].clone());
        }
        matches
    };
    n.maybe_slow().await;
    if swapped {
        ok()
    } else {
        (
            StatusCode::CONFLICT,
            Json(json!({"error": "precondition_failed"})),
        )
            .into_response()
    }
}

async fn append(State(n): State<Node>, Path(k): Path<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    {
        let mut m = lock(&n.primary);
        let list = m.entry(k).or_insert_with(|| json!([]));
        if let Some(items) = list.as_array_mut() {
            items.push(b["value"].clone());
        }
    }
    n.maybe_slow().await;
    ok()
}

async fn txn(State(n): State<Node>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    let ops = b["ops"].as_array().cloned().unwrap_or_default();
    let writes = ops.iter().any(|o| o["f"] != "read");
    let results = if writes && n.loses_txn() {
        // Answered as if applied, against a copy that is thrown away.
        apply_txn(&mut lock(&n.primary).clone(), &ops)
    } else if n.opts.torn_txns {
        torn(&n, &ops).await
    } else {
        apply_txn(&mut lock(&n.primary), &ops)
    };
    n.maybe_slow().await;
    match results {
        Some(results) => Json(json!({ "results": results })).into_response(),
        None => (StatusCode::CONFLICT, Json(json!({"error": "aborted"}))).into_response(),
    }
}

/// Applies `ops` one at a time, each visible at once; an abort stops there
/// and keeps what was applied before it, as a store without transactions
/// would.
async fn torn(n: &Node, ops: &[Value]) -> Option<Vec<Value>> {
    let mut all = Vec::new();
    for op in ops {
        let r = apply_txn(&mut lock(&n.primary), std::slice::from_ref(op));
        match r {
            Some(r) => all.extend(r),
            None => return None,
        }
        tokio::time::sleep(TORN_PAUSE).await;
    }
    Some(all)
}
