//! The replicated key-value store: commands and the state machine.

pub mod command;
pub mod state_machine;
pub mod txn_table;

pub use command::{Command, TxnOp};
pub use state_machine::KvState;
pub use txn_table::{Outcome, PreparedTxn, TxnId, TxnTable};
