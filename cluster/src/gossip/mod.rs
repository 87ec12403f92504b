//! Gossip mode: every node serves reads and writes from local state; writes
//! carry hybrid-clock timestamps, merges keep the last write, and periodic
//! anti-entropy exchanges with random peers make the nodes converge.
//! Eventually consistent, and visibly not linearizable.

pub mod anti_entropy;
pub mod client_routes;
pub mod clock;
pub mod node;
pub mod peer_routes;
pub mod server;
pub mod status;
pub mod storage;
pub mod store;

pub use node::{GossipConfig, GossipNode};

/// The node flags that set a gossip cluster's fanout and round interval.
pub fn node_flags(fanout: usize, interval_ms: u64) -> Vec<String> {
    vec![
        "--fanout".into(),
        fanout.to_string(),
        "--gossip-interval".into(),
        interval_ms.to_string(),
    ]
}
