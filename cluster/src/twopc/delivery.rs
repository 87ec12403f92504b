//! Sending a decision until every participant group acknowledged it, and
//! the background task that finishes deliveries the request path gave up
//! on (also those recovered from the log after a restart).

use super::coordinator::Coordinator;
use crate::body::DecisionBody;
use crate::kv::Outcome;
use axum::http::StatusCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How often the background task retries undelivered decisions.
const RETRY_EVERY: Duration = Duration::from_millis(300);

/// Pause between attempts on one group.
const ATTEMPT_PAUSE: Duration = Duration::from_millis(50);

/// Delivers `outcome` of `txid` to `shards` in parallel; true once every
/// one acknowledged it within `within`.
pub async fn deliver(
    c: &Arc<Coordinator>,
    txid: &str,
    outcome: Outcome,
    shards: &[usize],
    within: Duration,
) -> bool {
    let deadline = Instant::now() + within;
    let mut tasks = JoinSet::new();
    for &shard in shards {
        let c = c.clone();
        let body = DecisionBody {
            txid: txid.to_string(),
        };
        tasks.spawn(async move { deliver_one(&c, shard, outcome, &body, deadline).await });
    }
    let mut all = true;
    while let Some(done) = tasks.join_next().await {
        all &= done.unwrap_or(false);
    }
    all
}

async fn deliver_one(
    c: &Coordinator,
    shard: usize,
    outcome: Outcome,
    body: &DecisionBody,
    deadline: Instant,
) -> bool {
    let Some(group) = c.groups.get(shard) else {
        tracing::error!(shard, "decision for a shard this coordinator does not know");
        return false;
    };
    let path = match outcome {
        Outcome::Commit => "/2pc/commit",
        Outcome::Abort => "/2pc/abort",
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let reply = group.post_json(path, body, left.min(c.patience)).await;
        if matches!(reply, super::group_client::Reply::Answer(code, _) if code == StatusCode::OK) {
            return true;
        }
        tokio::time::sleep(ATTEMPT_PAUSE).await;
    }
}

/// Re-sends undelivered decisions until each is acknowledged; runs for
/// the coordinator's lifetime.
pub async fn run_redelivery(c: Arc<Coordinator>) {
    loop {
        tokio::time::sleep(RETRY_EVERY).await;
        for (txid, outcome, shards) in c.undelivered() {
            if deliver(&c, &txid, outcome, &shards, c.patience).await {
                tracing::info!(txid, ?outcome, "decision delivered in the background");
                c.delivered(&txid);
            }
        }
    }
}
