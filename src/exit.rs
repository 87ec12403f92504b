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
