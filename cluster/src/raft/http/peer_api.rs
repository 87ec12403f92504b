//! Peer RPC endpoints: `/raft/vote`, `/raft/append`, `/raft/snapshot`.

use crate::raft::messages::{AppendRequest, SnapshotRequest, VoteRequest};
use crate::raft::{RaftNode, election, replication, snapshot};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// Routes of the peer API.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new()
        .route("/raft/vote", post(vote))
        .route("/raft/append", post(append))
        .route("/raft/snapshot", post(install_snapshot))
        // Snapshots carry the whole state and batches can be large.
        .layer(DefaultBodyLimit::disable())
}

async fn vote(State(node): State<Arc<RaftNode>>, Json(req): Json<VoteRequest>) -> Response {
    Json(election::handle_vote(&node, req).await).into_response()
}

async fn append(State(node): State<Arc<RaftNode>>, Json(req): Json<AppendRequest>) -> Response {
    Json(replication::handle_append(&node, req).await).into_response()
}

async fn install_snapshot(
    State(node): State<Arc<RaftNode>>,
    Json(req): Json<SnapshotRequest>,
) -> Response {
    match snapshot::handle_install(&node, req).await {
        Ok(resp) => Json(resp).into_response(),
        Err(e) => {
            tracing::error!("installing snapshot: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}
