//! The Raft implementation: one concept per module.

pub mod cache;
pub mod election;
pub mod entries;
pub mod http;
pub mod log;
pub mod messages;
pub mod persist;
pub mod propose;
pub mod read_index;
pub mod replication;
pub mod server;
pub mod snapshot;
mod snapshot_file;
pub mod state;

pub use server::{Config, RaftNode};
pub use state::Role;
