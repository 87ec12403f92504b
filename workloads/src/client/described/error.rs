//! Errors in store-description files: always the file, the key and what was expected.

use std::fmt;
use std::path::PathBuf;

/// A store description that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptionError {
    /// The file could not be read.
    #[error("store description {file}: {message}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The file is not TOML (the message carries line and column).
    #[error("store description {file}: {message}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A key is missing, unknown, or has a value of the wrong shape.
    #[error("{0}")]
    Field(FieldError),
}

/// A problem with one key of a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The file.
    pub file: PathBuf,
    /// Line of the offending value (or of its table when the key is missing).
    pub line: Option<usize>,
    /// Dotted key path, e.g. `cas.outcome[1].result`.
    pub key: String,
    /// What was expected, and what was found.
    pub expected: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store description {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": top level: expected {}", self.expected)
        } else {
            write!(f, ": key `{}`: expected {}", self.key, self.expected)
        }
    }
}
