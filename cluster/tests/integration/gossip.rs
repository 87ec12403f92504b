//! Gossip mode with real node processes: local writes spread to every node,
//! concurrent and partitioned writes converge on the last write, and fsynced
//! writes survive kill -9.

use crate::common;

use faultline_cluster::NodeId;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn n(i: usize) -> NodeId {
    NodeId::nth(i)
}

/// Waits until every node holds the same present value of `key`; returns it.
async fn converged(tc: &common::TestCluster, key: &str) -> Value {
    let deadline = Instant::now() + common::SOON;
    loop {
        let mut seen = Vec::new();
        for id in tc.cluster.node_ids() {
            seen.push(tc.local(&id, key).await);
        }
        if let Some(Some(first)) = seen.first()
            && seen.iter().all(|v| v.as_ref() == Some(first))
        {
            return first.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{key} did not converge within {:?}: {seen:?}",
            common::SOON
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_becomes_readable_on_every_node() {
    let tc = common::start_gossip(3, &[]);
    assert_eq!(tc.put(&n(1), "k", json!("v1")).await, 200);
    // Acknowledged locally without any peer: readable there at once.
    assert_eq!(tc.get(&n(1), "k").await, (200, json!({"value": "v1"})));
    for id in tc.cluster.node_ids() {
        tc.wait_local(&id, "k", &json!("v1")).await;
    }
    let status = tc.cluster.status(&n(2)).unwrap();
    assert_eq!(status["mode"], "gossip");
    assert!(status["leader"].is_null(), "{status}");
    assert_eq!(tc.cluster.leader(), None, "gossip has no leader");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_on_different_nodes_converge_to_one_value() {
    let tc = common::start_gossip(3, &[]);
    for round in 0..5 {
        let key = format!("k{round}");
        let (n1, n2, n3) = (n(1), n(2), n(3));
        let (a, b, c) = tokio::join!(
            tc.put(&n1, &key, json!(format!("a{round}"))),
            tc.put(&n2, &key, json!(format!("b{round}"))),
            tc.put(&n3, &key, json!(format!("c{round}"))),
        );
        assert_eq!((a, b, c), (200, 200, 200));
        let winner = converged(&tc, &key).await;
        let candidates = [
            json!(format!("a{round}")),
            json!(format!("b{round}")),
            json!(format!("c{round}")),
        ];
        assert!(candidates.contains(&winner), "{winner} was never written");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_both_sides_of_a_partition_converge_on_the_later_write_after_heal() {
    let (tc, mesh) = common::start_gossip_with_mesh(3, &[]).await;
    mesh.isolate(&n(1), true);
    // Both sides keep accepting writes: no quorum is needed.
    assert_eq!(tc.put(&n(1), "only-n1", json!(1)).await, 200);
    assert_eq!(tc.put(&n(1), "both", json!("minority")).await, 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(tc.put(&n(2), "both", json!("majority-later")).await, 200);
    assert_eq!(tc.put(&n(3), "only-n3", json!(3)).await, 200);
    tc.wait_local(&n(2), "only-n3", &json!(3)).await;
    // Many gossip intervals later, the cut-off side still reads its own value:
    // a stale read no linearizable store would give.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(tc.local(&n(1), "both").await, Some(json!("minority")));
    assert_eq!(tc.local(&n(1), "only-n3").await, None);
    assert_eq!(tc.local(&n(2), "only-n1").await, None);

    mesh.isolate(&n(1), false);
    assert_eq!(converged(&tc, "both").await, json!("majority-later"));
    assert_eq!(converged(&tc, "only-n1").await, json!(1));
    assert_eq!(converged(&tc, "only-n3").await, json!(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_keeps_its_acknowledged_writes() {
    // Gossip once a minute: whatever the node has after the restart came from its own disk.
    let tc = common::start_gossip(3, &["--gossip-interval", "60000"]);
    // Let the immediate first round pass so no exchange overlaps the writes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for i in 0..20 {
        assert_eq!(tc.put(&n(2), &format!("k{i}"), json!(i)).await, 200);
    }
    let cas = tc
        .http
        .post(format!("{}/kv/k0/cas", tc.url(&n(2))))
        .json(&json!({"from": 0, "to": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(cas.status().as_u16(), 200);
    for id in tc.cluster.node_ids() {
        tc.cluster.kill(&id).unwrap();
    }
    tc.cluster.restart(&n(2)).unwrap();
    assert_eq!(tc.local(&n(2), "k0").await, Some(json!(100)));
    for i in 1..20 {
        assert_eq!(
            tc.local(&n(2), &format!("k{i}")).await,
            Some(json!(i)),
            "k{i} lost"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_larger_than_the_default_body_limit_still_spreads() {
    // Every exchange carries the whole store; past axum's default 2 MB body
    // limit anti-entropy used to stop without a word.
    let tc = common::start_gossip(3, &[]);
    let big = "x".repeat(700_000);
    for i in 0..4 {
        let value = json!(format!("{i}{big}"));
        assert_eq!(tc.put(&n(1), &format!("big{i}"), value).await, 200);
    }
    // Compare lengths only: a failure message with megabytes of values helps nobody.
    let deadline = Instant::now() + common::SOON;
    loop {
        let mut lengths = Vec::new();
        for id in tc.cluster.node_ids() {
            for i in 0..4 {
                let v = tc.local(&id, &format!("big{i}")).await;
                lengths.push(v.and_then(|v| v.as_str().map(str::len)).unwrap_or(0));
            }
        }
        if lengths.iter().all(|l| *l == 700_001) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the big values did not reach every node: lengths {lengths:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
