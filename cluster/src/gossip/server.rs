//! Serving a gossip node: recover, start anti-entropy, serve HTTP.

use super::node::{GossipConfig, GossipNode};
use super::{anti_entropy, client_routes, peer_routes, status};
use crate::error::ClusterError;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The complete router of a gossip node.
pub fn router(node: Arc<GossipNode>) -> Router {
    client_routes::routes()
        .merge(peer_routes::routes())
        .merge(status::routes())
        .merge(crate::wall_clock::admin::routes())
        .with_state(node)
}

/// Runs the node until its server fails.
pub async fn serve(cfg: GossipConfig, listen: SocketAddr) -> Result<(), ClusterError> {
    let node = GossipNode::recover(cfg)?;
    let listener = crate::net::bind(listen).await?;
    tokio::spawn(anti_entropy::run(node.clone()));
    axum::serve(listener, router(node))
        .await
        .map_err(ClusterError::Server)
}
