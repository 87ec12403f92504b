//! `GET /status` of a Paxos node: there is no leader, every node proposes.

use super::server::PaxosNode;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;

/// The body of `GET /status` in paxos mode.
#[derive(Serialize)]
pub struct Status {
    id: String,
    mode: &'static str,
    role: &'static str,
    leader: Option<String>,
    keys: usize,
    bugs: Vec<String>,
}

/// Routes of the status endpoint.
pub fn routes() -> Router<Arc<PaxosNode>> {
    Router::new().route("/status", get(status))
}

async fn status(State(node): State<Arc<PaxosNode>>) -> Json<Status> {
    Json(Status {
        id: node.cfg.id.to_string(),
        mode: "paxos",
        role: "proposer-acceptor",
        leader: None,
        keys: node.acceptor.key_count(),
        bugs: Vec::new(),
    })
}
