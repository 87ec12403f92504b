//! Two-phase commit across shards: the coordinator process (request path,
//! durable decisions, redelivery, its HTTP API) and the participant-side
//! resolver that asks it about undecided transactions. The participants'
//! state machine lives in `kv::txn_table`.

pub mod api;
pub mod coordinator;
pub mod decision_log;
pub mod delivery;
pub mod group_client;
pub mod lock_retry;
pub mod no_prepare;
pub mod protocol;
pub mod resolver;
pub mod role;
pub mod routing;
pub mod server;
pub mod shard_arg;
pub mod split;

pub use role::ProcessRole;
pub use shard_arg::ShardArg;
