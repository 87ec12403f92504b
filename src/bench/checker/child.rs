//! Runs one case in a child `faultline bench checker --one CASE` so that its
//! peak memory is measured alone, with a hard time bound.

use super::case::{Case, Measurement};
use anyhow::Context;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What became of a case run in a child.
pub enum Outcome {
    /// The child measured and reported.
    Measured(Measurement),
    /// The child exceeded the hard bound and was killed.
    Killed(Duration),
    /// The child failed; its stderr.
    Failed(String),
}

/// Spawns the child, waits at most `bound`, and parses its one-line JSON answer.
pub fn run_in_child(
    case: &Case,
    check_timeout: Duration,
    bound: Duration,
) -> anyhow::Result<Outcome> {
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    let spec = serde_json::to_string(case).context("encoding the case")?;
    let mut child = Command::new(exe)
        .args(["bench", "checker", "--one", &spec, "--one-timeout"])
        .arg(check_timeout.as_secs_f64().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the benchmark child process")?;
    let started = Instant::now();
    // Polling keeps this free of threads; the answer is one short line, so the
    // pipe cannot fill up while we wait.
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for the child")? {
            break status;
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::Killed(started.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut s) = child.stdout.take() {
        s.read_to_string(&mut stdout)
            .context("reading the child's output")?;
    }
    if let Some(mut s) = child.stderr.take() {
        s.read_to_string(&mut stderr)
            .context("reading the child's errors")?;
    }
    if !status.success() {
        return Ok(Outcome::Failed(stderr.trim().to_string()));
    }
    let m: Measurement = serde_json::from_str(stdout.trim())
        .with_context(|| format!("parsing the child's answer {stdout:?}"))?;
    Ok(Outcome::Measured(m))
}
