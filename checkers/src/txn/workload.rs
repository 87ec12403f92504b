//! Which kind of transactions a history holds: the two workloads the
//! transactional checker reads.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of transactions a history holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxnWorkload {
    /// Micro-ops `[append k v]` and `[r k [v ...]]`: every read returns the
    /// whole list, so the order of a key's versions can be read off it.
    ListAppend,
    /// Micro-ops `[w k v]` and `[r k v]` with unique values per key: reads
    /// name the writer, but the version order is mostly hidden.
    RwRegister,
}

impl TxnWorkload {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TxnWorkload::ListAppend => "list-append",
            TxnWorkload::RwRegister => "rw-register",
        }
    }
}

impl fmt::Display for TxnWorkload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
