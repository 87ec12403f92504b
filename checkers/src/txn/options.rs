//! What the transactional checker is asked: which workload the history is,
//! which model the verdict is about, which inferences it may make, and how
//! much work the cycle search may do.

use super::models::ConsistencyModel;
use super::workload::TxnWorkload;

/// Options of [`check_txn`](super::check_txn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOptions {
    /// The workload; `None` detects it from the micro-ops (appends or writes).
    pub workload: Option<TxnWorkload>,
    /// The model whose violation makes the verdict invalid.
    pub model: ConsistencyModel,
    /// rw-register only: a committed transaction that read a key and then
    /// wrote it installed its version after the one it read ("writes follow
    /// reads"). True of every database that reads before it writes within a
    /// transaction; off, only the initial state is known to come first.
    pub writes_follow_reads: bool,
    /// Examples kept per anomaly kind (all are counted).
    pub max_examples: usize,
    /// Edges the shortest-cycle search may visit per anomaly kind before it
    /// stops and reports the search incomplete.
    pub cycle_search_budget: u64,
    /// Name of the history in error messages.
    pub source: String,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            workload: None,
            model: ConsistencyModel::StrictSerializable,
            writes_follow_reads: true,
            max_examples: 5,
            cycle_search_budget: 20_000_000,
            source: "history".to_string(),
        }
    }
}
