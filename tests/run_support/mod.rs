//! Shared parts of the `faultline run` end-to-end tests: HTTP stores
//! speaking docs/DESIGN.md's protocol (faultline-cluster's `memory_store`,
//! served by the test process on a background thread), and helpers to run
//! `faultline` and read its results.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// How a test store behaves (faultline-cluster's memory store options).
pub use faultline_cluster::memory_store::MemoryStoreOptions as StoreOptions;

/// Starts a store; returns its endpoint URLs. It lives as long as the test process.
pub fn start_store(opts: StoreOptions) -> Vec<String> {
    faultline_cluster::memory_store::start_on_own_thread(opts).unwrap()
}

/// The `faultline` binary under test.
pub fn faultline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
}

/// `run --sut http` without faults and with a short recovery, plus `extra`.
pub fn http_run(results: &Path, endpoints: &[String], extra: &[&str]) -> Command {
    let mut c = faultline();
    c.args([
        "run",
        "--sut",
        "http",
        "--nemesis",
        "none",
        "--recovery-time",
        "0.2",
    ])
    .arg("--results-dir")
    .arg(results)
    .arg("--endpoints")
    .arg(endpoints.join(","))
    .args(extra);
    c
}

/// `run` against the bundled cluster with short settings plus `extra`.
pub fn bundled_run(results: &Path, extra: &[&str]) -> Command {
    let mut c = faultline();
    c.args(["run", "--recovery-time", "1", "--nemesis-interval", "2"])
        .arg("--results-dir")
        .arg(results)
        .args(extra);
    c
}

/// Runs `c` to completion, echoing its output for failing tests.
pub fn output(mut c: Command) -> Output {
    let out = c.output().unwrap();
    eprintln!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every run directory under `results/<name>/`, oldest first.
pub fn run_dirs(results: &Path, name: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(results.join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Like [`run_dirs`], but empty while `results/<name>/` does not exist yet
/// (for polling a run in progress).
pub fn run_dirs_if_any(results: &Path, name: &str) -> Vec<PathBuf> {
    if results.join(name).is_dir() {
        run_dirs(results, name)
    } else {
        Vec::new()
    }
}

/// The newest run under `results/<name>/` (where `--test-count` stopped).
pub fn newest_run_dir(results: &Path, name: &str) -> PathBuf {
    run_dirs(results, name).pop().expect("a run directory")
}

/// The single run directory under `results/<name>/`.
pub fn run_dir(results: &Path, name: &str) -> PathBuf {
    let mut dirs = run_dirs(results, name);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().unwrap()
}

/// The run's `results.json`.
pub fn results_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// Parses every line of the run's history; returns the events.
pub fn history(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Client events of `history` (no nemesis events).
pub fn client_events(history: &[Value]) -> Vec<&Value> {
    history.iter().filter(|e| e["process"].is_u64()).collect()
}

/// Waits (at most 60 s) until the run under `results/name` has a history
/// for which `ready` holds; returns the history's path.
pub fn wait_for_history(results: &Path, name: &str, ready: impl Fn(&str) -> bool) -> PathBuf {
    let begun = Instant::now();
    loop {
        assert!(
            begun.elapsed() < Duration::from_secs(60),
            "the history never got ready"
        );
        let found = std::fs::read_dir(results.join(name))
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path().join("history.jsonl"))
            .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| ready(&t)));
        if let Some(p) = found {
            return p;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (at most 60 s) for `child` to exit.
pub fn wait_exit(child: &mut Child) -> ExitStatus {
    let begun = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(60),
            "the run did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// checker name → verdict object, from a run's `results.json`.
pub fn verdict<'a>(results: &'a Value, checker: &str) -> &'a Value {
    results["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["checker"] == checker)
        .unwrap_or_else(|| panic!("no {checker} verdict in {results}"))
}

/// When `phase` (e.g. `final-reads`) began, on the history's clock, from a run's `results.json`.
pub fn phase_start(results: &Value, phase: &str) -> Option<u64> {
    results["phases"]
        .as_array()?
        .iter()
        .find(|p| p["phase"] == phase)?["start_ns"]
        .as_u64()
}

/// A child process (e.g. `cluster up`) stopped with Ctrl-C's SIGINT when
/// dropped, so it stops what it started even if an assertion fails first;
/// SIGKILLed if it is still running 10 s later.
pub struct InterruptOnDrop(pub Child);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let begun = Instant::now();
        while begun.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lines of a child's output, read on a thread of their own so a test
/// can wait for them with a timeout.
pub fn lines_of(out: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Runs `faultline cluster up --nodes 3` with `extra` flags (a free base port
/// unless they give one) until it prints `running`; returns the command
/// (stopped with Ctrl-C when dropped), the base port, the `(id, url)` of
/// each node and the other lines printed before `running`.
pub fn cluster_up(
    data_dir: &Path,
    extra: &[&str],
) -> (InterruptOnDrop, u16, Vec<(String, String)>, Vec<String>) {
    let base = faultline_cluster::launcher::free_base_port(3);
    let mut cmd = faultline();
    cmd.args(["cluster", "up", "--nodes", "3"]);
    if !extra.contains(&"--base-port") {
        cmd.arg("--base-port").arg(base.to_string());
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = InterruptOnDrop(child);
    let rx = lines_of(stdout);
    let mut urls = Vec::new();
    let mut other = Vec::new();
    let begun = Instant::now();
    loop {
        let left = Duration::from_secs(40).saturating_sub(begun.elapsed());
        let line = rx
            .recv_timeout(left)
            .expect("cluster up printed no `running`");
        if line.starts_with("running") {
            break;
        }
        if let Some((id, rest)) = line.split_once(": http://") {
            let url = format!("http://{}", rest.split_whitespace().next().unwrap());
            assert!(line.contains("(log: "), "{line}");
            urls.push((id.to_string(), url));
        } else {
            other.push(line);
        }
    }
    (guard, base, urls, other)
}
