//! Serving a Paxos node: the node's routes over HTTP, apart from the node
//! itself so the route modules can depend on it without a cycle.

use super::server::{Config, PaxosNode};
use super::{client_routes, peer_routes, status};
use crate::error::ClusterError;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves a Paxos node on `listen` until the server or the store fails.
pub async fn serve(cfg: Config, listen: SocketAddr) -> Result<(), ClusterError> {
    let (node, mut fatal_rx) = PaxosNode::start(cfg)?;
    let listener = crate::net::bind(listen).await?;
    let app = router(node.clone());
    tokio::select! {
        res = axum::serve(listener, app) => res.map_err(ClusterError::Server),
        Some(err) = fatal_rx.recv() => Err(err),
    }
}

/// The complete router of a Paxos node.
pub fn router(node: Arc<PaxosNode>) -> Router {
    client_routes::routes()
        .merge(peer_routes::routes())
        .merge(status::routes())
        .merge(crate::wall_clock::admin::routes())
        .with_state(node)
}
