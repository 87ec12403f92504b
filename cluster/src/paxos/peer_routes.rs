//! Peer endpoints: `/paxos/prepare`, `/paxos/accept` and `/paxos/query`.

use super::messages::{AcceptRequest, PrepareRequest, QueryRequest};
use super::server::PaxosNode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// Routes of the peer API.
pub fn routes() -> Router<Arc<PaxosNode>> {
    Router::new()
        .route("/paxos/prepare", post(prepare))
        .route("/paxos/accept", post(accept))
        .route("/paxos/query", post(query))
}

async fn prepare(State(node): State<Arc<PaxosNode>>, Json(req): Json<PrepareRequest>) -> Response {
    match node.acceptor.prepare(req).await {
        Ok(resp) => Json(resp).into_response(),
        Err(e) => store_failed(&node, e),
    }
}

async fn accept(State(node): State<Arc<PaxosNode>>, Json(req): Json<AcceptRequest>) -> Response {
    match node.acceptor.accept(req).await {
        Ok(resp) => Json(resp).into_response(),
        Err(e) => store_failed(&node, e),
    }
}

async fn query(State(node): State<Arc<PaxosNode>>, Json(req): Json<QueryRequest>) -> Response {
    match node.acceptor.query(req).await {
        Ok(resp) => Json(resp).into_response(),
        Err(e) => store_failed(&node, e),
    }
}

/// 500: the change may be in memory but is not durable; the node stops.
fn store_failed(node: &PaxosNode, err: crate::error::ClusterError) -> Response {
    let text = err.to_string();
    node.fail(err);
    (StatusCode::INTERNAL_SERVER_ERROR, text).into_response()
}
