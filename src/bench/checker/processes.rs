//! Whole-process times on the corpus: what a CI script pays when it calls
//! `faultline check FILE` once per file (start-up, reading, checking,
//! shrinking, printing), and what `faultline check FILE...` pays for all of
//! them in one process. The in-process table above times the check alone.

use super::ManifestEntry;
use anyhow::Context;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs of each measurement; the minimum is kept, as scheduling noise on a
/// shared machine only ever adds time.
const RUNS: usize = 3;
/// One process may take this long before the benchmark gives up on it.
const PROCESS_LIMIT: Duration = Duration::from_secs(120);

/// Porcupine run the same way, one process per corpus file, measured beside
/// faultline on a 2-core machine when issue 16 was filed (2026-12): its
/// total, and its time for a small file.
const PORCUPINE_TOTAL_S: f64 = 1.35;
const PORCUPINE_SMALL_FILE_MS: f64 = 3.6;

/// Times the corpus as whole processes and prints the numbers.
pub fn bench(dir: &Path, manifest: &[ManifestEntry]) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding the faultline binary")?;
    eprintln!(
        "timing {} corpus files as whole processes ({RUNS} runs each) ...",
        manifest.len()
    );
    let mut per_file: Vec<f64> = Vec::with_capacity(manifest.len());
    for e in manifest {
        let path = dir.join(&e.file);
        let args = [
            "check".as_ref(),
            path.as_os_str(),
            "--format".as_ref(),
            e.format.as_ref(),
            "--model".as_ref(),
            e.model.as_ref(),
        ];
        per_file.push(best_of(&exe, &args)?);
    }
    let one_each: f64 = per_file.iter().sum();
    let mut sorted = per_file.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);

    // One process per (format, model): the flags apply to every file given.
    let mut groups: BTreeMap<(&str, &str), Vec<std::ffi::OsString>> = BTreeMap::new();
    for e in manifest {
        groups
            .entry((e.format.as_str(), e.model.as_str()))
            .or_default()
            .push(dir.join(&e.file).into_os_string());
    }
    let mut together = 0.0;
    for ((format, model), files) in &groups {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "check".as_ref(),
            "--format".as_ref(),
            format.as_ref(),
            "--model".as_ref(),
            model.as_ref(),
        ];
        args.extend(files.iter().map(|f| f.as_os_str()));
        together += best_of(&exe, &args)?;
    }

    println!(
        "\nWhole processes on the corpus ({} files, shrinking on as by default, minimum of {RUNS} runs)\n",
        manifest.len()
    );
    println!(
        "  one `faultline check FILE` per file: {:.2} s in all, median {:.1} ms a file",
        one_each,
        median * 1000.0
    );
    println!(
        "  Porcupine, one process per file (issue 16's measurement): {PORCUPINE_TOTAL_S:.2} s in all, {PORCUPINE_SMALL_FILE_MS:.1} ms a small file → {:.1}x",
        PORCUPINE_TOTAL_S / one_each.max(1e-9)
    );
    println!(
        "  `faultline check FILE...`, {} process(es) for all: {:.2} s → {:.1}x Porcupine's one-per-file total",
        groups.len(),
        together,
        PORCUPINE_TOTAL_S / together.max(1e-9)
    );
    Ok(())
}

/// The shortest wall time of `RUNS` runs of `exe args`, output discarded.
fn best_of(exe: &Path, args: &[&std::ffi::OsStr]) -> anyhow::Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..RUNS {
        best = best.min(timed(exe, args)?);
    }
    Ok(best)
}

/// One run's wall time. The parent blocks in wait(2) so that the time ends
/// when the child does; polling would add its interval to every file. A
/// watchdog thread, started before the clock, kills a child that outlives
/// `PROCESS_LIMIT`.
fn timed(exe: &Path, args: &[&std::ffi::OsStr]) -> anyhow::Result<f64> {
    let (pid_tx, pid_rx) = mpsc::channel::<i32>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let Ok(pid) = pid_rx.recv() else { return false };
        match done_rx.recv_timeout(PROCESS_LIMIT) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                true
            }
            _ => false,
        }
    });
    let started = Instant::now();
    let spawned = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            drop(pid_tx);
            let _ = watchdog.join();
            return Err(e).with_context(|| format!("starting {}", exe.display()));
        }
    };
    let _ = pid_tx.send(i32::try_from(child.id()).unwrap_or(i32::MAX));
    let waited = child.wait();
    let elapsed = started.elapsed().as_secs_f64();
    let _ = done_tx.send(());
    let killed = watchdog.join().unwrap_or(false);
    waited.context("waiting for the check")?;
    if killed {
        anyhow::bail!("a check took longer than {PROCESS_LIMIT:?}: {args:?}");
    }
    Ok(elapsed)
}
