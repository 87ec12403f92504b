//! The listening socket and the outgoing HTTP client every kind of process
//! (Raft, Paxos and gossip nodes, the 2PC coordinator) sets up alike.

use crate::error::ClusterError;
use std::net::SocketAddr;

/// Binds the HTTP listener; the error names the address.
pub async fn bind(listen: SocketAddr) -> Result<tokio::net::TcpListener, ClusterError> {
    tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        ClusterError::Server(std::io::Error::new(e.kind(), format!("bind {listen}: {e}")))
    })
}

/// An HTTP client for peer and forwarded traffic: never through an
/// environment proxy (all targets are local), with a pool deep enough for
/// many concurrent requests to one peer.
pub fn peer_client() -> Result<reqwest::Client, ClusterError> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| ClusterError::InvalidArgument(format!("http client: {e}")))
}
