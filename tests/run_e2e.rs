//! End-to-end tests of `faultline run`: real processes, real HTTP on 127.0.0.1.
//!
//! The HTTP stores are served by this test process (axum on a background
//! runtime): a correct one, and one whose nodes answer reads from a copy that
//! lags the primary, which is deliberately not linearizable.

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Map = HashMap<String, Value>;

/// One node of a test store: the shared primary, and the copy this node reads from.
#[derive(Clone)]
struct Node {
    primary: Arc<Mutex<Map>>,
    /// `None`: reads go to the primary (linearizable). `Some`: a lagging copy.
    replica: Option<Arc<Mutex<Map>>>,
}

fn lock(m: &Mutex<Map>) -> std::sync::MutexGuard<'_, Map> {
    m.lock().unwrap()
}

async fn read(State(n): State<Node>, UrlPath(k): UrlPath<String>) -> Response {
    let src = n.replica.as_ref().unwrap_or(&n.primary);
    match lock(src).get(&k) {
        Some(v) => Json(json!({ "value": v })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
    }
}

async fn write(
    State(n): State<Node>,
    UrlPath(k): UrlPath<String>,
    Json(b): Json<Value>,
) -> Response {
    lock(&n.primary).insert(k, b["value"].clone());
    Json(json!({})).into_response()
}

async fn cas(State(n): State<Node>, UrlPath(k): UrlPath<String>, Json(b): Json<Value>) -> Response {
    let mut m = lock(&n.primary);
    if m.get(&k).unwrap_or(&Value::Null) == &b["from"] {
        m.insert(k, b["to"].clone());
        Json(json!({})).into_response()
    } else {
        (
            StatusCode::CONFLICT,
            Json(json!({"error": "precondition_failed"})),
        )
            .into_response()
    }
}

/// Starts a store with `nodes` endpoints; `stale` makes reads lag by ~300 ms.
/// Returns the endpoint URLs; the server lives as long as the test process.
fn start_store(nodes: usize, stale: bool) -> Vec<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let primary: Arc<Mutex<Map>> = Arc::default();
            let mut urls = Vec::new();
            for i in 0..nodes {
                let replica = stale.then(|| Arc::new(Mutex::new(Map::new())));
                if let Some(r) = replica.clone() {
                    let p = primary.clone();
                    // Each replica copies the primary at its own pace.
                    let lag = Duration::from_millis(300 + 70 * i as u64);
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(lag).await;
                            let snap = lock(&p).clone();
                            *lock(&r) = snap;
                        }
                    });
                }
                let node = Node {
                    primary: primary.clone(),
                    replica,
                };
                let app = Router::new()
                    .route("/kv/{key}", get(read).put(write))
                    .route("/kv/{key}/cas", post(cas))
                    .with_state(node);
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                urls.push(format!("http://{}", l.local_addr().unwrap()));
                tokio::spawn(async move { axum::serve(l, app).await });
            }
            tx.send(urls).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

fn faultline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
}

/// `run --sut http` with common short settings plus `extra`.
fn http_run(results: &Path, endpoints: &[String], extra: &[&str]) -> Command {
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

fn output(mut c: Command) -> Output {
    let out = c.output().unwrap();
    eprintln!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The single run directory under `results/<name>/`.
fn run_dir(results: &Path, name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(results.join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().unwrap()
}

fn results_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// Parses every line of the history; returns the events.
fn history(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_linearizable_http_store_is_valid() {
    let urls = start_store(3, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "good",
            "--time-limit",
            "3",
            "--seed",
            "7",
            "--rate",
            "200",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "good");
    let r = results_json(&dir);
    assert_eq!(r["valid"], "valid");
    assert_eq!(r["seed"], 7);
    let h = history(&dir);
    assert!(h.len() > 100, "only {} events", h.len());
    // Config records the seed, so the run can be repeated with --config.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.contains("seed = 7"), "{config}");
    assert!(tmp.path().join("latest").join("results.json").exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("p99 ms"));
}

#[test]
fn a_stale_http_store_is_caught() {
    let urls = start_store(3, true);
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "stale",
            "--workload",
            "register",
            "--time-limit",
            "4",
            "--rate",
            "150",
            "--keys",
            "3",
            "--seed",
            "3",
        ],
    ));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a lagging replica must be caught"
    );
    let r = results_json(&run_dir(tmp.path(), "stale"));
    assert_eq!(r["valid"], "invalid");
}

#[test]
fn ctrl_c_mid_run_still_checks_what_was_recorded() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let urls = start_store(1, false);
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = http_run(
        tmp.path(),
        &urls,
        &["--name", "int", "--time-limit", "60", "--rate", "100"],
    );
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until events are being recorded, then interrupt.
    let begun = Instant::now();
    let history = loop {
        assert!(
            begun.elapsed() < Duration::from_secs(30),
            "no history appeared"
        );
        let found = std::fs::read_dir(tmp.path().join("int"))
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path().join("history.jsonl"))
            .filter(|p| {
                std::fs::metadata(p)
                    .map(|m| m.len() > 2000)
                    .unwrap_or(false)
            });
        if let Some(p) = found {
            break p;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let begun = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(30),
            "run did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "the recorded part is valid");
    let dir = history.parent().unwrap();
    let r = results_json(dir);
    assert_eq!(r["interrupted"], true);
    let h = history_at(&history);
    assert!(!h.is_empty());
    // Every invoke has its completion: in-flight requests were allowed to finish.
    let invokes = h.iter().filter(|e| e["type"] == "invoke").count();
    assert_eq!(invokes * 2, h.len());
}

fn history_at(p: &Path) -> Vec<Value> {
    history(p.parent().unwrap())
}

#[test]
fn unknown_config_keys_are_errors_naming_file_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    std::fs::write(&cfg, "concurrency = 2\nconcurency = 3\n").unwrap();
    let out = output({
        let mut c = faultline();
        c.arg("run").arg("--config").arg(&cfg);
        c
    });
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("concurency"),
        "{err}"
    );
}

#[test]
fn a_config_file_repeats_a_run() {
    let urls = start_store(1, false);
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    std::fs::write(
        &cfg,
        format!(
            "name = \"fromfile\"\nsut = \"http\"\nendpoints = [\"{}\"]\nnemesis = [\"none\"]\n\
             time-limit = 1\nrecovery-time = 0\nseed = 11\nworkload = \"append\"\nconcurrency = 2\n",
            urls[0]
        ),
    )
    .unwrap();
    // The test store has no append; the run still completes (every append fails).
    let out = output({
        let mut c = faultline();
        c.arg("run")
            .arg("--config")
            .arg(&cfg)
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    assert!(out.status.code().is_some());
    let dir = run_dir(tmp.path(), "fromfile");
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(
        config.contains("seed = 11") && config.contains("workload = \"append\""),
        "{config}"
    );
    assert_eq!(results_json(&dir)["config"]["concurrency"], 2);
}

/// `run` against the bundled cluster with short settings plus `extra`.
fn bundled_run(results: &Path, extra: &[&str]) -> Command {
    let mut c = faultline();
    c.args(["run", "--recovery-time", "1", "--nemesis-interval", "2"])
        .arg("--results-dir")
        .arg(results)
        .args(extra);
    c
}

#[test]
fn a_default_bundled_run_under_faults_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(tmp.path(), &["--time-limit", "6"]));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "cas-register");
    assert_eq!(results_json(&dir)["valid"], "valid");
    let h = history(&dir);
    assert!(
        h.iter().any(|e| e["process"] == "nemesis"),
        "no fault was recorded"
    );
    assert!(h.iter().filter(|e| e["type"] == "ok").count() > 50);
    // Node logs live in the run directory.
    assert!(dir.join("nodes/n1/log").exists());
}

#[test]
fn stale_reads_in_the_bundled_cluster_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--time-limit",
            "6",
            "--bug",
            "stale-reads",
            "--nemesis",
            "partition",
            "--name",
            "stale-reads",
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        results_json(&run_dir(tmp.path(), "stale-reads"))["valid"],
        "invalid"
    );
}

#[test]
fn test_count_repeats_with_consecutive_seeds() {
    let urls = start_store(1, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "rep",
            "--time-limit",
            "1",
            "--test-count",
            "2",
            "--seed",
            "5",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let mut seeds: Vec<u64> = std::fs::read_dir(tmp.path().join("rep"))
        .unwrap()
        .map(|e| results_json(&e.unwrap().path())["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    assert_eq!(seeds, vec![5, 6]);
}
