//! The node's HTTP server: client API, peer RPCs, status, forwarding.

pub mod body;
pub mod client_api;
pub mod forward;
pub mod participant_api;
pub mod peer_api;
pub mod status;

use crate::raft::RaftNode;
use axum::Router;
use std::sync::Arc;

/// The complete router of a node.
pub fn router(node: Arc<RaftNode>) -> Router {
    client_api::routes()
        .merge(peer_api::routes())
        .merge(participant_api::routes())
        .merge(status::routes())
        .with_state(node)
}
