//! The keys a command touches: the ones whose cached values it may change or reveal.

use crate::kv::{Command, TxnOp};

/// Every key `cmd` reads or writes, without duplicates.
pub fn touched(cmd: &Command) -> Vec<String> {
    let mut keys: Vec<String> = match cmd {
        Command::Noop => Vec::new(),
        Command::Put { key, .. } | Command::Cas { key, .. } | Command::Append { key, .. } => {
            vec![key.clone()]
        }
        Command::Txn { ops } => ops
            .iter()
            .map(|op| match op {
                TxnOp::Read { key }
                | TxnOp::Write { key, .. }
                | TxnOp::Add { key, .. }
                | TxnOp::Cas { key, .. } => key.clone(),
            })
            .collect(),
    };
    keys.sort();
    keys.dedup();
    keys
}
