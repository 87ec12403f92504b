//! What the session checker returns, and its witnesses in words.

use super::edges::{Edge, EdgeKind};
use super::guarantee::Guarantee;
use crate::history::ProcessId;
use crate::register_view::KeyView;
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// Result of the session checker over a whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionReport {
    /// Combined: invalid if any guarantee is.
    pub valid: Validity,
    /// One result per guarantee, in [`Guarantee::ALL`] order.
    pub guarantees: Vec<GuaranteeResult>,
    /// Keys whose relations were checked.
    pub keys_checked: usize,
    /// Keys that could not be checked, and why.
    pub keys_skipped: Vec<SkippedKey>,
}

/// The verdict for one guarantee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuaranteeResult {
    /// Which guarantee.
    pub guarantee: Guarantee,
    /// Its answer.
    pub valid: Validity,
    /// Keys on which it is violated.
    pub keys_violating: Vec<String>,
    /// The smallest violation found (fewest relations in the cycle).
    pub witness: Option<CycleWitness>,
}

/// A key that was not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedKey {
    /// The key.
    pub key: Option<String>,
    /// Why.
    pub reason: String,
}

/// A cycle of "must come before" relations between versions of one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleWitness {
    /// The key.
    pub key: Option<String>,
    /// The relations in cycle order; the first is the guarantee's own.
    pub steps: Vec<WitnessStep>,
    /// How many of the guarantee's relations on this key lie on some cycle.
    pub violating_relations: usize,
    /// The whole witness in one line.
    pub text: String,
}

/// One relation of a cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WitnessStep {
    /// Why `before` must precede `after`.
    pub relation: EdgeKind,
    /// Earlier version.
    pub before: serde_json::Value,
    /// Later version.
    pub after: serde_json::Value,
    /// Session implying it, if any.
    pub process: Option<ProcessId>,
    /// The operations implying it (their invoke events' indices).
    pub ops: Vec<usize>,
    /// The relation in words.
    pub text: String,
}

impl CycleWitness {
    pub(super) fn build(key: &KeyView, cycle: &[Edge], violating: usize) -> Self {
        let steps: Vec<WitnessStep> = cycle.iter().map(step).collect();
        let mut chain: Vec<String> = cycle.iter().map(|e| e.before.to_string()).collect();
        if let Some(first) = cycle.first() {
            chain.push(first.before.to_string());
        }
        let reasons: Vec<String> = steps.iter().map(|s| s.text.clone()).collect();
        let text = format!(
            "key {}: versions must precede each other in a cycle {}: {}",
            key.name(),
            chain.join(" < "),
            reasons.join("; ")
        );
        CycleWitness {
            key: key.key.clone(),
            steps,
            violating_relations: violating,
            text,
        }
    }
}

fn step(e: &Edge) -> WitnessStep {
    let (a, b) = (e.before.to_string(), e.after.to_string());
    let p = e.process.map(|p| p.to_string()).unwrap_or_default();
    let op = |i: usize| {
        e.ops
            .get(i)
            .map(|o| format!("event {o}"))
            .unwrap_or_default()
    };
    let text = match e.kind {
        EdgeKind::Initial => format!("nil precedes {b} ({} writes it)", op(0)),
        EdgeKind::CasChain => format!("cas {a}->{b} ({}) installed {b} over {a}", op(0)),
        EdgeKind::ReadYourWrites => {
            format!(
                "process {p} wrote {a} ({}) then read {b} ({})",
                op(0),
                op(1)
            )
        }
        EdgeKind::MonotonicReads => {
            format!("process {p} read {a} ({}) then read {b} ({})", op(0), op(1))
        }
        EdgeKind::MonotonicWrites => {
            format!(
                "process {p} wrote {a} ({}) then wrote {b} ({})",
                op(0),
                op(1)
            )
        }
        EdgeKind::WritesFollowReads => {
            format!(
                "process {p} read {a} ({}) then wrote {b} ({})",
                op(0),
                op(1)
            )
        }
    };
    WitnessStep {
        relation: e.kind,
        before: e.before.to_json(),
        after: e.after.to_json(),
        process: e.process,
        ops: e.ops.clone(),
        text,
    }
}

impl SessionReport {
    /// The result for one guarantee.
    pub fn guarantee(&self, g: Guarantee) -> Option<&GuaranteeResult> {
        self.guarantees.iter().find(|r| r.guarantee == g)
    }

    /// One-line human summary.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .guarantees
            .iter()
            .map(|g| format!("{} {}", g.guarantee, word(g.valid)))
            .collect();
        let mut s = format!("{} key(s): {}", self.keys_checked, parts.join(", "));
        if !self.keys_skipped.is_empty() {
            s.push_str(&format!(
                "; {} key(s) not checkable",
                self.keys_skipped.len()
            ));
        }
        s
    }

    /// This report as a [`Verdict`] (checker `session`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "session".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}

fn word(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Invalid => "INVALID",
        Validity::Unknown => "unknown",
    }
}
