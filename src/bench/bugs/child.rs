//! One benchmark run: `faultline run` as a child process with its results
//! in a directory of its own, bounded in time, and what its exit code and
//! `results.json` say.

use super::plan::Setup;
use anyhow::Context;
use faultline_cluster::Bug;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a run may take: a default run is ~25 s plus at most the
/// checker's 60 s deadline; past this it is interrupted (and then killed).
pub const RUN_DEADLINE: Duration = Duration::from_secs(300);
/// How long an interrupted run gets to heal and write its results.
const INTERRUPT_GRACE: Duration = Duration::from_secs(30);
/// How often the child is polled.
const POLL: Duration = Duration::from_millis(200);

/// One run to make.
#[derive(Debug, Clone)]
pub struct Job {
    /// The bug switched on, `None` for the correct cluster.
    pub bug: Option<Bug>,
    /// Workload, shards, cache.
    pub setup: Setup,
    /// `--seed`.
    pub seed: u64,
}

impl Job {
    /// The test name, unique within a benchmark: `no-fsync-s3`, `correct-append-s3`.
    pub fn name(&self) -> String {
        let what = match self.bug {
            Some(bug) => bug.name().to_string(),
            None => format!("correct-{}", self.setup.label().replace([' ', '-'], "_")),
        };
        format!("{what}-s{}", self.seed)
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Exit 1: a checker found an anomaly.
    Invalid,
    /// Exit 0.
    Valid,
    /// Exit 2: not decided (checker deadline, a fault never injected).
    Unknown,
    /// Exit 3 or a signal: a harness error, with the end of its stderr.
    Error(String),
    /// Still running at [`RUN_DEADLINE`]; interrupted.
    TimedOut,
}

impl Ending {
    /// `caught`, `valid`, ... for the progress line.
    pub fn word(&self) -> &'static str {
        match self {
            Ending::Invalid => "invalid",
            Ending::Valid => "valid",
            Ending::Unknown => "unknown",
            Ending::Error(_) => "error",
            Ending::TimedOut => "timed out",
        }
    }
}

/// What one run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The job that ran.
    pub job: Job,
    /// How it ended.
    pub ending: Ending,
    /// Wall time from start to exit: the time to the verdict.
    pub seconds: f64,
    /// `faults.targets` of results.json: faults by kind and target.
    pub targets: BTreeMap<String, u64>,
    /// `faults.combinations` of results.json.
    pub combinations: BTreeMap<String, u64>,
    /// The summary of the first verdict that was not valid.
    pub finding: Option<String>,
    /// Seconds into the run at which that checker's first anomaly was on
    /// record (see `first_anomaly.rs`); caught runs only, when measured.
    pub first_anomaly_s: Option<f64>,
    /// The run's results directory.
    pub dir: Option<PathBuf>,
}

/// Runs `job` with `exe run` under `root`, `extra` flags appended.
pub fn run(exe: &Path, root: &Path, job: &Job, extra: &[String]) -> anyhow::Result<Outcome> {
    let name = job.name();
    let log = root.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone().context("duplicating the log handle")?;
    let mut command = Command::new(exe);
    command
        .arg("run")
        .args(["--name", &name, "--seed", &job.seed.to_string()])
        .arg("--results-dir")
        .arg(root)
        .args(job.setup.args());
    if let Some(bug) = job.bug {
        command.args(["--bug", bug.name()]);
    }
    command
        .args(extra)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let (status, timed_out) =
        crate::bench::wait_bounded(&mut child, RUN_DEADLINE, INTERRUPT_GRACE, POLL, |_| {})?;
    let seconds = started.elapsed().as_secs_f64();
    let ending = if timed_out {
        Ending::TimedOut
    } else {
        match status.and_then(|s| s.code()) {
            Some(0) => Ending::Valid,
            Some(1) => Ending::Invalid,
            Some(2) => Ending::Unknown,
            code => Ending::Error(format!(
                "exit {}: {}",
                code.map_or("by signal".to_string(), |c| c.to_string()),
                tail(&log)
            )),
        }
    };
    let dir = crate::bench::run_dir(&root.join(&name));
    let results = dir
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join("results.json")).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .unwrap_or_default();
    let counts = |field: &str| -> BTreeMap<String, u64> {
        results["faults"][field]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let not_valid = results["verdicts"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["valid"] != "valid"));
    let finding = not_valid.map(|v| {
        format!(
            "{}: {}",
            v["checker"].as_str().unwrap_or("?"),
            v["summary"].as_str().unwrap_or("")
        )
    });
    let first_anomaly_s = match (&ending, &dir, not_valid) {
        (Ending::Invalid, Some(dir), Some(v)) if v["valid"] == "invalid" => {
            v["checker"].as_str().and_then(|checker| {
                match super::first_anomaly::seconds(exe, dir, checker) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("{name}: time to the first anomaly not measured: {e:#}");
                        None
                    }
                }
            })
        }
        _ => None,
    };
    Ok(Outcome {
        job: job.clone(),
        ending,
        seconds,
        targets: counts("targets"),
        combinations: counts("combinations"),
        finding,
        first_anomaly_s,
        dir,
    })
}

/// The last lines of a run's output, for an error.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(3).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" / ")
}
