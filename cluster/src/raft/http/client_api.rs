//! The client API of docs/DESIGN.md's SUT protocol, plus `GET /local/kv/{key}`
//! (this node's applied state, for tests).

use super::forward;
use crate::apply::ApplyResult;
use crate::body::{
    KeyUpdate, TxnBody, applied_response, bad_request, key_command, locked, parse, value_response,
};
use crate::bugs::Bug;
use crate::kv::{Command, TxnOp};
use crate::raft::RaftNode;
use crate::raft::propose::{Proposal, propose};
use crate::raft::read_index::{self, ReadError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
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
    if let Some(cache) = &node.cache {
        return crate::raft::cache::read::serve(&node, cache, &key, path(&uri), &headers).await;
    }
    read_linearizable(&node, &key, &uri, &headers).await
}

/// Reads map key `key` through ReadIndex on the leader, or forwards to it.
pub(crate) async fn read_linearizable(
    node: &Arc<RaftNode>,
    key: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    match read_index::read(node, key).await {
        Ok(v) => value_response(v),
        Err(ReadError::NotLeader(leader)) => {
            forward::to_leader(node, leader, Method::GET, path(uri), headers, Bytes::new()).await
        }
        Err(ReadError::Timeout) => crate::body::unknown(),
        Err(ReadError::Locked(body)) => locked(body),
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
        Ok(cmd) => {
            if node.cfg.bug(Bug::CasLocalCheck)
                && let Some(refusal) = local_cas_refusal(&node, &cmd)
            {
                return refusal;
            }
            submit(&node, cmd, Method::POST, &uri, &headers, body).await
        }
        Err(e) => bad_request(e.to_string()),
    }
}

/// The `cas-local-check` bug: a "fast path" that refuses a cas whose `from`
/// differs from this replica's applied value. A lagging follower or a
/// partitioned minority thereby reports a failed comparison against a value
/// the register no longer holds; successful cas still go through the log,
/// so only the failed ones are wrong.
fn local_cas_refusal(node: &Arc<RaftNode>, cmd: &Command) -> Option<Response> {
    let Command::Cas { key, from, .. } = cmd else {
        return None;
    };
    let current = node.lock().kv.get(key).cloned().unwrap_or(Value::Null);
    (current != *from).then(|| {
        applied_response(ApplyResult::Conflict(
            json!({"error": "precondition_failed", "value": current}),
        ))
    })
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
    let ops = match parse::<TxnBody>(&body) {
        Ok(b) => b.ops,
        Err(e) => return bad_request(e.to_string()),
    };
    let read_only = !ops.is_empty() && ops.iter().all(|o| matches!(o, TxnOp::Read { .. }));
    if read_only && node.cfg.bug(Bug::DirtyReads) {
        // The bug: this replica's state with undecided 2PC writes showing,
        // no lock consulted and nothing through the log.
        let results: Vec<Value> = {
            let state = node.lock();
            ops.iter()
                .map(|o| json!({"f": "read", "key": o.key(), "value": state.kv.dirty_get(o.key())}))
                .collect()
        };
        return applied_response(ApplyResult::Ok(json!({ "results": results })));
    }
    if node.cfg.bug(Bug::SplitTxn)
        && let Some(response) = split_txn(&node, &ops, &uri, &headers, &body).await
    {
        return response;
    }
    submit(
        &node,
        Command::Txn { ops },
        Method::POST,
        &uri,
        &headers,
        body,
    )
    .await
}

/// The `split-txn` bug: a transaction's reads are committed as one log
/// entry and its writes as the next one of its own, so other transactions
/// can commit in between and the transaction is no longer atomic. `None`
/// when there is nothing to split (reads only, or writes only).
async fn split_txn(
    node: &Arc<RaftNode>,
    ops: &[TxnOp],
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Option<Response> {
    type Part = Vec<(usize, TxnOp)>;
    let (reads, writes): (Part, Part) = ops
        .iter()
        .cloned()
        .enumerate()
        .partition(|(_, o)| matches!(o, TxnOp::Read { .. }));
    if reads.is_empty() || writes.is_empty() {
        return None;
    }
    let mut results = vec![Value::Null; ops.len()];
    for (part, first) in [(reads, true), (writes, false)] {
        let cmd = Command::Txn {
            ops: part.iter().map(|(_, o)| o.clone()).collect(),
        };
        let answer = match propose(node, cmd).await {
            Proposal::Applied(ApplyResult::Ok(v)) => v,
            Proposal::Applied(other) => return Some(applied_response(other)),
            Proposal::NotLeader(leader) if first => {
                let path = path(uri);
                return Some(
                    forward::to_leader(node, leader, Method::POST, path, headers, body.clone())
                        .await,
                );
            }
            // The reads are in; whether the writes will be is not known.
            Proposal::NotLeader(_) | Proposal::Unknown => return Some(crate::body::unknown()),
        };
        let got = answer["results"].as_array().cloned().unwrap_or_default();
        for ((i, _), r) in part.iter().zip(got) {
            results[*i] = r;
        }
    }
    Some(applied_response(ApplyResult::Ok(
        json!({ "results": results }),
    )))
}

pub(crate) fn path(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// Proposes on the leader, or forwards to it.
pub(crate) async fn submit(
    node: &Arc<RaftNode>,
    cmd: Command,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let keys = crate::raft::cache::keys::touched(&cmd);
    let result = propose(node, cmd).await;
    if let (Proposal::Applied(_), Some(cache)) = (&result, &node.cache) {
        // The answer may reveal anything applied so far. Read under the raft
        // lock: the waiter is woken inside the apply, before the `applied`
        // watch moves, and the lock is held until the apply's pending marks are set.
        let through = node.lock().last_applied;
        if !crate::raft::cache::settle::settled(node, cache, &keys, through).await {
            return crate::body::unknown();
        }
    }
    match result {
        Proposal::Applied(result) => applied_response(result),
        Proposal::NotLeader(leader) => {
            forward::to_leader(node, leader, method, path(uri), headers, body).await
        }
        Proposal::Unknown => crate::body::unknown(),
    }
}
