//! The phases of a test run, in order.

use serde::Serialize;
use std::fmt;

/// Where a run is: set up, faults, heal, recovery, final reads, check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Starting the system under test and waiting for it to serve.
    Setup,
    /// Workers run while the nemesis injects faults.
    Main,
    /// Faults are being removed.
    Heal,
    /// No load and no faults, so the healed system can converge.
    Recovery,
    /// One read of every key touched, so lost writes become visible.
    FinalReads,
    /// The history is being checked.
    Check,
}

impl Phase {
    /// The name shown in progress lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Setup => "setup",
            Phase::Main => "main",
            Phase::Heal => "heal",
            Phase::Recovery => "recovery",
            Phase::FinalReads => "final-reads",
            Phase::Check => "check",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
