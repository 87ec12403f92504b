//! The `2pc-no-prepare` bug: each shard's share goes straight to that
//! group as a plain transaction, one shard after another, with no prepare
//! and no locks. A reader can see a transfer half done, and a share that
//! fails after an earlier one applied leaves money created or destroyed.

use super::coordinator::Coordinator;
use super::split::{Share, merge};
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs the shares one after another and answers the client.
pub async fn run(c: &Arc<Coordinator>, shares: &[Share]) -> Response {
    let mut answers: Vec<Value> = Vec::with_capacity(shares.len());
    for share in shares {
        let reply = c.groups[share.shard]
            .post_json("/txn", &json!({"ops": share.ops}), c.patience)
            .await;
        match reply.ok_json() {
            Some(body) => answers.push(body),
            // The bug: earlier shares stay applied whatever this one did.
            None => return reply.into_response(),
        }
    }
    match merge(shares, &answers) {
        Some(results) => Json(json!({ "results": results })).into_response(),
        None => crate::body::unknown(),
    }
}
