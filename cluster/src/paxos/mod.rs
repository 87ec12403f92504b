//! Per-key Paxos: every node is proposer and acceptor; each client operation
//! is one Paxos round on its key, applied as a function of the key's value.

pub mod acceptor;
pub mod ballot;
pub mod client_routes;
pub mod incarnation;
pub mod messages;
pub mod peer_routes;
pub mod proposer;
pub mod quorum;
pub mod serve;
pub mod server;
pub mod status;
pub mod store;

pub use ballot::Ballot;
pub use serve::serve;
pub use server::{Config, PaxosNode};
