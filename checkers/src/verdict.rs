//! The result every checker returns.

use serde::{Deserialize, Serialize};

/// Whether a history satisfies a checker's property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    /// The property holds.
    Valid,
    /// The property is violated; the details carry a counterexample.
    Invalid,
    /// The checker could not decide (deadline, cancellation).
    Unknown,
}

impl Validity {
    /// Process exit code for this validity: 0 valid, 1 invalid, 2 unknown.
    pub fn exit_code(self) -> u8 {
        match self {
            Validity::Valid => 0,
            Validity::Invalid => 1,
            Validity::Unknown => 2,
        }
    }

    /// Combines verdicts of several checkers or partitions: any invalid wins, then unknown.
    pub fn and(self, other: Validity) -> Validity {
        use Validity::*;
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Valid,
        }
    }
}

/// A checker's verdict: validity plus checker-specific details as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Name of the checker that produced it, e.g. `linearizable`.
    pub checker: String,
    /// The answer.
    pub valid: Validity,
    /// One-line human summary.
    pub summary: String,
    /// Checker-specific details (counterexample, counts, ...).
    #[serde(default)]
    pub details: serde_json::Value,
}
