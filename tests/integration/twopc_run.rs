//! The sharded bundled cluster from the command line: `cluster up --shards`
//! prints each group and the coordinator and serves cross-shard `/txn`
//! through it; `run --shards` drives its workload through the coordinator
//! while kills and partitions hit every process, and stays valid.

use crate::run_support::{
    InterruptOnDrop, bundled_run, client_events, history, lines_of, output, results_json, run_dir,
};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_up_with_shards_serves_cross_shard_txns_through_the_coordinator() {
    let tmp = tempfile::tempdir().unwrap();
    let base = faultline_cluster::launcher::free_base_port(7);
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args([
            "cluster",
            "up",
            "--shards",
            "2",
            "--nodes",
            "3",
            "--base-port",
        ])
        .arg(base.to_string())
        .arg("--data-dir")
        .arg(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    let _up = InterruptOnDrop(child);
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let done = line.starts_with("running");
        lines.push(line);
        if done {
            break;
        }
    }
    let text = lines.join("\n");
    for want in [
        "shard 1:",
        "shard 2:",
        "s1n3: http",
        "s2n1: http",
        "coordinator c1: http",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let leaders = lines
        .iter()
        .find_map(|l| l.strip_prefix("leader: "))
        .expect("leaders printed");
    assert_eq!(leaders.split(", ").count(), 2, "{leaders}");
    let endpoint = lines
        .iter()
        .find_map(|l| l.strip_prefix("endpoints: "))
        .expect("endpoints printed")
        .to_string();
    assert_eq!(endpoint, format!("http://127.0.0.1:{}", base + 7));

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let txn = |ops: Value| {
        let req = http
            .post(format!("{endpoint}/txn"))
            .json(&json!({ "ops": ops }));
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Eight accounts land on both shards of the stable hash.
    let keys: Vec<String> = (0..8).map(|i| format!("a{i}")).collect();
    let writes: Vec<Value> = keys
        .iter()
        .map(|k| json!({"f": "write", "key": k, "value": 10}))
        .collect();
    assert_eq!(txn(Value::Array(writes)).await.0, 200);
    let (code, body) = txn(json!([
        {"f": "add", "key": "a0", "delta": -4},
        {"f": "add", "key": "a7", "delta": 4}
    ]))
    .await;
    assert_eq!(code, 200, "{body}");
    let reads: Vec<Value> = keys
        .iter()
        .map(|k| json!({"f": "read", "key": k}))
        .collect();
    let (code, body) = txn(Value::Array(reads)).await;
    assert_eq!(code, 200, "{body}");
    let balances: Vec<i64> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_i64().unwrap())
        .collect();
    assert_eq!(balances[0], 6);
    assert_eq!(balances[7], 14);
    assert_eq!(balances.iter().sum::<i64>(), 80);
    let status: Value = http
        .get(format!("{endpoint}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["role"], "coordinator", "{status}");
    assert_eq!(status["shards"], 2, "{status}");
}

#[test]
fn run_with_shards_goes_through_the_coordinator_and_faults_reach_every_process() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output({
        let mut c = bundled_run(
            tmp.path(),
            &[
                "--name",
                "shards",
                "--shards",
                "2",
                "--nodes",
                "3",
                "--workload",
                "cas-register",
                "--nemesis",
                "partition,kill",
                "--time-limit",
                "8",
                "--seed",
                "1",
            ],
        );
        c.stdin(Stdio::null());
        c
    });
    assert_eq!(out.status.code(), Some(0), "run not valid");
    let dir = run_dir(tmp.path(), "shards");
    let results = results_json(&dir);
    assert_eq!(results["valid"], "valid", "{results}");
    let events = history(&dir);
    let clients = client_events(&events);
    let ok: Vec<&&Value> = clients.iter().filter(|e| e["type"] == "ok").collect();
    assert!(!ok.is_empty(), "no operation succeeded");
    assert!(
        ok.iter().all(|e| e["node"] == "c1"),
        "a client bypassed the coordinator"
    );
    let nodes_dir = dir.join("nodes");
    for id in ["s1n1", "s2n3", "c1"] {
        assert!(nodes_dir.join(id).is_dir(), "no nodes/{id}");
    }
    // The faults know the coordinator as a process like any other: every
    // partition places it with some shard nodes (in a group, or in the
    // views of a majorities-ring), and seed 1's schedule kills it with the
    // rest (if schedules are drawn differently one day, pick a seed that
    // does).
    let faults: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["process"] == "nemesis"
                && e["f"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("start") || f == "kill")
        })
        .collect();
    let partitions: Vec<&&Value> = faults
        .iter()
        .filter(|e| e["f"] == "start-partition")
        .collect();
    assert!(!partitions.is_empty(), "no partition: {faults:?}");
    assert!(
        partitions.iter().all(|e| {
            let placed = if e["value"]["kind"] == "majorities-ring" {
                &e["value"]["views"]
            } else {
                &e["value"]["groups"]
            };
            placed.to_string().contains("\"c1\"")
        }),
        "{partitions:?}"
    );
    assert!(
        faults
            .iter()
            .any(|e| e["f"] == "kill" && e["value"]["nodes"].to_string().contains("\"c1\"")),
        "seed 1 no longer kills the coordinator: {faults:?}"
    );
}
