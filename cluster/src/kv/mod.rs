//! The replicated key-value store: commands and the state machine.

pub mod command;
pub mod state_machine;

pub use command::{Command, TxnOp};
pub use state_machine::{ApplyResult, KvState};
