//! Retrying requests a group refused because a prepared transaction holds a
//! key: the refusal is definite (nothing was applied), and locks are held
//! only for the few milliseconds between a transaction's two phases.

use super::group_client::Reply;
use axum::http::StatusCode;
use rand::RngExt;
use serde_json::Value;
use std::time::Duration;

/// Attempts of a request or transaction that loses only to locks.
pub const LOCK_ATTEMPTS: usize = 4;

/// Whether a group refused the request because a key is locked.
pub fn is_locked(reply: &Reply) -> bool {
    matches!(reply, Reply::Answer(code, body) if *code == StatusCode::SERVICE_UNAVAILABLE
        && serde_json::from_slice::<Value>(body).is_ok_and(|v| v["error"] == "locked"))
}

/// A short random pause, longer with each attempt, so requests that
/// collided do not collide again in lockstep.
pub async fn lock_pause(attempt: usize) {
    let pause = rand::rng().random_range(5..30u64) * (attempt as u64 + 1);
    tokio::time::sleep(Duration::from_millis(pause)).await;
}

/// Sends with `send` until the answer is not "locked", at most
/// [`LOCK_ATTEMPTS`] times; returns the last answer.
pub async fn retry_locked<F, Fut>(send: F) -> Reply
where
    F: Fn() -> Fut,
    Fut: Future<Output = Reply>,
{
    let mut reply = send().await;
    for attempt in 1..LOCK_ATTEMPTS {
        if !is_locked(&reply) {
            break;
        }
        lock_pause(attempt).await;
        reply = send().await;
    }
    reply
}
