//! What applying a command to a replica's state machine answers, apart from
//! the state machine so the lock commands it applies can return it without
//! depending on the key-value store that depends on them.

use serde_json::Value;

/// The outcome of applying one command.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyResult {
    /// Took effect; the body to return to the client.
    Ok(Value),
    /// Definitely did not take effect (precondition failed); body to return.
    Conflict(Value),
    /// Definitely did not take effect: a key is locked by a prepared
    /// two-phase-commit transaction; body to return (served as 503).
    Locked(Value),
}
