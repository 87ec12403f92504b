//! Partitions through a test-owned TCP forwarder between every pair of nodes.

use crate::common;

use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_isolated_leader_cannot_commit_and_rejoins_without_disruption() {
    let (tc, mesh) = common::start_with_mesh(3, &[]).await;
    tc.put_acked("k", json!(1)).await;
    let old = tc.leader();
    mesh.isolate(&old, true);

    // The majority side elects a new leader and keeps committing.
    let deadline = Instant::now() + common::SOON;
    let new = loop {
        let found = tc
            .followers(&old)
            .into_iter()
            .find(|id| tc.cluster.status(id).is_some_and(|s| s["role"] == "leader"));
        if let Some(id) = found {
            break id;
        }
        assert!(Instant::now() < deadline, "majority side elected no leader");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(tc.put(&new, "k", json!(2)).await, 200);

    // The minority side must not acknowledge anything or serve reads.
    assert_ne!(tc.put(&old, "k", json!(3)).await, 200);
    assert_ne!(tc.get(&old, "k").await.0, 200);

    let new_term = tc.cluster.status(&new).unwrap()["term"].as_u64().unwrap();
    mesh.isolate(&old, false);
    for id in tc.cluster.node_ids() {
        tc.wait_local(&id, "k", &json!(2)).await;
    }
    // Pre-vote: the returning node did not inflate terms and depose the leader.
    let s = tc.cluster.status(&new).unwrap();
    assert_eq!(
        s["role"], "leader",
        "rejoining node disrupted the leader: {s}"
    );
    assert_eq!(s["term"].as_u64().unwrap(), new_term);
    assert_eq!(tc.read_acked("k").await, Some(json!(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_term_check_keeps_a_deposed_leader_leading_after_heal() {
    let (tc, mesh) = common::start_with_mesh(3, &[faultline_cluster::Bug::NoTermCheck]).await;
    tc.put_acked("k", json!(1)).await;
    let old = tc.leader();
    mesh.isolate(&old, true);
    let deadline = Instant::now() + common::SOON;
    let new = loop {
        let found = tc
            .followers(&old)
            .into_iter()
            .find(|id| tc.cluster.status(id).is_some_and(|s| s["role"] == "leader"));
        if let Some(id) = found {
            break id;
        }
        assert!(Instant::now() < deadline, "majority side elected no leader");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    mesh.isolate(&old, false);
    // Correct Raft would have the old leader follow within a heartbeat; with
    // the bug it keeps leading and acknowledging writes next to the new one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tc.cluster.status(&old).unwrap()["role"], "leader");
    assert_eq!(tc.put(&old, "k", json!(3)).await, 200);
    assert_eq!(tc.cluster.status(&new).unwrap()["role"], "leader");
}
