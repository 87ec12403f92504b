//! Crash recovery and catch-up: kill -9, restart, snapshots, minorities.

use crate::common;

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_nodes_killed_keep_every_acknowledged_write() {
    let tc = common::start(3, &[], &[]);
    for i in 0..30 {
        tc.put_acked(&format!("k{i}"), json!(i)).await;
    }
    for id in tc.cluster.node_ids() {
        tc.cluster.kill(&id).unwrap();
    }
    for id in tc.cluster.node_ids() {
        tc.cluster.restart(&id).unwrap();
    }
    for i in 0..30 {
        assert_eq!(tc.read_acked(&format!("k{i}")).await, Some(json!(i)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_follower_catches_up_from_the_log() {
    let tc = common::start(3, &[], &[]);
    let leader = tc.leader();
    let lagger = tc.followers(&leader)[0].clone();
    tc.cluster.kill(&lagger).unwrap();
    for i in 0..30 {
        tc.put_acked(&format!("k{i}"), json!(i)).await;
    }
    tc.cluster.restart(&lagger).unwrap();
    tc.wait_local(&lagger, "k0", &json!(0)).await;
    tc.wait_local(&lagger, "k29", &json!(29)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_follower_catches_up_through_a_snapshot() {
    let tc = common::start(3, &[], &["--snapshot-threshold", "20"]);
    let leader = tc.leader();
    let lagger = tc.followers(&leader)[0].clone();
    tc.cluster.kill(&lagger).unwrap();
    for i in 0..100 {
        tc.put_acked(&format!("k{i}"), json!(i)).await;
    }
    let leader = tc.leader();
    let s = tc.cluster.status(&leader).unwrap();
    assert!(
        s["snapshot_index"].as_u64().unwrap() > 20,
        "leader did not compact: {s}"
    );
    tc.cluster.restart(&lagger).unwrap();
    tc.wait_local(&lagger, "k0", &json!(0)).await;
    tc.wait_local(&lagger, "k99", &json!(99)).await;
    let log = std::fs::read_to_string(tc.cluster.log_path(&lagger).unwrap()).unwrap();
    assert!(
        log.contains("installed snapshot from leader"),
        "follower caught up without InstallSnapshot"
    );
    // The compacted WAL stays small: far fewer records than writes.
    let wal = std::fs::metadata(tc.cluster.node_dir(&leader).unwrap().join("wal")).unwrap();
    assert!(
        wal.len() < 100 * 60,
        "WAL not compacted: {} bytes",
        wal.len()
    );
    // A restarted node recovers from its own snapshot + WAL too.
    tc.cluster.restart(&lagger).unwrap();
    tc.wait_local(&lagger, "k99", &json!(99)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minority_cannot_commit_or_serve_reads() {
    let tc = common::start(3, &[], &[]);
    tc.put_acked("k", json!(1)).await;
    let leader = tc.leader();
    for id in tc.followers(&leader) {
        tc.cluster.kill(&id).unwrap();
    }
    let code = tc.put(&leader, "k", json!(2)).await;
    assert_ne!(code, 200, "a lone node acknowledged a write");
    let (code, _) = tc.get(&leader, "k").await;
    assert_ne!(code, 200, "a lone node served a linearizable read");
    // Nothing the lone node accepted may have been applied.
    assert_eq!(tc.local(&leader, "k").await, Some(json!(1)));
}
