//! The lock service and protected resource on a real cluster: tokens rise on
//! every grant, a lease expires by itself, and fencing refuses stale tokens.

use crate::common;

use faultline_cluster::Bug;
use serde_json::{Value, json};
use std::time::Duration;

fn token(body: &Value) -> u64 {
    body["token"]
        .as_u64()
        .unwrap_or_else(|| panic!("no token in {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_expire_tokens_rise_and_stale_writes_are_fenced() {
    let tc = common::start(3, &[], &[]);
    let leader = tc.leader();
    // Through a follower, so the stamp is the leader's after forwarding.
    let node = tc.followers(&leader)[0].clone();
    let acquire = |holder: &str, ttl: u64| {
        let body = json!({"holder": holder, "ttl_ms": ttl});
        tc.post(&node, "/lock/l/acquire", body)
    };
    let (code, a) = acquire("a", 800).await;
    assert_eq!(code, 200, "{a}");
    let ta = token(&a);
    let (code, held) = acquire("b", 800).await;
    assert_eq!((code, held["error"].as_str()), (409, Some("held")));
    assert_eq!(
        tc.post(&node, "/resource/r", json!({"token": ta, "value": 1}))
            .await
            .0,
        200
    );
    // a's lease runs out by itself; then b gets the lock with a higher token.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (code, b) = acquire("b", 5000).await;
    assert_eq!(code, 200, "{b}");
    let tb = token(&b);
    assert!(tb > ta, "tokens must rise: {ta} then {tb}");
    let (code, _) = tc
        .post(&node, "/lock/l/renew", json!({"token": ta, "ttl_ms": 800}))
        .await;
    assert_eq!(code, 409, "an expired holder cannot renew");
    assert_eq!(
        tc.post(&node, "/resource/r", json!({"token": tb, "value": 2}))
            .await
            .0,
        200
    );
    let (code, stale) = tc
        .post(&node, "/resource/r", json!({"token": ta, "value": 3}))
        .await;
    assert_eq!((code, stale["error"].as_str()), (409, Some("stale_token")));
    let got = tc
        .http
        .get(format!("{}/resource/r", tc.url(&node)))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(got["value"], json!({"token": tb, "value": 2}));
    // Release frees the lock at once, and only for the current token.
    assert_eq!(
        tc.post(&node, "/lock/l/release", json!({"token": ta}))
            .await
            .0,
        409
    );
    assert_eq!(
        tc.post(&node, "/lock/l/release", json!({"token": tb}))
            .await
            .0,
        200
    );
    let (code, c) = acquire("c", 800).await;
    assert_eq!(code, 200);
    assert!(token(&c) > tb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fencing_a_stale_token_overwrites_the_resource() {
    let tc = common::start(1, &[Bug::LockNoFencing], &[]);
    let node = tc.leader();
    let write = |t: u64, v: u64| tc.post(&node, "/resource/r", json!({"token": t, "value": v}));
    assert_eq!(write(5, 1).await.0, 200);
    assert_eq!(write(4, 2).await.0, 200, "the bug accepts a lower token");
}

/// Acquires `l` for 60 s as `a`, jumps the leader's wall clock an hour
/// ahead, and asks for `l` again as `b`: the answer code.
async fn acquire_after_a_leader_clock_jump(tc: &common::TestCluster) -> u16 {
    let leader = tc.leader();
    let acquire = |holder: &str| {
        let body = json!({"holder": holder, "ttl_ms": 60_000});
        tc.post(&leader, "/lock/l/acquire", body)
    };
    assert_eq!(acquire("a").await.0, 200);
    let id = leader.clone();
    let cluster = &tc.cluster;
    cluster.set_clock_offset(&id, 3_600_000).unwrap();
    let shown = tc
        .http
        .get(format!("{}/admin/clock", tc.url(&leader)))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(shown["offset_ms"], 3_600_000, "{shown}");
    let code = acquire("b").await.0;
    cluster.set_clock_offset(&id, 0).unwrap();
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_clock_jump_leaves_leases_alone() {
    let tc = common::start(3, &[], &[]);
    assert_eq!(acquire_after_a_leader_clock_jump(&tc).await, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_wall_clock_lets_a_clock_jump_expire_a_held_lease() {
    let tc = common::start(3, &[Bug::LeaseWallClock], &[]);
    assert_eq!(acquire_after_a_leader_clock_jump(&tc).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_endpoint_says_what_body_it_expected() {
    let tc = common::start(1, &[], &[]);
    let node = tc.leader();
    let answer = tc
        .http
        .post(format!("{}/admin/clock", tc.url(&node)))
        .body(r#"{"offset":5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let body = answer.json::<Value>().await.unwrap();
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("offset_ms"), "{body}");
    // Nothing was set: the node's clock is still the machine's.
    let shown = tc
        .http
        .get(format!("{}/admin/clock", tc.url(&node)))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(shown["offset_ms"], 0, "{shown}");
}
