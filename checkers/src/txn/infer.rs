//! What a workload's inference hands on to the graph: which transactions
//! are in it, the data dependencies between them, and how to say why each
//! one holds.

use super::edges::{EdgeKind, EdgeList};
use super::values::Key;

/// Dependencies inferred from the values read and written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inferred {
    /// Per transaction: committed, or of unknown outcome but seen by a
    /// committed read (so it committed too).
    pub in_graph: Vec<bool>,
    /// ww, wr and rw edges.
    pub edges: EdgeList,
}

/// Puts a data dependency into words.
pub(crate) trait Explain {
    /// Why `from` precedes `to` by a dependency of `kind` (ww, wr or rw):
    /// the key and a sentence without its conclusion ("so ... < ...").
    fn why(&self, from: usize, to: usize, kind: EdgeKind) -> Option<(Key, String)>;
}
