//! The harness' handle on the nodes of the system under test.

use std::future::Future;
use std::pin::Pin;

use crate::error::NemesisError;
use crate::signals::PidSignals;

/// A boxed, sendable future; keeps the traits dyn-compatible without a macro crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the leader comes from when the nodes' control cannot tell by
/// itself: the harness may know a way to ask (an HTTP query of each node).
pub trait LeaderSource: Send + Sync {
    /// The leader's node name, if one is known now.
    fn leader(&self) -> BoxFuture<'_, Option<String>>;
}

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

    /// Sets the node's wall clock to the true time plus `offset_ms`
    /// milliseconds (negative: behind); 0 resets it. One call is one step
    /// of the clock, as when an operator or NTP sets it: the clock nemesis
    /// bumps with one call, strobes with many, and resets with 0 on heal.
    ///
    /// The bundled cluster takes it as `POST /admin/clock {"offset_ms": n}`
    /// and adds the offset to what its nodes read (the machine's clock is
    /// never changed). Other nodes could run a command with the offset
    /// substituted (`{offset_ms}` in an argv template: `faketime`, `date`,
    /// chrony). Default: unsupported, which SUTs also declare up front so a
    /// run asking for clock faults is refused before it starts.
    fn set_clock_offset<'a>(
        &'a self,
        node: &'a str,
        _offset_ms: i64,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            Err(NemesisError::Unsupported {
                op: "set-clock",
                node: node.to_string(),
                what: "set a node's clock",
            })
        })
    }
}
