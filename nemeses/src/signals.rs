//! Signals to local processes by pid, shared by nemeses and harness adapters.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::error::NemesisError;

/// SIGSTOP / SIGCONT / SIGKILL on a pid, refusing pids that would hit a process group.
#[derive(Debug, Clone, Copy, Default)]
pub struct PidSignals;

impl PidSignals {
    /// Freezes the process (SIGSTOP cannot be caught or ignored).
    pub fn stop(pid: u32) -> Result<(), NemesisError> {
        send(pid, Signal::SIGSTOP, "SIGSTOP")
    }

    /// Thaws a stopped process.
    pub fn cont(pid: u32) -> Result<(), NemesisError> {
        send(pid, Signal::SIGCONT, "SIGCONT")
    }

    /// Kills the process without giving it a chance to clean up.
    pub fn kill(pid: u32) -> Result<(), NemesisError> {
        send(pid, Signal::SIGKILL, "SIGKILL")
    }

    /// Whether a process with this pid exists (a zombie still counts until reaped).
    pub fn exists(pid: u32) -> bool {
        match to_pid(pid) {
            Ok(p) => kill(p, None::<Signal>).is_ok(),
            Err(_) => false,
        }
    }
}

fn to_pid(pid: u32) -> Result<Pid, NemesisError> {
    // kill(2) treats 0 and negative pids as process groups: never send those.
    match i32::try_from(pid) {
        Ok(p) if p > 0 => Ok(Pid::from_raw(p)),
        _ => Err(NemesisError::BadPid(pid)),
    }
}

fn send(pid: u32, signal: Signal, name: &'static str) -> Result<(), NemesisError> {
    kill(to_pid(pid)?, signal).map_err(|source| NemesisError::Signal {
        signal: name,
        pid,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_group_pids() {
        assert!(matches!(PidSignals::stop(0), Err(NemesisError::BadPid(0))));
        assert!(matches!(
            PidSignals::kill(u32::MAX),
            Err(NemesisError::BadPid(_))
        ));
        assert!(!PidSignals::exists(0));
    }

    #[test]
    fn own_process_exists() {
        assert!(PidSignals::exists(std::process::id()));
    }
}
