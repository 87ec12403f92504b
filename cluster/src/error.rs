//! Errors of the cluster crate.

use std::path::PathBuf;

/// Everything that can go wrong starting, running or driving cluster nodes.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A file or directory operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A persisted file could not be decoded.
    #[error("corrupt {path}: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A command-line or spec value was invalid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A node process could not be spawned or controlled.
    #[error("node {node}: {detail}")]
    Process {
        /// The node.
        node: String,
        /// What failed.
        detail: String,
    },
    /// No leader was elected within the allowed time.
    #[error("no leader elected within {0:?}")]
    NoLeader(std::time::Duration),
    /// The HTTP server failed.
    #[error("http server: {0}")]
    Server(std::io::Error),
}

impl ClusterError {
    /// Wraps an I/O error with what was being done and on which path.
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ClusterError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}
