//! Running one client transaction: within one shard it is that group's
//! own atomic transaction; across shards, two-phase commit. Phase one asks
//! every touched group to prepare (lock, check, vote); only if all vote yes
//! is commit decided, made durable, then sent; anything else decides abort.

use super::coordinator::Coordinator;
use super::delivery::deliver;
use super::group_client::Reply;
use super::lock_retry::{LOCK_ATTEMPTS, lock_pause, retry_locked};
use super::no_prepare;
use super::split::{Share, merge, split};
use crate::body::PrepareBody;
use crate::bugs::Bug;
use crate::kv::{Outcome, TxnOp};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// How long the request path keeps delivering a commit before it hands
/// the rest to the background and answers "unknown".
const DELIVER_WITHIN: Duration = Duration::from_secs(3);

/// A participant group's vote.
enum Vote {
    /// Prepared; its share's results.
    Yes(Value),
    /// Voted no, or never prepared: the body says why.
    No(Value),
    /// Voted no only because a key is locked by another transaction.
    Locked(Value),
    /// May have prepared.
    Unknown,
}

/// Runs a client transaction and answers the client.
pub async fn run_txn(c: &Arc<Coordinator>, ops: Vec<TxnOp>) -> Response {
    let shares = split(ops, c.groups.len());
    match shares.as_slice() {
        [] => return Json(json!({"results": []})).into_response(),
        [share] => return single_shard(c, share).await,
        _ => {}
    }
    // Under `dirty-reads`, a read-only transaction takes no locks either:
    // each group answers its share from what it has, prepared writes included.
    let read_only = shares
        .iter()
        .all(|s| s.ops.iter().all(|o| matches!(o, TxnOp::Read { .. })));
    if c.bugs.has(Bug::TwoPcNoPrepare) || (read_only && c.bugs.has(Bug::DirtyReads)) {
        return no_prepare::run(c, &shares).await;
    }
    let mut last_no = Value::Null;
    for attempt in 0..LOCK_ATTEMPTS {
        match two_phase(c, &shares).await {
            Attempt::Done(resp) => return resp,
            Attempt::Aborted { body, locked } => {
                last_no = body;
                if !locked {
                    break;
                }
                lock_pause(attempt).await;
            }
        }
    }
    (
        StatusCode::CONFLICT,
        Json(json!({"error": "aborted", "reason": last_no})),
    )
        .into_response()
}

/// A transaction within one shard is that group's own atomic transaction;
/// it is retried while a prepared transaction holds one of its keys.
async fn single_shard(c: &Arc<Coordinator>, share: &Share) -> Response {
    let body = json!({"ops": share.ops});
    let group = &c.groups[share.shard];
    retry_locked(|| group.post_json("/txn", &body, c.patience))
        .await
        .into_response()
}

/// The end of one two-phase attempt.
enum Attempt {
    /// Answered (committed, or failed in a way not worth retrying).
    Done(Response),
    /// Aborted; `locked` if only locks held by others were in the way.
    Aborted { body: Value, locked: bool },
}

async fn two_phase(c: &Arc<Coordinator>, shares: &[Share]) -> Attempt {
    let txid = c.begin();
    let votes = prepare_all(c, &txid, shares).await;
    let all_yes = votes.iter().all(|v| matches!(v, Vote::Yes(_)));
    let shard_list: Vec<usize> = shares.iter().map(|s| s.shard).collect();
    if !all_yes {
        c.decide_abort(&txid);
        // Groups that may hold locks for it hear the abort now; any missed
        // one asks later and is told abort (presumed).
        let holders: Vec<usize> = shares
            .iter()
            .zip(&votes)
            .filter(|(_, v)| matches!(v, Vote::Yes(_) | Vote::Unknown))
            .map(|(s, _)| s.shard)
            .collect();
        let bg = c.clone();
        let bg_txid = txid.clone();
        tokio::spawn(async move {
            deliver(&bg, &bg_txid, Outcome::Abort, &holders, bg.patience).await;
        });
        let locked = votes
            .iter()
            .all(|v| matches!(v, Vote::Yes(_) | Vote::Locked(_)));
        let body = votes
            .into_iter()
            .find_map(|v| match v {
                Vote::No(b) | Vote::Locked(b) => Some(b),
                Vote::Unknown => Some(json!("a participant did not answer")),
                Vote::Yes(_) => None,
            })
            .unwrap_or(Value::Null);
        return Attempt::Aborted { body, locked };
    }
    if let Err(e) = c.decide_commit(&txid, &shard_list) {
        // The commit line may or may not have reached the disk (a failed
        // fsync after a complete write), so neither "aborted" nor a presumed
        // abort to the participants is safe: a restart could replay the
        // commit. Stop here, as a crash would, and let recovery decide from
        // what the log really holds; the client sees the outcome as unknown.
        tracing::error!("logging the commit of {txid}: {e}; stopping the coordinator");
        std::process::exit(1);
    }
    let answers: Vec<Value> = votes
        .into_iter()
        .map(|v| match v {
            Vote::Yes(b) => b,
            _ => Value::Null,
        })
        .collect();
    if !deliver(c, &txid, Outcome::Commit, &shard_list, DELIVER_WITHIN).await {
        c.defer_delivery(&txid, Outcome::Commit, shard_list);
        // Committed, but a group has not applied it yet: a read there could
        // still miss it, so the client must not take it as done.
        return Attempt::Done(
            (
                StatusCode::GATEWAY_TIMEOUT,
                Json(json!({"error": "timeout", "txid": txid, "decision": "commit"})),
            )
                .into_response(),
        );
    }
    c.delivered(&txid);
    Attempt::Done(match merge(shares, &answers) {
        Some(results) => Json(json!({ "results": results, "txid": txid })).into_response(),
        None => crate::body::unknown(),
    })
}

async fn prepare_all(c: &Arc<Coordinator>, txid: &str, shares: &[Share]) -> Vec<Vote> {
    let mut tasks = JoinSet::new();
    for (i, share) in shares.iter().enumerate() {
        let c = c.clone();
        let body = PrepareBody {
            txid: txid.to_string(),
            coordinator: c.id.clone(),
            ops: share.ops.clone(),
        };
        let shard = share.shard;
        tasks.spawn(async move {
            let reply = c.groups[shard]
                .post_json("/2pc/prepare", &body, c.patience)
                .await;
            (i, vote_of(reply))
        });
    }
    let mut votes: Vec<Option<Vote>> = shares.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, vote)) = joined {
            votes[i] = Some(vote);
        }
    }
    votes
        .into_iter()
        .map(|v| v.unwrap_or(Vote::Unknown))
        .collect()
}

fn vote_of(reply: Reply) -> Vote {
    match reply {
        Reply::Answer(code, body) => {
            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            match code {
                StatusCode::OK if json["vote"] == "yes" => Vote::Yes(json),
                StatusCode::SERVICE_UNAVAILABLE if json["error"] == "locked" => Vote::Locked(json),
                c if c.is_client_error() || c == StatusCode::SERVICE_UNAVAILABLE => Vote::No(json),
                _ => Vote::Unknown,
            }
        }
        Reply::Unreachable => Vote::No(json!({"error": "unavailable"})),
        Reply::Unknown => Vote::Unknown,
    }
}
