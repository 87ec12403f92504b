//! The checkers a report card can run, by name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A consistency checker selectable with `--checker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckerKind {
    /// Linearizability (WGL), with the workload's model.
    Linearizable,
    /// Per-key sequential consistency, with the same model.
    Sequential,
    /// The four session guarantees.
    Session,
    /// Convergence and no lost acknowledged writes after the last heal.
    Eventual,
    /// How stale reads were (informative unless limits are given).
    Staleness,
    /// Leases and fencing tokens of the lock workload (not part of `all`:
    /// it judges only lock histories).
    Lock,
    /// Bank invariants: totals conserved, no negative balance, every
    /// acknowledged transfer visible (not part of `all`: it needs a bank history).
    Bank,
    /// Transactional isolation by Elle's method: dependency cycles and the
    /// consistency models they rule out (not part of `all`: it needs a
    /// history of `txn` operations).
    Txn,
    /// Jepsen's counter checker: every read between the adds acknowledged
    /// before it and those begun before it ended (not part of `all`).
    Counter,
    /// Jepsen's set-full checker: no acknowledged element lost, per-element
    /// stable/lost/stale timelines (not part of `all`).
    SetFull,
}

impl CheckerKind {
    /// Every checker, strongest model first: what `all` means.
    pub const ALL: [CheckerKind; 5] = [
        CheckerKind::Linearizable,
        CheckerKind::Sequential,
        CheckerKind::Session,
        CheckerKind::Eventual,
        CheckerKind::Staleness,
    ];

    /// The name used on the command line and in verdicts.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckerKind::Linearizable => "linearizable",
            CheckerKind::Sequential => "sequential",
            CheckerKind::Session => "session",
            CheckerKind::Eventual => "eventual",
            CheckerKind::Staleness => "staleness",
            CheckerKind::Lock => "lock",
            CheckerKind::Bank => "bank",
            CheckerKind::Txn => "txn",
            CheckerKind::Counter => "counter",
            CheckerKind::SetFull => "set-full",
        }
    }

    /// Parses a list of names (`all` expands to every checker), keeping the
    /// given order and dropping repeats.
    pub fn parse_list<S: AsRef<str>>(names: &[S]) -> Result<Vec<CheckerKind>, UnknownChecker> {
        let mut out: Vec<CheckerKind> = Vec::new();
        for n in names {
            let n = n.as_ref().trim();
            let kinds: Vec<CheckerKind> = if n.eq_ignore_ascii_case("all") {
                CheckerKind::ALL.to_vec()
            } else {
                vec![n.parse()?]
            };
            for k in kinds {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Display for CheckerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checker name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown checker {0:?}; expected linearizable, sequential, session, eventual, staleness, lock, bank, txn, counter, set-full or all"
)]
pub struct UnknownChecker(pub String);

impl FromStr for CheckerKind {
    type Err = UnknownChecker;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "linearizable" | "linearizability" => CheckerKind::Linearizable,
            "sequential" => CheckerKind::Sequential,
            "session" => CheckerKind::Session,
            "eventual" => CheckerKind::Eventual,
            "staleness" => CheckerKind::Staleness,
            "lock" => CheckerKind::Lock,
            "bank" => CheckerKind::Bank,
            "txn" | "elle" => CheckerKind::Txn,
            "counter" => CheckerKind::Counter,
            "set-full" | "set_full" => CheckerKind::SetFull,
            _ => return Err(UnknownChecker(s.to_string())),
        })
    }
}
