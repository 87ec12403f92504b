//! What the eventual-consistency checker returns.

use crate::history::ProcessId;
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// Result of the eventual-consistency check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventualReport {
    /// Invalid on disagreement or lost writes; unknown if a key has no final read.
    pub valid: Validity,
    /// Reads invoked at or after this time (ns) are final reads.
    pub final_reads_from: u64,
    /// Time of the last nemesis event, if any.
    pub last_heal: Option<u64>,
    /// One entry per key.
    pub keys: Vec<KeyOutcome>,
}

/// What was found for one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyOutcome {
    /// The key.
    pub key: Option<String>,
    /// The last final read on each node.
    pub final_reads: Vec<FinalRead>,
    /// Present when the final reads disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<Disagreement>,
    /// Acknowledged writes lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost_writes: Vec<LostWrite>,
    /// The agreed final value was never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexplained_final: Option<String>,
    /// Why lost writes were not judged on this key, if they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_writes_unchecked: Option<String>,
    /// The final reads differ, but in the order a write of unknown effect
    /// taking effect during them would give (not a disagreement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_late: Option<String>,
    /// As `settled_late`, but the last reads ran concurrently and differ, so
    /// the value the key kept is not known (the verdict is then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsettled: Option<String>,
}

/// The last final read of a key on one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalRead {
    /// Node name (or `process N` when the history does not name the node).
    pub node: String,
    /// The read: its invoke event's index.
    pub op: usize,
    /// Value read.
    pub value: serde_json::Value,
}

/// Final reads that do not agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// In words, with each node's value.
    pub text: String,
}

/// An acknowledged write that did not survive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostWrite {
    /// The write: its invoke event's index.
    pub op: usize,
    /// Its process.
    pub process: ProcessId,
    /// The value written.
    pub value: serde_json::Value,
    /// The write whose value survived instead, by its invoke event's index
    /// (none: the key reads absent).
    pub survivor: Option<usize>,
    /// In words.
    pub text: String,
}

impl EventualReport {
    /// The smallest witness: a disagreement, else an unexplained value, else a lost write.
    pub fn witness(&self) -> Option<String> {
        let k = &self.keys;
        k.iter()
            .filter_map(|k| k.disagreement.as_ref().map(|d| d.text.clone()))
            .min_by_key(String::len)
            .or_else(|| k.iter().find_map(|k| k.unexplained_final.clone()))
            .or_else(|| {
                k.iter()
                    .flat_map(|k| &k.lost_writes)
                    .map(|l| l.text.clone())
                    .next()
            })
    }

    /// One-line human summary.
    pub fn summary(&self) -> String {
        let n = self.keys.len();
        let dis = self
            .keys
            .iter()
            .filter(|k| k.disagreement.is_some())
            .count();
        let lost: usize = self.keys.iter().map(|k| k.lost_writes.len()).sum();
        let unobserved = self
            .keys
            .iter()
            .filter(|k| k.final_reads.is_empty())
            .count();
        let unsettled = self.keys.iter().filter(|k| k.unsettled.is_some()).count();
        match self.valid {
            Validity::Valid => format!(
                "converged: {n} key(s) agree after the last heal, no acknowledged write lost"
            ),
            Validity::Invalid => format!(
                "not eventually consistent: {dis} key(s) disagree, {lost} acknowledged write(s) lost"
            ),
            Validity::Unknown if unsettled > 0 => format!(
                "unknown: {unobserved} of {n} key(s) have no final read after the last heal, \
                 {unsettled} have concurrent last reads that differ while a write of unknown \
                 effect may have landed"
            ),
            Validity::Unknown => format!(
                "unknown: {unobserved} of {n} key(s) have no final read after the last heal"
            ),
        }
    }

    /// This report as a [`Verdict`] (checker `eventual`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "eventual".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
