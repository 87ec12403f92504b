//! What the lock checker found: counts and violations with their witnesses.

use crate::history::{Operation, ProcessId};
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// Which rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// Two leases were certainly held at the same time.
    TwoHolders,
    /// A later grant got a token that is not higher (or a token was reused).
    TokenOrder,
    /// A write carried a token its process was never granted.
    UnheldWrite,
    /// A write was made with a token after a higher one had been granted.
    StaleWrite,
    /// A read saw an older token than a write that had already completed.
    Overwritten,
}

impl ViolationKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::TwoHolders => "two-holders",
            ViolationKind::TokenOrder => "token-order",
            ViolationKind::UnheldWrite => "unheld-write",
            ViolationKind::StaleWrite => "stale-write",
            ViolationKind::Overwritten => "overwritten",
        }
    }
}

/// One operation of a witness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WitnessOp {
    /// Operation id in the history.
    pub id: usize,
    /// Issuing process.
    pub process: ProcessId,
    /// Function, e.g. `acquire`.
    pub f: String,
    /// The token involved.
    pub token: u64,
    /// Invoke time (ns).
    pub invoke_time: u64,
    /// Completion time (ns), if it completed.
    pub complete_time: Option<u64>,
}

impl WitnessOp {
    /// The witness view of `op` with `token`.
    pub fn of(op: &Operation, token: u64) -> WitnessOp {
        WitnessOp {
            id: op.id,
            process: op.process,
            f: op.f.as_str().to_string(),
            token,
            invoke_time: op.invoke_time,
            complete_time: op.complete_time,
        }
    }

    /// E.g. `process 3 acquire token 7 [1.200 s .. 1.250 s]`.
    pub fn describe(&self) -> String {
        let secs = |ns: u64| format!("{:.3} s", ns as f64 / 1e9);
        let end = self.complete_time.map_or("?".to_string(), secs);
        format!(
            "process {} {} token {} [{} .. {end}]",
            self.process,
            self.f,
            self.token,
            secs(self.invoke_time)
        )
    }
}

/// A broken rule, the lock it happened on, and the operations that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule.
    pub kind: ViolationKind,
    /// The lock (history key).
    pub key: String,
    /// One line for humans.
    pub text: String,
    /// The operations involved, earlier first.
    pub ops: Vec<WitnessOp>,
}

/// The lock checker's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockReport {
    /// Valid, invalid, or unknown when no acquire succeeded.
    pub valid: Validity,
    /// Locks seen.
    pub locks: usize,
    /// `ok` acquires judged.
    pub acquires: usize,
    /// `ok` resource writes judged.
    pub writes: usize,
    /// Violations, at most ten of each kind.
    pub violations: Vec<Violation>,
}

impl LockReport {
    /// One line: counts, or the first violation.
    pub fn summary(&self) -> String {
        match self.violations.first() {
            Some(v) => format!(
                "{} violation(s); first ({}): {}",
                self.violations.len(),
                v.kind.as_str(),
                v.text
            ),
            None if self.acquires == 0 => "no acquire succeeded: nothing to check".to_string(),
            None => format!(
                "{} grant(s) and {} resource write(s) on {} lock(s): exclusive, fenced",
                self.acquires, self.writes, self.locks
            ),
        }
    }

    /// Every violation kept, one line each, for the terminal.
    pub fn explain(&self) -> String {
        let mut out = format!("lock checker: {} violation(s)\n", self.violations.len());
        for v in &self.violations {
            out.push_str(&format!("  [{}] {}\n", v.kind.as_str(), v.text));
        }
        out
    }

    /// The verdict of checker `lock`.
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "lock".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
