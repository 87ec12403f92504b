//! The report as a generic [`Verdict`] (checker `linearizable`).

use super::report::{LinearizabilityReport, keys_phrase};
use crate::verdict::{Validity, Verdict};

impl LinearizabilityReport {
    /// One-line human summary.
    pub fn summary(&self) -> String {
        let ops: usize = self.partitions.iter().map(|p| p.ops).sum();
        let n = self.partitions.len();
        match self.valid {
            Validity::Valid => format!(
                "linearizable ({} model): {ops} operations in {}",
                self.model,
                keys_phrase(&self.partitions)
            ),
            Validity::Invalid => {
                let bad: Vec<String> = self
                    .partitions
                    .iter()
                    .filter(|p| p.valid == Validity::Invalid)
                    .map(|p| crate::history::key_label(p.key.as_deref()))
                    .collect();
                format!(
                    "not linearizable ({} model): {} of {n} key(s) invalid: {}",
                    self.model,
                    bad.len(),
                    bad.join(", ")
                )
            }
            Validity::Unknown => {
                let reasons: Vec<String> = self
                    .partitions
                    .iter()
                    .filter(|p| p.valid == Validity::Unknown)
                    .filter_map(|p| p.reason.clone())
                    .collect();
                let first = reasons.first().cloned().unwrap_or_default();
                format!(
                    "unknown ({} model): {} of {n} key(s) undecided ({first})",
                    self.model,
                    reasons.len()
                )
            }
        }
    }

    /// This report as a [`Verdict`] with the whole report as details.
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "linearizable".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl From<&LinearizabilityReport> for Verdict {
    fn from(r: &LinearizabilityReport) -> Verdict {
        r.to_verdict()
    }
}
