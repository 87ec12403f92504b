//! The error every history reader and the pairing step report: where and what.

use std::fmt;

/// A malformed or inconsistent history, located at a 1-based line of its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct HistoryError {
    /// The file (or source name) the history came from.
    pub file: String,
    /// 1-based line number in that source (0 when no line applies, e.g. an unreadable file).
    pub line: usize,
    /// What was expected there.
    pub message: String,
}

impl HistoryError {
    /// Builds an error at `file:line`.
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Self {
        HistoryError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}
