//! Shared parts of the `faultline run` end-to-end tests: test-owned HTTP
//! stores speaking docs/DESIGN.md's protocol (served by the test process with axum
//! on a background runtime), and helpers to run `faultline` and read its
//! results.

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Map = HashMap<String, Value>;

/// How a test store behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOptions {
    /// Number of endpoints (all share one primary map).
    pub nodes: usize,
    /// Reads come from a per-node copy that lags the primary by ~300 ms:
    /// deliberately not linearizable.
    pub stale: bool,
    /// Only node 0 serves; the others answer `503 not_leader` with its URL.
    pub leader_only: bool,
    /// Every n-th request is applied and then answered only after 1.5 s,
    /// longer than the tests' request timeout, so its client sees `info`.
    pub slow_every: Option<u64>,
    /// `POST /txn` applies its operations one at a time with a pause between
    /// them, so a concurrent transaction sees half of it: not atomic.
    pub torn_txns: bool,
    /// Every n-th `POST /txn` that writes is acknowledged but not applied.
    pub lose_txn_every: Option<u64>,
    /// Every cas is refused (400) without looking at the value: reads and
    /// writes are fine, cas is never tested.
    pub refuse_cas: bool,
    /// Speaks another protocol: every request is answered
    /// `200 {"error":"unknown command"}`.
    pub foreign: bool,
}

impl StoreOptions {
    /// A correct store with `nodes` endpoints.
    pub fn good(nodes: usize) -> StoreOptions {
        StoreOptions {
            nodes,
            ..StoreOptions::default()
        }
    }
}

/// One node of a test store.
#[derive(Clone)]
struct Node {
    primary: Arc<Mutex<Map>>,
    /// `None`: reads go to the primary (linearizable). `Some`: a lagging copy.
    replica: Option<Arc<Mutex<Map>>>,
    /// `Some(url)` when this node is not the leader.
    leader: Option<String>,
    slow_every: Option<u64>,
    requests: Arc<AtomicU64>,
    torn_txns: bool,
    lose_txn_every: Option<u64>,
    txn_writes: Arc<AtomicU64>,
    refuse_cas: bool,
}

impl Node {
    /// The answer a non-leader gives, if this node is one.
    fn redirect(&self) -> Option<Response> {
        self.leader.as_ref().map(|l| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "not_leader", "leader": l})),
            )
                .into_response()
        })
    }

    /// Delays the answer of every n-th request (after it took effect).
    async fn maybe_slow(&self) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(every) = self.slow_every
            && n.is_multiple_of(every)
        {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
    }
}

fn lock(m: &Mutex<Map>) -> std::sync::MutexGuard<'_, Map> {
    m.lock().unwrap()
}

async fn read(State(n): State<Node>, UrlPath(k): UrlPath<String>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    let v = lock(n.replica.as_ref().unwrap_or(&n.primary))
        .get(&k)
        .cloned();
    n.maybe_slow().await;
    match v {
        Some(v) => Json(json!({ "value": v })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
    }
}

async fn write(
    State(n): State<Node>,
    UrlPath(k): UrlPath<String>,
    Json(b): Json<Value>,
) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    lock(&n.primary).insert(k, b["value"].clone());
    n.maybe_slow().await;
    Json(json!({"ok": true})).into_response()
}

async fn cas(State(n): State<Node>, UrlPath(k): UrlPath<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    if n.refuse_cas {
        // A refusal, not a failed comparison: nothing was compared.
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "cas is not supported"})),
        )
            .into_response();
    }
    let swapped = {
        let mut m = lock(&n.primary);
        let matches = m.get(&k).unwrap_or(&Value::Null) == &b["from"];
        if matches {
            m.insert(k, b["to"].clone());
        }
        matches
    };
    n.maybe_slow().await;
    if swapped {
        Json(json!({"ok": true})).into_response()
    } else {
        (
            StatusCode::CONFLICT,
            Json(json!({"error": "precondition_failed"})),
        )
            .into_response()
    }
}

async fn append(
    State(n): State<Node>,
    UrlPath(k): UrlPath<String>,
    Json(b): Json<Value>,
) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    {
        let mut m = lock(&n.primary);
        let list = m.entry(k).or_insert_with(|| json!([]));
        if let Some(items) = list.as_array_mut() {
            items.push(b["value"].clone());
        }
    }
    n.maybe_slow().await;
    Json(json!({"ok": true})).into_response()
}

/// Applies transaction operations to `m` (docs/DESIGN.md's `/txn`: read, write,
/// add that aborts below zero); `None` = aborted, and `m` is then unchanged.
fn apply_txn(m: &mut Map, ops: &[Value]) -> Option<Vec<Value>> {
    let mut scratch = m.clone();
    let mut results = Vec::new();
    for op in ops {
        let key = op["key"].as_str().unwrap_or_default().to_string();
        let current = scratch.get(&key).cloned().unwrap_or(Value::Null);
        let value = match op["f"].as_str() {
            Some("write") => op["value"].clone(),
            Some("add") => {
                let sum = current.as_i64().unwrap_or(0) + op["delta"].as_i64().unwrap_or(0);
                if sum < 0 {
                    return None;
                }
                json!(sum)
            }
            _ => {
                results.push(json!({"f": op["f"], "key": key, "value": current}));
                continue;
            }
        };
        scratch.insert(key.clone(), value.clone());
        results.push(json!({"f": op["f"], "key": key, "value": value}));
    }
    *m = scratch;
    Some(results)
}

async fn txn(State(n): State<Node>, Json(b): Json<Value>) -> Response {
    if let Some(r) = n.redirect() {
        return r;
    }
    let ops = b["ops"].as_array().cloned().unwrap_or_default();
    let writes = ops.iter().any(|o| o["f"] != "read");
    let lost = writes
        && n.lose_txn_every.is_some_and(|every| {
            (n.txn_writes.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(every)
        });
    let results = if lost {
        // Answered as if applied, against a copy that is thrown away.
        apply_txn(&mut lock(&n.primary).clone(), &ops)
    } else if n.torn_txns {
        let mut all = Vec::new();
        for op in &ops {
            let r = apply_txn(&mut lock(&n.primary), std::slice::from_ref(op));
            match r {
                Some(r) => all.extend(r),
                None => {
                    all.clear();
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        (all.len() == ops.len()).then_some(all)
    } else {
        apply_txn(&mut lock(&n.primary), &ops)
    };
    n.maybe_slow().await;
    match results {
        Some(results) => Json(json!({ "results": results })).into_response(),
        None => (StatusCode::CONFLICT, Json(json!({"error": "aborted"}))).into_response(),
    }
}

/// Starts a store; returns its endpoint URLs. It lives as long as the test process.
pub fn start_store(opts: StoreOptions) -> Vec<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let primary: Arc<Mutex<Map>> = Arc::default();
            let requests: Arc<AtomicU64> = Arc::default();
            let txn_writes: Arc<AtomicU64> = Arc::default();
            let mut listeners = Vec::new();
            for _ in 0..opts.nodes {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                listeners.push(l);
            }
            let urls: Vec<String> = listeners
                .iter()
                .map(|l| format!("http://{}", l.local_addr().unwrap()))
                .collect();
            for (i, l) in listeners.into_iter().enumerate() {
                let replica = opts.stale.then(|| Arc::new(Mutex::new(Map::new())));
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
                    leader: (opts.leader_only && i > 0).then(|| urls[0].clone()),
                    slow_every: opts.slow_every,
                    requests: requests.clone(),
                    torn_txns: opts.torn_txns,
                    lose_txn_every: opts.lose_txn_every,
                    refuse_cas: opts.refuse_cas,
                    txn_writes: txn_writes.clone(),
                };
                if opts.foreign {
                    let app = Router::new().fallback(|| async {
                        Json(json!({"error": "unknown command"})).into_response()
                    });
                    tokio::spawn(async move { axum::serve(l, app).await });
                    continue;
                }
                let app = Router::new()
                    .route("/kv/{key}", get(read).put(write))
                    .route("/kv/{key}/cas", post(cas))
                    .route("/kv/{key}/append", post(append))
                    .route("/txn", post(txn))
                    .with_state(node);
                tokio::spawn(async move { axum::serve(l, app).await });
            }
            tx.send(urls).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
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
