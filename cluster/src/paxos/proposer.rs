//! The proposer: runs one client operation on one key as a Paxos round.
//! Phase 1 learns the key's current value from a majority (the accepted
//! value with the highest ballot), the client's function turns it into the
//! next value, phase 2 gets that accepted by a majority. Failed cas run the
//! full round too. A read first asks a majority what they accepted: if all
//! name the same ballot, that value is chosen and still the latest (any
//! later choice would have shown up in one of them), so it is the answer;
//! otherwise the read runs a full round, so it never reports a value that a
//! later round could lose.

use super::ballot::Ballot;
use super::messages::{
    AcceptRequest, AcceptResponse, Accepted, PrepareRequest, PrepareResponse, QueryRequest,
    QueryResponse,
};
use super::quorum::{Reply, broadcast};
use super::server::PaxosNode;
use crate::apply::ApplyResult;
use crate::kv::{Command, KvState};
use rand::RngExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shortest backoff cap after a lost round.
const BACKOFF_BASE: Duration = Duration::from_millis(5);
/// Longest backoff cap.
const BACKOFF_MAX: Duration = Duration::from_millis(320);

/// What a client asked for on one key.
#[derive(Clone, Debug)]
pub enum KeyOp {
    /// Read the value (identity function).
    Read,
    /// Apply a command touching only this key (write, cas, append, txn).
    Apply(Command),
}

/// What became of a proposal.
#[derive(Debug)]
pub enum Outcome {
    /// A read's value (`None` = absent).
    Read(Option<Value>),
    /// The command's result (a failed cas is a `Conflict`).
    Applied(ApplyResult),
    /// Gave up before any acceptor could have accepted: definitely not applied.
    GaveUp(&'static str),
    /// An accept was sent but no majority confirmed it: may or may not apply.
    Unknown,
}

/// How phase 2 ended.
enum AcceptEnd {
    Chosen,
    /// Every acceptor definitely refused or never got it: safe to retry.
    NowhereAccepted,
    Unknown,
}

/// Runs `op` on `key` until it is decided or the node's commit timeout passes.
pub async fn propose(node: &Arc<PaxosNode>, key: &str, op: &KeyOp) -> Outcome {
    let deadline = Instant::now() + node.cfg.commit_timeout;
    let lock = node.key_lock(key);
    let Ok(_turn) = tokio::time::timeout_at(deadline.into(), lock.lock_owned()).await else {
        return Outcome::GaveUp("earlier proposals on this key took the whole timeout");
    };
    if matches!(op, KeyOp::Read)
        && let Some(value) = query(node, key, deadline).await
    {
        return Outcome::Read(value);
    }
    let mut attempt = 0u32;
    loop {
        if attempt > 0 {
            backoff(attempt, deadline).await;
        }
        attempt += 1;
        if Instant::now() >= deadline {
            return Outcome::GaveUp("no majority promised before the timeout");
        }
        let ballot = node.next_ballot(key);
        let Some(current) = prepare(node, key, &ballot, deadline).await else {
            continue;
        };
        let (next, outcome) = apply(key, op, current);
        match accept(node, key, &ballot, next, deadline).await {
            AcceptEnd::Chosen => return outcome,
            AcceptEnd::NowhereAccepted => continue,
            AcceptEnd::Unknown => return Outcome::Unknown,
        }
    }
}

/// The chosen value if the first majority to answer all accepted the same
/// ballot (or nothing at all); `None` if they disagree or too few answer.
async fn query(node: &Arc<PaxosNode>, key: &str, deadline: Instant) -> Option<Option<Value>> {
    let req = QueryRequest {
        key: key.to_string(),
    };
    let local = {
        let node = node.clone();
        let req = req.clone();
        async move { node.acceptor.query(req).await }
    };
    let mut replies = broadcast::<_, QueryResponse, _>(node, "/paxos/query", &req, deadline, local);
    let mut answers: Vec<Option<Accepted>> = Vec::new();
    while let Some(reply) = replies.next().await {
        if let Reply::Answer(r) = reply {
            answers.push(r.accepted);
        }
        if answers.len() >= node.majority() {
            let first = answers[0].as_ref().map(|a| &a.ballot);
            let unanimous = answers
                .iter()
                .all(|a| a.as_ref().map(|a| &a.ballot) == first);
            return unanimous.then(|| answers.swap_remove(0).and_then(|a| a.value));
        }
    }
    None
}

/// Phase 1: `Some(current value)` once a majority promised, `None` if that
/// became impossible or time ran out.
async fn prepare(
    node: &Arc<PaxosNode>,
    key: &str,
    ballot: &Ballot,
    deadline: Instant,
) -> Option<Option<Value>> {
    let req = PrepareRequest {
        key: key.to_string(),
        ballot: ballot.clone(),
    };
    let local = {
        let node = node.clone();
        let req = req.clone();
        async move { node.acceptor.prepare(req).await }
    };
    let mut replies =
        broadcast::<_, PrepareResponse, _>(node, "/paxos/prepare", &req, deadline, local);
    let (n, majority) = (node.cluster_size(), node.majority());
    let (mut promises, mut refusals) = (0, 0);
    let mut highest: Option<Accepted> = None;
    while let Some(reply) = replies.next().await {
        match reply {
            Reply::Answer(r) if r.ok => {
                promises += 1;
                if let Some(a) = r.accepted
                    && highest.as_ref().is_none_or(|h| a.ballot > h.ballot)
                {
                    highest = Some(a);
                }
            }
            Reply::Answer(r) => {
                refusals += 1;
                if let Some(p) = &r.promised {
                    node.observe(key, p);
                }
            }
            Reply::Unreachable | Reply::Lost => refusals += 1,
        }
        if promises >= majority {
            return Some(highest.and_then(|a| a.value));
        }
        if n - refusals < majority {
            return None;
        }
    }
    None
}

/// Phase 2: ask every acceptor to accept `value` in `ballot`.
async fn accept(
    node: &Arc<PaxosNode>,
    key: &str,
    ballot: &Ballot,
    value: Option<Value>,
    deadline: Instant,
) -> AcceptEnd {
    let req = AcceptRequest {
        key: key.to_string(),
        ballot: ballot.clone(),
        value,
    };
    let local = {
        let node = node.clone();
        let req = req.clone();
        async move { node.acceptor.accept(req).await }
    };
    let mut replies =
        broadcast::<_, AcceptResponse, _>(node, "/paxos/accept", &req, deadline, local);
    let majority = node.majority();
    let (mut accepted, mut lost) = (0, 0);
    while let Some(reply) = replies.next().await {
        match reply {
            Reply::Answer(r) if r.ok => accepted += 1,
            Reply::Answer(r) => {
                if let Some(p) = &r.promised {
                    node.observe(key, p);
                }
            }
            Reply::Unreachable => {}
            Reply::Lost => lost += 1,
        }
        if accepted >= majority {
            return AcceptEnd::Chosen;
        }
    }
    // Answers still missing at the deadline may yet be accepts.
    if accepted == 0 && lost == 0 && replies.pending() == 0 {
        AcceptEnd::NowhereAccepted
    } else {
        AcceptEnd::Unknown
    }
}

/// The key's next value and the client's answer: the op applied as a
/// function to the current value.
fn apply(key: &str, op: &KeyOp, current: Option<Value>) -> (Option<Value>, Outcome) {
    match op {
        KeyOp::Read => (current.clone(), Outcome::Read(current)),
        KeyOp::Apply(cmd) => {
            let mut kv =
                KvState::from_map(current.map(|v| (key.to_string(), v)).into_iter().collect());
            let result = kv.apply(cmd);
            (kv.get(key).cloned(), Outcome::Applied(result))
        }
    }
}

/// Sleeps a random time below an exponentially growing cap, so dueling
/// proposers stop preempting each other; never past `deadline`.
async fn backoff(attempt: u32, deadline: Instant) {
    let cap = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_MAX);
    let wait = Duration::from_micros(rand::rng().random_range(0..=cap.as_micros() as u64));
    let until = (Instant::now() + wait).min(deadline);
    tokio::time::sleep_until(until.into()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ops_apply_as_functions_of_the_current_value() {
        let cas = |from: Value, to: Value| {
            KeyOp::Apply(Command::Cas {
                key: "k".into(),
                from,
                to,
            })
        };
        let (next, out) = apply("k", &cas(Value::Null, json!(1)), None);
        assert_eq!(next, Some(json!(1)));
        assert!(matches!(out, Outcome::Applied(ApplyResult::Ok(_))));
        let (next, out) = apply("k", &cas(json!(2), json!(3)), Some(json!(1)));
        assert_eq!(next, Some(json!(1)), "a failed cas keeps the value");
        assert!(matches!(out, Outcome::Applied(ApplyResult::Conflict(_))));
        let (next, out) = apply("k", &KeyOp::Read, Some(json!(4)));
        assert_eq!(next, Some(json!(4)));
        assert!(matches!(out, Outcome::Read(Some(v)) if v == json!(4)));
        let append = KeyOp::Apply(Command::Append {
            key: "k".into(),
            value: json!(2),
        });
        assert_eq!(apply("k", &append, Some(json!([1]))).0, Some(json!([1, 2])));
    }
}
