//! The lock service: leases with fencing tokens, and a protected resource
//! that rejects writes carrying a stale token. Both are Raft commands applied
//! by the key-value state machine, so they survive restarts and snapshots
//! like any key.

pub mod clock;
pub mod lease;
pub mod resource;

pub use lease::{LeaseCommand, apply_lease};
pub use resource::{FencedWrite, apply_fenced_write, resource_key};
