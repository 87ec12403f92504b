//! Benchmark implementations, one module per `faultline bench` target.

pub mod args;
pub mod bugs;
pub mod checker;
pub mod cluster;
pub mod harness;
pub mod soak;

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// A child run's directory under `RESULTS/NAME/` (the only timestamped one).
pub(crate) fn run_dir(test: &Path) -> Option<PathBuf> {
    std::fs::read_dir(test)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("results.json").is_file())
}

/// Waits for `child` until `deadline`, calling `each_poll` with its pid
/// every `poll`; then interrupts it (a run heals and writes what it has)
/// and kills it after `grace`. Returns its status and whether it had to be
/// interrupted.
pub(crate) fn wait_bounded(
    child: &mut Child,
    deadline: Duration,
    grace: Duration,
    poll: Duration,
    mut each_poll: impl FnMut(u32),
) -> anyhow::Result<(Option<ExitStatus>, bool)> {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Some(status) = child.try_wait().context("waiting for a run")? {
            return Ok((Some(status), false));
        }
        each_poll(child.id());
        std::thread::sleep(poll);
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGINT,
        );
    }
    let interrupted = Instant::now();
    while interrupted.elapsed() < grace {
        if let Some(status) = child.try_wait().context("waiting for a run")? {
            return Ok((Some(status), true));
        }
        each_poll(child.id());
        std::thread::sleep(poll);
    }
    let _ = child.kill();
    let status = child.wait().context("reaping a run")?;
    Ok((Some(status), true))
}
