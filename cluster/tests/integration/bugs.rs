//! Each switchable bug has a directly observable effect.

use crate::common;

use faultline_cluster::Bug;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_reads_lets_a_cut_off_node_answer_reads() {
    let tc = common::start(3, &[Bug::StaleReads], &[]);
    tc.put_acked("k", json!(1)).await;
    let leader = tc.leader();
    let follower = tc.followers(&leader)[0].clone();
    tc.wait_local(&follower, "k", &json!(1)).await;
    for id in tc.cluster.node_ids() {
        if id != follower {
            tc.cluster.kill(&id).unwrap();
        }
    }
    // Correct Raft could not serve this read (see the minority test).
    let (code, body) = tc.get(&follower, "k").await;
    assert_eq!((code, body["value"].clone()), (200, json!(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_ack_acknowledges_writes_no_majority_stored() {
    // Long timeouts so the leader is still leader when the write arrives.
    let tc = common::start(
        3,
        &[Bug::EarlyAck],
        &["--election-min-ms", "3000", "--election-max-ms", "6000"],
    );
    tc.put_acked("k", json!(1)).await;
    let leader = tc.leader();
    // The first write is acknowledged early too; wait until it really applied.
    tc.wait_local(&leader, "k", &json!(1)).await;
    for id in tc.followers(&leader) {
        tc.cluster.kill(&id).unwrap();
    }
    assert_eq!(tc.put(&leader, "k", json!(2)).await, 200);
    // Acknowledged, yet never committed.
    assert_eq!(tc.local(&leader, "k").await, Some(json!(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fsync_loses_acknowledged_writes_on_kill() {
    let tc = common::start(1, &[Bug::NoFsync], &[]);
    let n1 = tc.leader();
    assert_eq!(tc.put(&n1, "k", json!(1)).await, 200);
    tc.cluster.kill(&n1).unwrap();
    tc.cluster.restart(&n1).unwrap();
    assert_eq!(
        tc.read_acked("k").await,
        None,
        "the acknowledged write survived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correct_single_node_keeps_acknowledged_writes_on_kill() {
    let tc = common::start(1, &[], &[]);
    let n1 = tc.leader();
    assert_eq!(tc.put(&n1, "k", json!(1)).await, 200);
    tc.cluster.kill(&n1).unwrap();
    tc.cluster.restart(&n1).unwrap();
    assert_eq!(tc.read_acked("k").await, Some(json!(1)));
}

async fn stale_append(tc: &common::TestCluster) -> Value {
    let leader = tc.leader();
    let follower = tc.followers(&leader)[0].clone();
    let req = json!({
        "term": 0, "leader": "n9", "prev_log_index": 0, "prev_log_term": 0,
        "entries": [], "leader_commit": 0
    });
    tc.http
        .post(format!("{}/raft/append", tc.url(&follower)))
        .json(&req)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_term_check_obeys_a_stale_leader() {
    let correct = common::start(3, &[], &[]);
    assert_eq!(stale_append(&correct).await["success"], json!(false));
    drop(correct);
    let buggy = common::start(3, &[Bug::NoTermCheck], &[]);
    assert_eq!(stale_append(&buggy).await["success"], json!(true));
}
