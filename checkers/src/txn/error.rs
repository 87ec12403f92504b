//! Why a history cannot be checked as transactions, with where it says so.

/// A history that is not one of transactions over list-append or
/// rw-register micro-ops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxnError {
    /// Invocations and completions do not pair up.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// A transaction's value is not a list of micro-ops of the expected shape.
    #[error("{file}:{line}: transaction at index {index}: {message}")]
    Shape {
        /// The history's name.
        file: String,
        /// 1-based line (or event position) of the offending event.
        line: usize,
        /// `index` of that event.
        index: u64,
        /// What was expected.
        message: String,
    },
    /// Two transactions wrote the same value to the same key: the checker
    /// identifies a version by its value, so values must be unique per key.
    #[error(
        "{file}:{line}: value {value} is written to key {key} a second time (first at line {first_line}); \
         list-append and rw-register histories need unique values per key"
    )]
    DuplicateWrite {
        /// The history's name.
        file: String,
        /// Line of the second write.
        line: usize,
        /// Line of the first write.
        first_line: usize,
        /// The key.
        key: String,
        /// The value written twice.
        value: String,
    },
    /// Appends and register writes in one history.
    #[error(
        "{file}:{line}: a {found} micro-op in a {workload} history; a history is either \
         list-append (append, r) or rw-register (w, r)"
    )]
    MixedWorkloads {
        /// The history's name.
        file: String,
        /// Line of the first micro-op of the other workload.
        line: usize,
        /// That micro-op's function.
        found: String,
        /// The workload the history was taken for.
        workload: super::TxnWorkload,
    },
}
