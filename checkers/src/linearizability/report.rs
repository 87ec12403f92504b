//! What the linearizability checker returns: per-partition results and counterexamples.
//!
//! These types are the contract between the WGL search (which fills them) and
//! the renderers (text, JSON, HTML timeline) and the run controller.

use crate::history::{OpFn, ProcessId};
use crate::per_key::{Evidence, KeyResult, PerKeyReport};
use serde::{Deserialize, Serialize};

/// Result of checking a whole history: the combination of its partitions.
pub type LinearizabilityReport = PerKeyReport<Counterexample>;

/// Result for one partition (usually one key).
pub type PartitionResult = KeyResult<Counterexample>;

impl Evidence for Counterexample {
    const FIELD: &'static str = "counterexample";
}

/// How many keys the partitions stand for, as a count a reader knows: `23
/// keys`, `1 key`, or `the whole history` when it was not split by key.
pub fn keys_phrase(partitions: &[PartitionResult]) -> String {
    match partitions {
        [one] if one.key.is_none() => "the whole history".to_string(),
        _ if partitions.len() == 1 => "1 key".to_string(),
        _ => format!("{} keys", partitions.len()),
    }
}

impl PartitionResult {
    /// How many operations its counterexample shows first: the shrunk
    /// one's, else the whole key's. Invalid keys are listed smallest first.
    pub fn counterexample_size(&self) -> usize {
        self.counterexample
            .as_ref()
            .and_then(|c| c.minimal.as_ref())
            .map_or(self.ops, |m| m.core.len())
    }
}

/// Why a partition is not linearizable, in a form a person can follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The partition's key, if any.
    pub key: Option<String>,
    /// The operations of the partition (or a window of them around the failure) for drawing.
    pub operations: Vec<OpView>,
    /// The longest linearizable prefixes the search found (a few, longest first).
    pub longest_prefixes: Vec<Linearization>,
    /// Operations that could not be placed after the longest prefixes, with the model state there.
    pub unplaceable: Vec<Unplaceable>,
    /// The key shrunk to a few operations that still cannot be ordered;
    /// absent when shrinking was switched off (and in older reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimal: Option<MinimalCounterexample>,
}

/// The smallest counterexample found for an invalid key: a few of its
/// operations that cannot be ordered whatever its other state-changing
/// operations did. What to read first.
///
/// Shrinking only takes sound steps: it removes observations (reads, failed
/// cas) and turns other completed operations into ones whose effect is
/// unknown (free to take effect any time after their call, or never). So the
/// core proves the key invalid. When `one_minimal` holds, removing or
/// weakening any one operation of the core makes the rest linearizable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinimalCounterexample {
    /// Ids of the core's operations, in invocation order.
    pub core: Vec<usize>,
    /// How many other operations of the key stay in, each with its effect
    /// unknown (including those recorded as completed and weakened).
    pub unknown_effect: usize,
    /// The core and the unknown-effect operations its orders use, for drawing.
    pub operations: Vec<OpView>,
    /// The longest orders of them that the model accepts (longest first).
    pub longest_prefixes: Vec<Linearization>,
    /// What cannot go next after those orders, with the model state and why.
    pub unplaceable: Vec<Unplaceable>,
    /// Every single removal was tried and refused; false when the time
    /// budget ran out first (smaller than the key, but maybe not minimal).
    pub one_minimal: bool,
    /// Operations the key had before shrinking.
    pub from_ops: usize,
    /// Time shrinking took, in milliseconds.
    pub elapsed_ms: f64,
}

/// One operation as drawn on a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpView {
    /// Operation id, referenced by [`Linearization`] and [`Unplaceable`].
    pub id: usize,
    /// Issuing process.
    pub process: ProcessId,
    /// Operation function.
    pub f: OpFn,
    /// Argument at invocation.
    pub value: serde_json::Value,
    /// Observed result at completion (`null` for `info`).
    pub result: serde_json::Value,
    /// Invocation time (ns, or the event index for formats without time).
    pub invoke_time: u64,
    /// Completion time; `None` for an `info` operation that stays open.
    pub complete_time: Option<u64>,
    /// Index of the invoke event in the source history.
    pub invoke_index: u64,
    /// Index of the completion event, if any.
    pub complete_index: Option<u64>,
    /// The node that served it, where the history says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// A linearization: operations in linearization order with the state after each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linearization {
    /// Steps in order: only those of operations inside the counterexample's
    /// window, for a partition too large to draw whole.
    pub steps: Vec<LinearizationStep>,
    /// How many operations the whole prefix linearizes (at least
    /// `steps.len()`; 0 in reports written before it was recorded).
    #[serde(default)]
    pub length: usize,
}

/// One step of a linearization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearizationStep {
    /// The operation placed.
    pub op: usize,
    /// 1-based position in the whole linearization (0 in reports written
    /// before it was recorded).
    #[serde(default)]
    pub position: usize,
    /// The model state after it, as `Model::describe` renders it.
    pub state_after: String,
}

impl Linearization {
    /// How many operations the whole prefix linearizes, also for reports
    /// written before `length` was recorded.
    pub fn len(&self) -> usize {
        self.length.max(self.steps.len())
    }

    /// True when the prefix linearizes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The 1-based position of the `i`-th drawn step in the whole
    /// linearization (its index in `steps` for older reports).
    pub fn position(&self, i: usize) -> usize {
        match self.steps.get(i) {
            Some(s) if s.position > 0 => s.position,
            _ => i + 1,
        }
    }
}

/// An operation that cannot be placed after a longest prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unplaceable {
    /// The operation.
    pub op: usize,
    /// Model state at the point where it had to be placed.
    pub state: String,
    /// Why it does not fit, e.g. "read 3 but the register holds 1".
    pub reason: String,
}
