//! The peer side of anti-entropy: `POST /gossip/exchange`.

use super::node::GossipNode;
use super::store::Versioned;
use crate::body::{bad_request, parse};
use crate::node_id::NodeId;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Path of the exchange route.
pub const EXCHANGE_PATH: &str = "/gossip/exchange";

/// Body of an exchange in both directions: the sender's versions (request),
/// or the versions the sender lacked or held older (reply).
#[derive(Debug, Serialize, Deserialize)]
pub struct Exchange {
    /// Who sends it.
    pub from: NodeId,
    /// The versions.
    pub versions: Vec<Versioned>,
}

/// Routes peers call.
pub fn routes() -> Router<Arc<GossipNode>> {
    // An exchange carries the whole store: axum's default 2 MB body limit
    // would silently end anti-entropy once a node holds more than that.
    Router::new()
        .route(EXCHANGE_PATH, post(exchange))
        .layer(DefaultBodyLimit::disable())
}

async fn exchange(State(node): State<Arc<GossipNode>>, body: Bytes) -> Response {
    let push = match parse::<Exchange>(&body) {
        Ok(p) => p,
        Err(e) => return bad_request(e.to_string()),
    };
    let worker = node.clone();
    let merged = tokio::task::spawn_blocking(move || {
        worker.merge_remote(&push.versions)?;
        Ok::<_, crate::error::ClusterError>(push.versions)
    })
    .await;
    let theirs = match merged {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return internal(e.to_string()),
        Err(e) => return internal(e.to_string()),
    };
    let theirs: BTreeMap<&str, &super::clock::Timestamp> =
        theirs.iter().map(|v| (v.key.as_str(), &v.ts)).collect();
    let versions = node
        .lock()
        .store
        .entries()
        .into_iter()
        .filter(|v| theirs.get(v.key.as_str()).is_none_or(|ts| **ts < v.ts))
        .collect();
    Json(Exchange {
        from: node.cfg.id.clone(),
        versions,
    })
    .into_response()
}

fn internal(message: String) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": "internal", "message": message})),
    )
        .into_response()
}
