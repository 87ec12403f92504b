//! `faultline cluster up`: real node processes on 127.0.0.1, driven over
//! HTTP, stopped by Ctrl-C with nothing left running.

use crate::run_support::cluster_up as up;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One HTTP/1.1 request over a fresh connection; returns status and JSON body.
fn http(url: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let payload = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

#[test]
fn cluster_up_serves_replicates_shows_status_and_stops_on_ctrl_c() {
    let tmp = tempfile::tempdir().unwrap();
    // Lines up to "running": node URLs and the leader.
    let (mut guard, base, urls, other) = up(tmp.path(), &[]);
    let leader = other
        .iter()
        .find_map(|l| l.strip_prefix("leader: "))
        .map(str::to_string);
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert_eq!(urls[0].1, format!("http://127.0.0.1:{}", base + 1));
    let leader = leader.expect("no leader printed");

    // A write through any node is readable through every other.
    let (code, _) = http(&urls[0].1, "PUT", "/kv/x", Some(r#"{"value":41}"#));
    assert_eq!(code, 200);
    for (_, url) in &urls {
        let (code, body) = http(url, "GET", "/kv/x", None);
        assert_eq!((code, &body["value"]), (200, &Value::from(41)), "{url}");
    }

    // /status names the node, its role, term, commit index and the leader.
    // A follower learns the commit index with the next heartbeat, which a
    // loaded machine may delay: poll for it.
    let begun = Instant::now();
    let status = loop {
        let (_, status) = http(&urls[1].1, "GET", "/status", None);
        if status["commit_index"].as_u64().unwrap() >= 2 {
            break status;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(10),
            "commit index never reached 2: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status["id"], urls[1].0.as_str());
    assert!(status["term"].as_u64().unwrap() >= 1, "{status}");
    assert!(status["role"].is_string(), "{status}");
    assert_eq!(status["leader"], leader.as_str(), "{status}");

    // Ctrl-C stops every node; each kept its log under the data dir.
    let child = &mut guard.0;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let begun = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(20),
            "no exit on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    for (id, url) in &urls {
        assert!(tmp.path().join(id).join("log").exists(), "{id} has no log");
        let addr = url.trim_start_matches("http://");
        assert!(
            TcpStream::connect(addr).is_err(),
            "{id} still accepts connections"
        );
    }
}

#[test]
fn cluster_up_in_paxos_mode_serves_without_a_leader() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, _, urls, other) = up(tmp.path(), &["--mode", "paxos"]);
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert!(
        other.iter().any(|l| l.contains("mode paxos: no leader")),
        "{other:?}"
    );
    let (code, _) = http(&urls[2].1, "PUT", "/kv/x", Some(r#"{"value":41}"#));
    assert_eq!(code, 200);
    let (code, _) = http(
        &urls[0].1,
        "POST",
        "/kv/x/cas",
        Some(r#"{"from":41,"to":42}"#),
    );
    assert_eq!(code, 200);
    for (_, url) in &urls {
        let (code, body) = http(url, "GET", "/kv/x", None);
        assert_eq!((code, &body["value"]), (200, &Value::from(42)), "{url}");
    }
    let (_, status) = http(&urls[1].1, "GET", "/status", None);
    assert_eq!(status["mode"], "paxos", "{status}");
    assert_eq!(status["leader"], Value::Null, "{status}");
}

#[test]
fn raft_bugs_are_refused_in_paxos_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args([
            "cluster",
            "up",
            "--mode",
            "paxos",
            "--bug",
            "stale-reads",
            "--base-port",
            "0",
        ])
        .arg("--data-dir")
        .arg(tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stale-reads is a Raft bug"), "{stderr}");
}

#[test]
fn cluster_up_gossip_has_no_leader_and_spreads_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (guard, _, urls, other) = up(
        tmp.path(),
        &[
            "--mode",
            "gossip",
            "--fanout",
            "1",
            "--gossip-interval",
            "50",
        ],
    );
    assert!(
        other.iter().any(|l| l.contains("mode gossip: no leader")),
        "{other:?}"
    );
    let (_, status) = http(&urls[2].1, "GET", "/status", None);
    assert_eq!(status["mode"], "gossip", "{status}");
    assert!(status["leader"].is_null(), "{status}");
    assert_eq!(status["fanout"], 1, "{status}");
    assert_eq!(status["gossip_interval_ms"], 50, "{status}");

    let (code, _) = http(&urls[0].1, "PUT", "/kv/x", Some(r#"{"value":7}"#));
    assert_eq!(code, 200);
    for (id, url) in &urls {
        let begun = Instant::now();
        loop {
            let (code, body) = http(url, "GET", "/kv/x", None);
            if code == 200 {
                assert_eq!(body["value"], 7, "{id}");
                break;
            }
            assert!(
                begun.elapsed() < Duration::from_secs(20),
                "{id} never saw the write"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(guard);
}

#[test]
fn base_port_zero_puts_every_node_on_a_free_port() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, _, urls, _) = up(tmp.path(), &["--base-port", "0"]);
    assert_eq!(urls.len(), 3, "{urls:?}");
    for (id, url) in &urls {
        let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
        assert!(port > 1024, "{id} listens on {url}");
        let (code, status) = http(url, "GET", "/status", None);
        assert_eq!((code, status["id"].as_str()), (200, Some(id.as_str())));
    }
}
