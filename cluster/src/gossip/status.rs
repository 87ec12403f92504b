//! `GET /status` of a gossip node: no roles and no leader, every node serves.

use super::node::GossipNode;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;

/// The body of `GET /status`.
#[derive(Serialize)]
pub struct Status {
    id: String,
    mode: &'static str,
    /// Always null: the launcher and nemeses read it as "no leader known".
    leader: Option<String>,
    keys: usize,
    /// The highest timestamp this node has issued or seen (wall microseconds).
    clock_us: u64,
    fanout: usize,
    gossip_interval_ms: u64,
    exchanges: u64,
    bugs: Vec<String>,
}

/// Routes of the status endpoint.
pub fn routes() -> Router<Arc<GossipNode>> {
    Router::new().route("/status", get(status))
}

async fn status(State(node): State<Arc<GossipNode>>) -> Json<Status> {
    let inner = node.lock();
    Json(Status {
        id: node.cfg.id.to_string(),
        mode: "gossip",
        leader: None,
        keys: inner.store.len(),
        clock_us: inner.clock.wall_us(),
        fanout: node.cfg.fanout,
        gossip_interval_ms: u64::try_from(node.cfg.interval.as_millis()).unwrap_or(u64::MAX),
        exchanges: inner.exchanges,
        bugs: node.cfg.bugs.iter().map(|b| b.to_string()).collect(),
    })
}
