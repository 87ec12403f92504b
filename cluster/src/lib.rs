//! The bundled reference cluster of faultline: a Raft-replicated key-value
//! store served over HTTP, with switchable bugs that produce documented
//! anomalies. It is a system under test like any other, so it depends on none
//! of the harness crates. It also hosts [`memory_store`], the in-process fake
//! store the benchmarks and the harness's tests run against.

#![deny(missing_docs)]

pub mod apply;
pub mod args;
pub mod body;
pub mod bugs;
pub mod checksum;
pub mod error;
pub mod framing;
pub mod gossip;
pub mod kv;
pub mod launcher;
pub mod lock;
pub mod memory_store;
pub mod mode;
pub mod net;
pub mod node;
pub mod node_id;
pub mod paxos;
pub mod raft;
pub mod twopc;
pub mod wall_clock;

pub use args::NodeArgs;
pub use bugs::{Bug, BugSet};
pub use error::ClusterError;
pub use launcher::{Cluster, ClusterSpec};
pub use mode::Mode;
pub use node::run_node;
pub use node_id::NodeId;
