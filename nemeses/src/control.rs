//! The harness' handle on the nodes of the system under test.

use std::future::Future;
use std::pin::Pin;

use crate::error::NemesisError;
use crate::signals::PidSignals;

/// A boxed, sendable future; keeps the traits dyn-compatible without a macro crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What nemeses may do to the nodes; the harness adapts its SUT to this.
///
/// Nodes are named by strings (`"n1"`, ...). `pause`/`resume` default to
/// SIGSTOP/SIGCONT on `pid(node)`, so an adapter for local processes only has
/// to provide `kill`, `start`, `pid` and `leader`.
pub trait NodeControl: Send + Sync {
    /// All node names, in a stable order.
    fn nodes(&self) -> Vec<String>;

    /// Kills the node hard (SIGKILL or equivalent) and waits until it is gone.
    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>>;

    /// Starts (restarts) a node that was killed; returns once it was launched.
    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>>;

    /// Freezes the node's process (default: SIGSTOP to `pid(node)`).
    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let pid = self
                .pid(node)
                .ok_or_else(|| NemesisError::NoPid(node.to_string()))?;
            PidSignals::stop(pid)
        })
    }

    /// Thaws a paused node (default: SIGCONT to `pid(node)`).
    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let pid = self
                .pid(node)
                .ok_or_else(|| NemesisError::NoPid(node.to_string()))?;
            PidSignals::cont(pid)
        })
    }

    /// The node's OS process id, if it is a running local process.
    fn pid(&self, node: &str) -> Option<u32>;

    /// The node the SUT currently considers its leader, if any and if known.
    fn leader(&self) -> BoxFuture<'_, Option<String>>;
}
