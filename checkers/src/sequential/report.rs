//! What the sequential checker returns, and its counterexample in words.

use super::search::{Chains, Deepest};
use crate::history::{Operation, ProcessId};
use crate::model::Model;
use crate::per_key::{Evidence, KeyResult, PerKeyReport};
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// Result of the sequential-consistency check over a whole history.
pub type SequentialReport = PerKeyReport<SequentialWitness>;

/// Result for one key.
pub type SequentialPartition = KeyResult<SequentialWitness>;

impl Evidence for SequentialWitness {
    const FIELD: &'static str = "witness";
}

/// Where every order respecting the processes' own orders gets stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequentialWitness {
    /// The key.
    pub key: Option<String>,
    /// Operations placed in the deepest order found.
    pub placed: usize,
    /// Operations in the partition.
    pub total: usize,
    /// Model state after them.
    pub state: String,
    /// The last operations of that order (their invoke events' indices).
    pub order_tail: Vec<usize>,
    /// Each process's next operation there, and why it cannot follow.
    pub stuck: Vec<StuckOp>,
    /// The witness in one line.
    pub text: String,
}

/// A process's next operation at the dead end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StuckOp {
    /// The process.
    pub process: ProcessId,
    /// The operation: its invoke event's index.
    pub op: usize,
    /// Why it cannot come next.
    pub reason: String,
}

pub(super) fn witness<M: Model>(
    chains: &Chains<'_, M>,
    key: &Option<String>,
    ops: &[Operation],
    d: &Deepest<M::State>,
) -> SequentialWitness {
    let state = chains.model.describe_state(&d.state);
    let stuck: Vec<StuckOp> = chains
        .chains
        .iter()
        .zip(&d.pos)
        .filter_map(|(chain, &p)| chain.get(p as usize))
        .filter(|&&o| !chains.crashed[o as usize])
        .map(|&o| {
            let input = &chains.inputs[o as usize];
            let reason = match chains.model.step(&d.state, input) {
                None => chains.model.explain(&d.state, input),
                Some(_) => format!(
                    "{} fits here, but then the operations left cannot all be ordered",
                    chains.model.describe_op(input)
                ),
            };
            StuckOp {
                process: ops[o as usize].process,
                op: ops[o as usize].id,
                reason,
            }
        })
        .collect();
    let listed: Vec<String> = stuck
        .iter()
        .map(|s| format!("process {} event {}: {}", s.process, s.op, s.reason))
        .collect();
    let text = format!(
        "key {}: every order that keeps each process's own order gets stuck; the deepest places {} of {} operations (state {state}), then {}",
        crate::history::key_label(key.as_deref()),
        d.placed,
        ops.len(),
        listed.join("; ")
    );
    SequentialWitness {
        key: key.clone(),
        placed: d.placed,
        total: ops.len(),
        state,
        order_tail: d.order_tail.iter().map(|&o| ops[o as usize].id).collect(),
        stuck,
        text,
    }
}

/// The witness of an operation no order can place (found by the model's pre-check).
pub(super) fn impossible(
    key: &Option<String>,
    ops: &[Operation],
    op: &Operation,
    reason: String,
) -> SequentialWitness {
    let text = format!(
        "key {}: process {} event {}: {reason}",
        crate::history::key_label(key.as_deref()),
        op.process,
        op.id
    );
    SequentialWitness {
        key: key.clone(),
        placed: 0,
        total: ops.len(),
        state: "any reachable state".to_string(),
        order_tail: Vec::new(),
        stuck: vec![StuckOp {
            process: op.process,
            op: op.id,
            reason,
        }],
        text,
    }
}

impl SequentialReport {
    /// One-line human summary.
    pub fn summary(&self) -> String {
        let ops: usize = self.partitions.iter().map(|p| p.ops).sum();
        let n = self.partitions.len();
        let count = |v: Validity| self.partitions.iter().filter(|p| p.valid == v).count();
        match self.valid {
            Validity::Valid => format!(
                "sequentially consistent per key ({} model): {ops} operations in {n} key(s)",
                self.model
            ),
            Validity::Invalid => format!(
                "not sequentially consistent ({} model): {} of {n} key(s) invalid",
                self.model,
                count(Validity::Invalid)
            ),
            Validity::Unknown => format!(
                "unknown ({} model): {} of {n} key(s) undecided",
                self.model,
                count(Validity::Unknown)
            ),
        }
    }

    /// The smallest witness: the invalid partition with the fewest operations.
    pub fn smallest_witness(&self) -> Option<&SequentialWitness> {
        self.partitions
            .iter()
            .filter_map(|p| p.counterexample.as_ref())
            .min_by_key(|w| w.total)
    }

    /// This report as a [`Verdict`] (checker `sequential`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "sequential".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
