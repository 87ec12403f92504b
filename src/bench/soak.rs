//! `faultline bench soak`: the harness's resident memory over a long
//! unthrottled run, sampled every second from `/proc`, through the load and
//! then the final reads, check and report. The run is a child `faultline
//! run` against a trivial in-process HTTP store, so the samples are the
//! harness's own and the store's memory is not in them.

use crate::bench::args::BenchArgs;
use crate::exit::Exit;
use anyhow::Context;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Workers of the run: enough to keep two cores busy against the trivial store.
const CONCURRENCY: usize = 20;
/// How long the run may take after its load and check deadline before it
/// is interrupted: final reads and the report, with room.
const AFTER_LOAD: Duration = Duration::from_secs(600);
/// Rows of the printed series (the peaks are over every sample).
const ROWS: usize = 20;

/// One sample of the child's memory.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Seconds since the child started.
    t: f64,
    /// Resident set, bytes.
    rss: u64,
}

/// Runs the benchmark and prints its numbers.
pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let load_s = args
        .time_limit
        .unwrap_or(if args.quick { 30.0 } else { 600.0 });
    if !(load_s.is_finite() && load_s > 0.0) {
        anyhow::bail!("--time-limit must be a positive number of seconds, not {load_s}");
    }
    let scratch = tempfile::tempdir().context("creating a scratch results directory")?;
    let root = args
        .results_dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_path_buf());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let url = runtime.block_on(crate::bench::harness::start_store())?;
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    eprintln!(
        "bench soak: {load_s} s unthrottled cas-register run, concurrency {CONCURRENCY}, \
         no faults, against a trivial store at {url}; RSS sampled every second{}",
        if args.run_args.is_empty() {
            String::new()
        } else {
            format!("; run flags {}", args.run_args.join(" "))
        }
    );
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let log = root.join("soak.log");
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone().context("duplicating the log handle")?;
    let mut child = Command::new(&exe)
        .args([
            "run",
            "--name",
            "soak",
            "--sut",
            "http",
            "--endpoints",
            &url,
        ])
        .args(["--rate", "0", "--nemesis", "none", "--seed", "1"])
        .args(["--concurrency", &CONCURRENCY.to_string()])
        .args(["--time-limit", &load_s.to_string()])
        // The default 60 s is for a default run; millions of operations
        // take longer, and an undecided check would not show its memory.
        .args(["--check-timeout", &load_s.max(60.0).to_string()])
        .arg("--results-dir")
        .arg(&root)
        // Appended: flags the soak sets itself (rate, nemesis, seed,
        // concurrency, time limits) cannot be given again.
        .args(&args.run_args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let deadline = Duration::from_secs_f64(load_s + load_s.max(60.0)) + AFTER_LOAD;
    let (samples, code) = sample_until_exit(&mut child, deadline)?;
    drop(runtime);

    let dir = crate::bench::run_dir(&root.join("soak"));
    let results = dir
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join("results.json")).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .unwrap_or_default();
    let history_bytes = dir
        .and_then(|d| std::fs::metadata(d.join("history.jsonl")).ok())
        .map(|m| m.len());
    print!("{}", render(&samples, load_s, &results, history_bytes));
    match code {
        Some(0) => Ok(Exit::Valid),
        code => {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            eprintln!(
                "bench soak: the run ended with {}: {}",
                code.map_or("a signal".to_string(), |c| format!("exit {c}")),
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            );
            Ok(Exit::Error)
        }
    }
}

/// Samples the child's RSS every second until it exits; interrupts it
/// (then kills it 30 s later) once `deadline` has passed.
fn sample_until_exit(
    child: &mut Child,
    deadline: Duration,
) -> anyhow::Result<(Vec<Sample>, Option<i32>)> {
    let started = Instant::now();
    let mut samples = Vec::new();
    let (status, _) = crate::bench::wait_bounded(
        child,
        deadline,
        Duration::from_secs(30),
        Duration::from_secs(1),
        |pid| {
            if let Some(rss) = rss_of(pid) {
                samples.push(Sample {
                    t: started.elapsed().as_secs_f64(),
                    rss,
                });
            }
        },
    )?;
    Ok((samples, status.and_then(|s| s.code())))
}

/// `VmRSS` of a process, bytes.
fn rss_of(pid: u32) -> Option<u64> {
    let status =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The series, the peaks of the load and of what follows it, and the
/// growth rate over the load's second half (a flat run shows ~0).
fn render(
    samples: &[Sample],
    load_s: f64,
    results: &serde_json::Value,
    history_bytes: Option<u64>,
) -> String {
    let mut out = String::new();
    if samples.is_empty() {
        out.push_str("bench soak: no samples (the run ended at once)\n");
        return out;
    }
    // The load starts after the run's setup (~1 s against this store) and
    // ends at load_s after it; the samples a second around the edge count
    // as load, which only makes the load's peak conservative.
    let in_load = |s: &Sample| s.t <= load_s + 2.0;
    out.push_str("   t (s)   RSS (MB)   phase\n");
    let step = (samples.len() / ROWS).max(1);
    for (i, s) in samples.iter().enumerate() {
        if i % step == 0 || i + 1 == samples.len() {
            out.push_str(&format!(
                "{:>8.0} {:>10.1}   {}\n",
                s.t,
                mb(s.rss),
                if in_load(s) { "load" } else { "after load" }
            ));
        }
    }
    let load: Vec<&Sample> = samples.iter().filter(|s| in_load(s)).collect();
    let after: Vec<&Sample> = samples.iter().filter(|s| !in_load(s)).collect();
    let invoked = results["stats"]["invoked"].as_u64().unwrap_or(0);
    let rate = results["stats"]["main_ops_per_sec"].as_f64().unwrap_or(0.0);
    if let Some(peak) = load.iter().map(|s| s.rss).max() {
        let half: Vec<&&Sample> = load.iter().filter(|s| s.t >= load_s / 2.0).collect();
        let slope = match (half.first(), half.last()) {
            (Some(a), Some(b)) if b.t > a.t => (mb(b.rss) - mb(a.rss)) / (b.t - a.t),
            _ => 0.0,
        };
        out.push_str(&format!(
            "load: {invoked} operations ({rate:.0} ops/s in the main phase); peak RSS {:.1} MB; \
             growth over its second half {slope:+.3} MB/s\n",
            mb(peak)
        ));
    }
    if let Some(peak) = after.iter().map(|s| s.rss).max() {
        out.push_str(&format!(
            "after load (final reads, check, report): peak RSS {:.1} MB\n",
            mb(peak)
        ));
    }
    if let Some(bytes) = history_bytes {
        out.push_str(&format!("history.jsonl: {:.1} MB\n", mb(bytes)));
    }
    if let Some(v) = results["valid"].as_str() {
        out.push_str(&format!("verdict: {v}\n"));
    }
    out
}
