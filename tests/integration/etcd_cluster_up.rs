//! `faultline cluster up --sut etcd` starts real etcd members that a run can
//! test as a described store, with pause/resume through the description's
//! per-node commands (acting on the pid files the launcher writes).

use crate::requirements::{Need, have};
use faultline_workloads::client::{Endpoint, StoreDescription};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A `cluster up` process, stopped with SIGINT (so it kills its members) on drop.
struct Up {
    child: Child,
    lines: Vec<String>,
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_base_port(n: u16) -> u16 {
    for attempt in 0..200u16 {
        let base = 20_000 + (std::process::id() as u16 % 1000) * 30 + attempt * 7;
        if (0..n).all(|k| std::net::TcpListener::bind(("127.0.0.1", base + k)).is_ok()) {
            return base;
        }
    }
    panic!("no free ports");
}

/// Starts `cluster up --sut etcd` and waits (bounded) for its `endpoints:` line.
fn cluster_up(dir: &Path) -> (Up, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["cluster", "up", "--sut", "etcd", "--nodes", "3"])
        .arg("--data-dir")
        .arg(dir)
        .arg("--base-port")
        .arg(free_base_port(6).to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut up = Up {
        child,
        lines: Vec::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no endpoints line; got {:?}", up.lines));
        up.lines.push(line.clone());
        if let Some(list) = line.strip_prefix("endpoints: ") {
            let urls = list.split(',').map(str::to_string).collect();
            return (up, urls);
        }
    }
}

#[test]
fn a_described_run_against_cluster_up_pauses_members_through_commands() {
    if !have(
        Need::Etcd,
        "a_described_run_against_cluster_up_pauses_members_through_commands",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("etcd");
    let (up, urls) = cluster_up(&data);
    assert_eq!(urls.len(), 3);
    assert!(
        up.lines.iter().any(|l| l.starts_with("leader: n")),
        "{:?}",
        up.lines
    );
    for n in ["n1", "n2", "n3"] {
        assert!(data.join(n).join("pid").exists(), "{n} has no pid file");
        assert!(data.join(n).join("log").exists(), "{n} has no log");
    }

    let shipped: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/etcd.toml");
    // The shipped description's [leader] query (each member's status, the
    // one naming itself) finds the member cluster up reports as leader.
    let description = StoreDescription::from_file(&shipped).unwrap();
    let query = description.leader.clone().expect("a [leader] table");
    let endpoints: Vec<Endpoint> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| Endpoint::new(format!("n{}", i + 1), u.clone()))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let found =
        runtime.block_on(query.find(&reqwest::Client::new(), &description.headers, &endpoints));
    let printed = up
        .lines
        .iter()
        .find_map(|l| l.strip_prefix("leader: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap();
    assert_eq!(
        found.map(|i| endpoints[i].name.as_str()),
        Some(printed),
        "{:?}",
        up.lines
    );

    // The shipped etcd description with its commented pause/resume commands
    // (kill -STOP/-CONT on the pid files) switched on.
    let text = std::fs::read_to_string(shipped)
        .unwrap()
        .replace("# [commands]", "[commands]")
        .replace("# pause = ", "pause = ")
        .replace("# resume = ", "resume = ");
    let store = tmp.path().join("etcd-with-commands.toml");
    std::fs::write(&store, text).unwrap();

    let results = tmp.path().join("results");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .env("FAULTLINE_ETCD_DIR", &data)
        .args(["run", "--sut", "described", "--name", "described-etcd"])
        .arg("--store")
        .arg(&store)
        .arg("--endpoints")
        .arg(urls.join(","))
        .args([
            "--nemesis",
            "pause",
            "--nemesis-interval",
            "2",
            "--time-limit",
            "6",
            "--recovery-time",
            "1",
        ])
        .arg("--results-dir")
        .arg(&results)
        .output()
        .unwrap();
    eprintln!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    let dir = std::fs::read_dir(results.join("described-etcd"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let history: Vec<Value> = std::fs::read_to_string(dir.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let faults: Vec<&str> = history
        .iter()
        .filter(|e| e["process"] == "nemesis")
        .filter_map(|e| e["f"].as_str())
        .collect();
    assert!(faults.contains(&"pause"), "{faults:?}");
    assert!(faults.contains(&"resume"), "{faults:?}");
    let oks = history.iter().filter(|e| e["type"] == "ok").count();
    assert!(oks > 50, "{oks} ok operations");
    drop(up);
}

#[test]
fn a_described_run_refuses_faults_its_description_cannot_inject() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/etcd.toml");
    for (nemesis, expected) in [
        ("partition", "needs the partition and heal commands"),
        ("latency", "needs the latency and latency-heal commands"),
        ("kill", "needs the kill and start commands"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["run", "--sut", "described", "--nemesis", nemesis])
            .arg("--store")
            .arg(&shipped)
            .arg("--results-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["run", "--sut", "described", "--nemesis", "none"])
        .arg("--results-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("needs --store FILE"), "{stderr}");
}
