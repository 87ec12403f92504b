//! Shared by the `report_*` tests: two real runs against the bundled cluster
//! (a valid one and one with the stale-reads bug, which the checker catches),
//! made once per test process, and helpers to talk to `faultline serve`.

pub use crate::run_support::{faultline, output, run_dir, run_dirs};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The test name of the valid run.
pub const VALID: &str = "valid-run";
/// The test name of the invalid run.
pub const INVALID: &str = "stale-reads";

/// A results directory holding one valid and one invalid run.
pub struct Runs {
    /// Keeps the directory alive for the whole test binary.
    _tmp: tempfile::TempDir,
    /// The results directory (`--results-dir`).
    pub results: PathBuf,
    /// The valid run's directory.
    pub valid: PathBuf,
    /// The invalid run's directory.
    pub invalid: PathBuf,
}

/// Short runs under partitions: long enough for faults to be shaded in the
/// plots and for stale reads to show, short enough for a test.
fn run_cmd(results: &Path, name: &str, bug: Option<&str>) -> Command {
    let mut c = faultline();
    c.args([
        "run",
        "--time-limit",
        "5",
        "--recovery-time",
        "1",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        // This seed's nemesis draws a minority partition and then an
        // isolated leader, the shapes that let stale reads show.
        "--seed",
        "3",
        "--name",
        name,
    ])
    .arg("--results-dir")
    .arg(results);
    if let Some(b) = bug {
        // Whether stale reads land in a short run depends on scheduling, so
        // allow a few runs (seed, seed+1, ...); the first invalid one stops it.
        c.args(["--bug", b, "--test-count", "4"]);
    }
    c
}

/// Keeps only the newest run under `results/<name>/` (the one `--test-count`
/// stopped at), so the fixture holds exactly one run per name.
fn keep_newest_run(results: &Path, name: &str) {
    let mut dirs = run_dirs(results, name);
    dirs.pop();
    for d in dirs {
        std::fs::remove_dir_all(&d).expect("remove an earlier run");
    }
}

/// The two runs, made on first use; both run at once to halve the wait.
pub fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let results = tmp.path().join("results");
        let mut valid = run_cmd(&results, VALID, None);
        let valid = valid
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the valid run");
        let invalid = output(run_cmd(&results, INVALID, Some("stale-reads")));
        keep_newest_run(&results, INVALID);
        let valid = valid.wait_with_output().expect("valid run");
        eprintln!(
            "valid run stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&valid.stdout),
            String::from_utf8_lossy(&valid.stderr)
        );
        assert_eq!(valid.status.code(), Some(0), "the valid run was not valid");
        assert_eq!(
            invalid.status.code(),
            Some(1),
            "the stale-reads run was not invalid"
        );
        Runs {
            valid: run_dir(&results, VALID),
            invalid: run_dir(&results, INVALID),
            results,
            _tmp: tmp,
        }
    })
}

/// Copies a run's recorded files (not its generated ones) into `to`.
pub fn copy_recorded(run: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for f in [
        "history.jsonl",
        "results.json",
        "config.toml",
        "summary.txt",
    ] {
        std::fs::copy(run.join(f), to.join(f)).expect("copy run file");
    }
}

/// A `faultline serve` process on a free port, killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Server {
    /// Starts `faultline serve --dir DIR --port 0` and waits for its address line.
    pub fn start(dir: &Path) -> Server {
        let mut child = faultline()
            .args(["serve", "--port", "0", "--dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start faultline serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("faultline serve printed no address within 30 s");
            }
        };
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET `path` exactly as given (no normalisation of `..`): (status, headers, body).
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut stream = loop {
            match TcpStream::connect(&self.addr) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("connect: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("connecting to {}: {e}", self.addr),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("HTTP response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = &raw[split + 4..];
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_vec()
        };
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undoes `Transfer-Encoding: chunked`, which hyper uses for streamed bodies.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let after = &rest[eol + 2..];
        if n == 0 || after.len() < n {
            break;
        }
        out.extend_from_slice(&after[..n]);
        rest = after[n..].strip_prefix(b"\r\n").unwrap_or(&after[n..]);
    }
    out
}
