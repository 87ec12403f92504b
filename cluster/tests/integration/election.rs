//! Leader election across real node processes.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_leader_per_term() {
    let tc = common::start(3, &[], &[]);
    tc.leader();
    let mut leaders_by_term: BTreeMap<u64, String> = BTreeMap::new();
    for _ in 0..20 {
        for id in tc.cluster.node_ids() {
            let Some(s) = tc.cluster.status(&id) else {
                continue;
            };
            assert_eq!(s["id"], id.as_str());
            if s["role"] == "leader" {
                let term = s["term"].as_u64().unwrap();
                let prev = leaders_by_term.insert(term, id.to_string());
                if let Some(prev) = prev {
                    assert_eq!(prev, id.to_string(), "two leaders in term {term}");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        !leaders_by_term.is_empty(),
        "no node ever reported itself leader"
    );
    // Followers learn who leads.
    let leader = tc.leader();
    for id in tc.followers(&leader) {
        let deadline = std::time::Instant::now() + common::SOON;
        loop {
            let s = tc.cluster.status(&id).unwrap();
            if s["leader"] == leader.as_str() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{id} never learned the leader"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_elects_a_new_one_and_keeps_acknowledged_writes() {
    let tc = common::start(3, &[], &[]);
    for i in 0..20 {
        tc.put_acked(&format!("k{i}"), serde_json::json!(i)).await;
    }
    let old = tc.leader();
    tc.cluster.kill(&old).unwrap();
    let new = tc.leader();
    assert_ne!(new, old);
    for i in 0..20 {
        assert_eq!(
            tc.read_acked(&format!("k{i}")).await,
            Some(serde_json::json!(i)),
            "acknowledged write k{i} lost after leader failover"
        );
    }
    // The cluster keeps accepting writes with one node down.
    tc.put_acked("after", serde_json::json!("x")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_leader_is_replaced_and_steps_down_after_resume() {
    let tc = common::start(3, &[], &[]);
    tc.put_acked("k", serde_json::json!(1)).await;
    let old = tc.leader();
    tc.cluster.pause(&old).unwrap();
    // While frozen it still claims leadership in /status (it cannot answer
    // at all), so look for a leader among the others.
    let deadline = std::time::Instant::now() + common::SOON;
    let new = loop {
        let found = tc
            .followers(&old)
            .into_iter()
            .find(|id| tc.cluster.status(id).is_some_and(|s| s["role"] == "leader"));
        if let Some(id) = found {
            break id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new leader while {old} paused"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(tc.put(&new, "k", serde_json::json!(2)).await, 200);
    tc.cluster.resume(&old).unwrap();
    // The old leader learns the new term and the new value.
    tc.wait_local(&old, "k", &serde_json::json!(2)).await;
    let s = tc.cluster.status(&old).unwrap();
    assert_ne!(s["role"], "leader");
}
