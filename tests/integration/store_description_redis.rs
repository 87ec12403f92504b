//! The Redis example of docs/systems-under-test.md, for real: a primary and
//! two replicas (redis-server, `--replicaof`) on 127.0.0.1, each behind
//! webdis, driven through `docs/examples/redis/redis.toml`. Reads from any
//! node are caught as stale while the partition commands stop a replica's
//! replication; reads from the primary alone stay linearizable; the primary
//! is found by the description's `[leader]` query, not by its position.

use crate::requirements::{Need, have};
use crate::run_support::{
    client_events, faultline, history, output, phase_start, results_json, run_dir, verdict,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The example's webdis ports, primary first; each redis-server listens
/// 1000 below (the example script's convention).
const EXAMPLE_PORTS: [u16; 3] = [17379, 17380, 17381];

/// Processes this test started, killed and reaped on every exit path.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Three webdis ports whose redis ports (1000 below) are free too.
fn free_ports() -> [u16; 3] {
    let mut found = Vec::new();
    for _ in 0..200 {
        if found.len() == 3 {
            break;
        }
        let Ok(redis) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(port) = redis.local_addr().map(|a| a.port()) else {
            continue;
        };
        let Some(webdis) = port.checked_add(1000) else {
            continue;
        };
        // Held until all three are chosen, so no pair is picked twice.
        if let Ok(w) = TcpListener::bind(("127.0.0.1", webdis)) {
            found.push((webdis, redis, w));
        }
    }
    assert_eq!(found.len(), 3, "no three free port pairs on 127.0.0.1");
    [found[0].0, found[1].0, found[2].0]
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let begun = Instant::now();
    while !ready() {
        assert!(
            begun.elapsed() < Duration::from_secs(20),
            "{what} not ready after 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Starts the primary on `webdis[0] - 1000`, replicas on the others, and a
/// webdis in front of each; returns once both replicas are in sync.
fn start_redis(dir: &Path, webdis: [u16; 3], procs: &mut Processes) {
    let primary = webdis[0] - 1000;
    for (i, w) in webdis.iter().enumerate() {
        let port = w - 1000;
        let data = dir.join(format!("redis-{port}"));
        std::fs::create_dir_all(&data).unwrap();
        let mut c = Command::new("redis-server");
        c.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            // A replica's full sync starts at once instead of after 5 s.
            .args(["--repl-diskless-sync-delay", "0"])
            .arg("--dir")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if i > 0 {
            c.args(["--replicaof", "127.0.0.1", &primary.to_string()]);
        }
        procs.0.push(c.spawn().expect("starting redis-server"));
        let config = dir.join(format!("webdis-{w}.json"));
        let json = serde_json::json!({
            "redis_host": "127.0.0.1",
            "redis_port": port,
            "http_host": "127.0.0.1",
            "http_port": w,
            "threads": 2,
            "pool_size": 8,
            "daemonize": false,
            "database": 0,
            "verbosity": 3,
            "logfile": dir.join(format!("webdis-{w}.log")),
        });
        std::fs::write(&config, json.to_string()).unwrap();
        let child = Command::new("webdis")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting webdis");
        procs.0.push(child);
    }
    for w in webdis {
        wait_until(&format!("redis-server on {}", w - 1000), || {
            redis_cli(w - 1000, &["PING"]).trim() == "PONG"
        });
        wait_until(&format!("webdis on {w}"), || {
            http_get(w, "/PING").contains("PONG")
        });
    }
    for w in &webdis[1..] {
        wait_until(&format!("replica on {}", w - 1000), || {
            redis_cli(w - 1000, &["ROLE"])
                .lines()
                .any(|l| l.trim() == "connected")
        });
    }
}

/// The example with its ports replaced by `webdis`, and the read's endpoint by `read_from`.
fn example(dir: &Path, webdis: [u16; 3], read_from: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("docs/examples/redis/redis.toml")).unwrap();
    for (old, new) in EXAMPLE_PORTS.iter().zip(webdis) {
        text = text.replace(&old.to_string(), &new.to_string());
    }
    let text = text.replacen(
        "endpoint = \"any\"",
        &format!("endpoint = \"{read_from}\""),
        1,
    );
    let path = dir.join(format!("redis-{read_from}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A short run against the example with `extra` flags (the nemesis and
/// time limit); returns the exit code and the run's directory.
fn run(
    results: &Path,
    store: &Path,
    webdis: [u16; 3],
    name: &str,
    extra: &[&str],
) -> (Option<i32>, PathBuf) {
    // The primary is n2, so only the [leader] query can send writes to it.
    let endpoints: Vec<String> = [webdis[1], webdis[0], webdis[2]]
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let mut c = faultline();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--sut", "described", "--workload", "register"])
        .args(["--recovery-time", "1", "--seed", "3"])
        .args(["--name", name])
        .arg("--store")
        .arg(store)
        .arg("--endpoints")
        .arg(endpoints.join(","))
        .arg("--results-dir")
        .arg(results)
        .args(extra);
    let out = output(c);
    (out.status.code(), run_dir(results, name))
}

/// Partitions every other second for 5 s.
const PARTITIONS: &[&str] = &[
    "--nemesis",
    "partition",
    "--nemesis-interval",
    "1",
    "--time-limit",
    "5",
];

/// The nodes the completions of `f` name. An operation that was never sent
/// names none (a write while no node answered the leader query, e.g. while
/// webdis answered 503 at the start) and is left out.
fn nodes_of(events: &[Value], f: &str) -> BTreeSet<String> {
    client_events(events)
        .into_iter()
        .filter(|e| e["f"] == f && e["type"] != "invoke")
        .filter_map(|e| e["node"].as_str().map(str::to_string))
        .collect()
}

/// webdis's answer to `GET path`, over a plain HTTP/1.0 request.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(s, "GET {path} HTTP/1.0\r\n\r\n").is_err() {
        return String::new();
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn replica_reads_are_caught_stale_and_primary_reads_are_not() {
    if !have(
        Need::Redis,
        "replica_reads_are_caught_stale_and_primary_reads_are_not",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let webdis = free_ports();
    let mut procs = Processes(Vec::new());
    start_redis(tmp.path(), webdis, &mut procs);

    let store = example(tmp.path(), webdis, "any");
    let (code, dir) = run(tmp.path(), &store, webdis, "replicas", PARTITIONS);
    let results = results_json(&dir);
    assert_eq!(
        verdict(&results, "linearizable")["valid"],
        "invalid",
        "{}",
        results["verdicts"][0]["summary"]
    );
    assert_ne!(code, Some(0));
    let events = history(&dir);
    // Every write went to the primary (n2): none was refused READONLY by a replica.
    assert_eq!(
        nodes_of(&events, "write"),
        BTreeSet::from(["n2".to_string()])
    );
    assert!(
        !events
            .iter()
            .any(|e| e["error"].as_str().is_some_and(|t| t.contains("READONLY"))),
        "a write reached a replica"
    );
    assert!(
        nodes_of(&events, "read").len() > 1,
        "reads stayed on one node"
    );
    let cuts: Vec<&Value> = events
        .iter()
        .filter(|e| e["f"] == "start-partition")
        .collect();
    assert!(!cuts.is_empty(), "no partition was injected");
    assert!(cuts.iter().all(|e| e["value"]["backend"] == "user-command"));
    // isolate-leader isolated the primary, found by the [leader] query.
    let leader_cuts: Vec<&Value> = cuts
        .iter()
        .filter(|e| e["value"]["kind"] == "isolate-leader")
        .map(|e| &e["value"]["leader"])
        .collect();
    assert!(
        !leader_cuts.is_empty(),
        "seed 3 draws isolate-leader: {cuts:?}"
    );
    assert!(leader_cuts.iter().all(|l| *l == "n2"), "{leader_cuts:?}");
    // Healed: both replicas follow the primary again.
    for w in &webdis[1..] {
        let role = redis_cli(w - 1000, &["ROLE"]);
        assert!(
            role.contains(&(webdis[0] - 1000).to_string()),
            "replica on {} not healed: {role}",
            w - 1000
        );
    }

    let store = example(tmp.path(), webdis, "leader");
    let (code, dir) = run(tmp.path(), &store, webdis, "primary", PARTITIONS);
    let results = results_json(&dir);
    assert_eq!(
        verdict(&results, "linearizable")["valid"],
        "valid",
        "{}",
        results["verdicts"][0]["summary"]
    );
    assert_eq!(code, Some(0));
    let events = history(&dir);
    assert_eq!(
        nodes_of(&events, "read"),
        BTreeSet::from(["n2".to_string()])
    );
    assert_eq!(
        nodes_of(&events, "write"),
        BTreeSet::from(["n2".to_string()])
    );

    // --balance leader sends what has no endpoint of its own to the leader.
    let store = example(tmp.path(), webdis, "any");
    let (code, dir) = run(
        tmp.path(),
        &store,
        webdis,
        "balanced",
        &[
            "--balance",
            "leader",
            "--nemesis",
            "none",
            "--time-limit",
            "1",
        ],
    );
    assert_eq!(code, Some(0));
    // The final reads ask every node on purpose; the main phase's went to the leader.
    let finals = phase_start(&results_json(&dir), "final-reads").unwrap_or(u64::MAX);
    let main: Vec<Value> = history(&dir)
        .into_iter()
        .filter(|e| e["time"].as_u64().is_some_and(|t| t < finals))
        .collect();
    assert_eq!(nodes_of(&main, "read"), BTreeSet::from(["n2".to_string()]));
}
