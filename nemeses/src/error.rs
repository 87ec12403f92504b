//! Typed errors of fault injection.

use std::time::Duration;

/// Everything that can go wrong while injecting or healing a fault.
#[derive(Debug, thiserror::Error)]
pub enum NemesisError {
    /// The harness' `NodeControl` failed to act on a node.
    #[error("{op} {node}: {message}")]
    Control {
        /// What was attempted (`kill`, `start`, `pause`, `resume`).
        op: &'static str,
        /// The node it was attempted on.
        node: String,
        /// Why it failed, as reported by the adapter.
        message: String,
    },
    /// The SUT's nodes cannot do this (e.g. have their clocks set).
    #[error("{op} {node}: this system under test cannot {what}")]
    Unsupported {
        /// What was attempted (`set-clock`).
        op: &'static str,
        /// The node it was attempted on.
        node: String,
        /// What the nodes cannot do, as a sentence ends.
        what: &'static str,
    },
    /// A node name that the nemesis or mesh does not know.
    #[error("unknown node {0:?}")]
    UnknownNode(String),
    /// The node has no process id (not running, or not started by the harness).
    #[error("node {0} has no known pid (not running, or not a local process)")]
    NoPid(String),
    /// A pid that cannot be signalled safely (0 or out of range would hit a process group).
    #[error("refusing to signal pid {0}")]
    BadPid(u32),
    /// Sending a signal failed.
    #[error("signal {signal} to pid {pid}: {source}")]
    Signal {
        /// The signal's name.
        signal: &'static str,
        /// The target pid.
        pid: u32,
        /// The OS error.
        #[source]
        source: nix::Error,
    },
    /// Socket or process I/O failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A user- or harness-provided command exited unsuccessfully.
    #[error("command {argv:?} failed with {status}: {stderr}")]
    CommandFailed {
        /// The argv that ran (after placeholder substitution).
        argv: Vec<String>,
        /// Its exit status, as text (`exit status: 1`, `signal: 9`).
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// A command did not finish in time and was killed.
    #[error("command {argv:?} did not finish within {timeout:?}")]
    CommandTimeout {
        /// The argv that ran.
        argv: Vec<String>,
        /// The limit it exceeded.
        timeout: Duration,
    },
    /// A command on another host failed, or SSH could not reach it.
    #[error("on {host}: command {argv:?} failed with {status}: {stderr}")]
    Remote {
        /// The host, as `user@host:port`.
        host: String,
        /// The argv that ran there (after placeholder substitution).
        argv: Vec<String>,
        /// The exit status of the local `ssh` (255: SSH itself failed).
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// A command on another host did not finish in time.
    #[error("on {host}: command {argv:?} did not finish within {timeout:?}")]
    RemoteTimeout {
        /// The host, as `user@host:port`.
        host: String,
        /// The argv that ran there.
        argv: Vec<String>,
        /// The limit it exceeded.
        timeout: Duration,
    },
    /// A command list is empty or refers to an unknown placeholder.
    #[error("bad command configuration: {0}")]
    BadCommand(String),
    /// Network namespaces need root and `ip`/`nft`; this says which is missing.
    #[error(
        "network-namespace partitions unavailable: {0}; use the proxy mesh (ProxyMesh) instead, which needs no root"
    )]
    NetnsUnavailable(String),
    /// tc netem cannot slow a node's links (no `sch_netem` in its kernel, no
    /// `tc`, no route to its peers).
    #[error("latency through tc netem unavailable: {0}")]
    NetemUnavailable(String),
    /// The requested nemesis needs a component the harness did not provide.
    #[error("nemesis {kind} needs {needs}")]
    Missing {
        /// The nemesis kind.
        kind: String,
        /// What it needs (e.g. a proxy mesh).
        needs: &'static str,
    },
    /// A `--nemesis` list or similar did not parse.
    #[error("invalid nemesis specification {input:?}: {reason}")]
    Parse {
        /// The text that failed to parse.
        input: String,
        /// What was expected.
        reason: String,
    },
    /// There are too few nodes for the fault (e.g. a partition of one node).
    #[error("{0}")]
    TooFewNodes(String),
    /// A heal did not finish in time; what it had not undone may still be in effect.
    #[error("heal did not finish within {0:?}; faults may remain in effect")]
    HealTimeout(Duration),
    /// No tokio runtime was entered where one is needed.
    #[error("the proxy mesh must be started inside a tokio runtime")]
    NoRuntime,
}

impl NemesisError {
    /// Builds a `Control` error; adapters use this to wrap their own errors.
    pub fn control(op: &'static str, node: &str, message: impl std::fmt::Display) -> Self {
        NemesisError::Control {
            op,
            node: node.to_string(),
            message: message.to_string(),
        }
    }

    /// True when the failed step certainly changed nothing (the command ran
    /// and exited non-zero, the node or pid was unknown, the signal was not
    /// delivered); false when it may have acted (a timeout, a control error).
    pub fn had_no_effect(&self) -> bool {
        matches!(
            self,
            NemesisError::CommandFailed { .. }
                | NemesisError::Remote { .. }
                | NemesisError::Unsupported { .. }
                | NemesisError::UnknownNode(_)
                | NemesisError::NoPid(_)
                | NemesisError::BadPid(_)
                | NemesisError::Signal { .. }
                | NemesisError::BadCommand(_)
        )
    }

    /// Builds an `Io` error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        NemesisError::Io {
            context: context.into(),
            source,
        }
    }
}
