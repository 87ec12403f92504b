//! Exit codes shared by every command: 0 valid, 1 invalid, 2 unknown, 3 error.

use faultline_checkers::Validity;
use std::process::ExitCode;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The history is valid (or the command succeeded).
    Valid,
    /// The history is invalid.
    Invalid,
    /// The checker could not decide.
    Unknown,
    /// Bad input or a harness error.
    Error,
}

impl From<Validity> for Exit {
    fn from(v: Validity) -> Self {
        match v {
            Validity::Valid => Exit::Valid,
            Validity::Invalid => Exit::Invalid,
            Validity::Unknown => Exit::Unknown,
        }
    }
}

impl Exit {
    /// How a run ends: its verdict, except that a harness error (a fault
    /// that failed mid-run) outranks every verdict short of an anomaly
    /// found, which is a finding whatever broke afterwards.
    pub fn of_run(valid: Validity, harness_error: bool) -> Exit {
        if harness_error && valid != Validity::Invalid {
            Exit::Error
        } else {
            Exit::from(valid)
        }
    }

    /// What the code tells a CI job, in one line (docs/run.md has the rules).
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Valid => "no checker found an anomaly",
            Exit::Invalid => "a checker found an anomaly: the history breaks the consistency model",
            Exit::Unknown => {
                "not decided: a checker ran out of time or memory, nothing was really tested, \
                 or a requested fault never happened"
            }
            Exit::Error => "harness error: bad input, or a fault that failed mid-run",
        }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Valid => 0,
            Exit::Invalid => 1,
            Exit::Unknown => 2,
            Exit::Error => 3,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}
