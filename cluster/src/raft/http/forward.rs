//! Followers proxy client requests to the leader, so clients may talk to any
//! node. A request that never reached the leader is a definite failure
//! (503); one that may have reached it is unknown (504).

use crate::body::unknown;
use crate::node_id::NodeId;
use crate::raft::RaftNode;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// Header marking a forwarded request, so it is never forwarded twice.
pub const FORWARDED: &str = "x-faultline-forwarded";

/// 503 `{"error":"not_leader","leader":URL}`: definitely not applied.
pub fn not_leader(node: &RaftNode, leader: Option<&NodeId>) -> Response {
    let url = leader.and_then(|l| node.cfg.peers.get(l)).cloned();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"error": "not_leader", "leader": url})),
    )
        .into_response()
}

/// Sends the request on to `leader` and relays its answer.
pub async fn to_leader(
    node: &Arc<RaftNode>,
    leader: Option<NodeId>,
    method: Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let url = match &leader {
        Some(l) if *l != node.cfg.id && !headers.contains_key(FORWARDED) => {
            node.cfg.peers.get(l).cloned()
        }
        _ => None,
    };
    let Some(url) = url else {
        return not_leader(node, leader.as_ref());
    };
    let sent = node
        .http
        .request(method, format!("{url}{path_and_query}"))
        .header(FORWARDED, node.cfg.id.as_str())
        .header("content-type", "application/json")
        .timeout(node.cfg.commit_timeout + std::time::Duration::from_secs(1))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            // faultline's own headers (e.g. the read cache's version) travel on.
            let own: Vec<_> = resp
                .headers()
                .iter()
                .filter(|(name, _)| name.as_str().starts_with("x-faultline-"))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            match resp.bytes().await {
                Ok(bytes) => {
                    let mut out = (
                        StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
                        [("content-type", "application/json")],
                        bytes,
                    )
                        .into_response();
                    out.headers_mut().extend(own);
                    out
                }
                Err(_) => unknown(),
            }
        }
        // Connection refused: the request never left this node.
        Err(e) if e.is_connect() => not_leader(node, leader.as_ref()),
        Err(_) => unknown(),
    }
}
