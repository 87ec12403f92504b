//! The node's HTTP server: client API, peer RPCs, status, forwarding.

pub mod cache_api;
pub mod client_api;
pub mod forward;
pub mod lock_api;
pub mod participant_api;
pub mod peer_api;
pub mod status;

use crate::raft::RaftNode;
use axum::Router;
use std::sync::Arc;

/// The complete router of a node.
pub fn router(node: Arc<RaftNode>) -> Router {
    client_api::routes()
        .merge(lock_api::routes())
        .merge(peer_api::routes())
        .merge(participant_api::routes())
        .merge(status::routes())
        .merge(cache_api::routes())
        .merge(crate::wall_clock::admin::routes())
        .with_state(node)
}
