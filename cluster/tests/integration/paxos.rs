//! Paxos mode with real node processes: any node serves any request, racing
//! proposers agree, promises survive kill -9, a minority may die.

use crate::common;

use common::SOON;
use faultline_cluster::{Mode, NodeId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn n(i: usize) -> NodeId {
    NodeId::nth(i)
}

/// Retries `f` until it answers `want` (the cluster may still be settling).
async fn until_status<F, Fut>(want: u16, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (u16, Value)>,
{
    let deadline = Instant::now() + SOON;
    let mut last = (0, Value::Null);
    while Instant::now() < deadline {
        last = f().await;
        if last.0 == want {
            return last.1;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("wanted {want}, last answer {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_writes_and_cas_through_different_nodes_agree() {
    let tc = common::start_mode(3, Mode::Paxos);
    let (n1, n2, n3) = (n(1), n(2), n(3));
    let status = tc.cluster.status(&n1).unwrap();
    assert_eq!(status["mode"], "paxos");
    assert_eq!(status["leader"], Value::Null);
    assert_eq!(tc.cluster.leader(), None, "paxos has no leader");

    assert_eq!(tc.get(&n2, "a").await.0, 404);
    assert_eq!(tc.put(&n1, "a", json!({"x": 1})).await, 200);
    assert_eq!(tc.get(&n2, "a").await, (200, json!({"value": {"x": 1}})));
    let (code, body) = tc
        .post_once(&n3, "/kv/a/cas", json!({"from": 5, "to": 6}))
        .await;
    assert_eq!((code, body["value"].clone()), (409, json!({"x": 1})));
    let (code, _) = tc
        .post_once(&n3, "/kv/a/cas", json!({"from": {"x": 1}, "to": 6}))
        .await;
    assert_eq!(code, 200);
    assert_eq!(tc.get(&n1, "a").await.1["value"], json!(6));

    tc.post_once(&n1, "/kv/l/append", json!({"value": 1})).await;
    let (code, body) = tc.post_once(&n2, "/kv/l/append", json!({"value": 2})).await;
    assert_eq!((code, body["value"].clone()), (200, json!([1, 2])));

    let (code, body) = tc.post_once(&n2,
        "/txn",
        json!({"ops": [{"f": "cas", "key": "a", "from": 6, "to": 7}, {"f": "read", "key": "a"}]}),
    )
    .await;
    assert_eq!((code, body["results"][1]["value"].clone()), (200, json!(7)));
    let (code, _) = tc.post_once(&n2,
        "/txn",
        json!({"ops": [{"f": "write", "key": "a", "value": 1}, {"f": "write", "key": "b", "value": 1}]}),
    )
    .await;
    assert_eq!(
        code, 400,
        "multi-key transactions are refused, not half-applied"
    );
    assert_eq!(tc.get(&n3, "a").await.1["value"], json!(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_proposers_never_decide_different_values() {
    let tc = common::start_mode(3, Mode::Paxos);
    let (n1, n2) = (n(1), n(2));
    let rounds = 30;
    let mut decided = 0;
    for i in 0..rounds {
        let key = format!("race{i}");
        let path = format!("/kv/{key}/cas");
        let (a, b) = tokio::join!(
            tc.post_once(&n1, &path, json!({"from": null, "to": "A"})),
            tc.post_once(&n2, &path, json!({"from": null, "to": "B"})),
        );
        assert!(
            !(a.0 == 200 && b.0 == 200),
            "round {i}: both cas null->A and null->B succeeded"
        );
        let mut seen = Vec::new();
        for id in 1..=3 {
            let node = n(id);
            let body = until_status(200, || tc.get(&node, &key)).await;
            seen.push(body["value"].clone());
        }
        assert!(
            seen.iter().all(|v| *v == seen[0]),
            "round {i}: nodes read different values {seen:?}"
        );
        let winner = match (a.0, b.0) {
            (200, _) => Some(json!("A")),
            (_, 200) => Some(json!("B")),
            _ => None,
        };
        if let Some(w) = winner {
            decided += 1;
            assert_eq!(
                seen[0], w,
                "round {i}: the winner's value must be the one read"
            );
        }
    }
    assert!(
        decided >= rounds / 2,
        "only {decided} of {rounds} races decided"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_acceptor_never_forgets_a_promise() {
    let tc = common::start_mode(3, Mode::Paxos);
    let n1 = n(1);
    let ballot = |round: u64| json!({"round": round, "node": "n2", "incarnation": 0});
    let (code, r) = tc
        .post_once(
            &n1,
            "/paxos/prepare",
            json!({"key": "p", "ballot": ballot(1000)}),
        )
        .await;
    assert_eq!((code, r["ok"].clone()), (200, json!(true)));
    let (_, r) = tc
        .post_once(
            &n1,
            "/paxos/accept",
            json!({"key": "p", "ballot": ballot(1000), "value": 7}),
        )
        .await;
    assert_eq!(r["ok"], json!(true));
    let (_, r) = tc
        .post_once(
            &n1,
            "/paxos/prepare",
            json!({"key": "p", "ballot": ballot(2000)}),
        )
        .await;
    assert_eq!(r["ok"], json!(true));

    tc.cluster.kill(&n1).unwrap();
    tc.cluster.restart(&n1).unwrap();

    for lower in [1999, 1000, 1] {
        let (code, r) = tc
            .post_once(
                &n1,
                "/paxos/prepare",
                json!({"key": "p", "ballot": ballot(lower)}),
            )
            .await;
        assert_eq!(code, 200);
        assert_eq!(r["ok"], json!(false), "prepare {lower} after restart");
        assert_eq!(r["promised"], ballot(2000));
    }
    let (_, r) = tc
        .post_once(
            &n1,
            "/paxos/accept",
            json!({"key": "p", "ballot": ballot(1500), "value": 8}),
        )
        .await;
    assert_eq!(
        r["ok"],
        json!(false),
        "accept below the promise after restart"
    );
    assert_eq!(
        tc.local(&n1, "p").await,
        Some(json!(7)),
        "accepted value kept"
    );
    let (_, r) = tc
        .post_once(
            &n1,
            "/paxos/prepare",
            json!({"key": "p", "ballot": ballot(2001)}),
        )
        .await;
    assert_eq!(r["accepted"], json!({"ballot": ballot(1000), "value": 7}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_minority_keeps_serving_and_restart_catches_up() {
    let tc = common::start_mode(3, Mode::Paxos);
    let (n1, n2, n3) = (n(1), n(2), n(3));
    assert_eq!(tc.put(&n3, "k", json!(1)).await, 200);
    tc.cluster.kill(&n3).unwrap();
    until_status(200, || async {
        (tc.put(&n1, "k", json!(2)).await, Value::Null)
    })
    .await;
    until_status(200, || {
        tc.post_once(&n2, "/kv/k/cas", json!({"from": 2, "to": 3}))
    })
    .await;
    assert_eq!(tc.local(&n3, "k").await, None, "n3 is down");

    tc.cluster.restart(&n3).unwrap();
    assert_ne!(
        tc.local(&n3, "k").await,
        Some(json!(3)),
        "n3 missed the writes"
    );
    let body = until_status(200, || tc.get(&n3, "k")).await;
    assert_eq!(
        body["value"],
        json!(3),
        "a read through n3 sees the latest write"
    );
    // A write through n3 brings its own acceptor up to date.
    until_status(200, || {
        tc.post_once(&n3, "/kv/k/cas", json!({"from": 3, "to": 4}))
    })
    .await;
    tc.wait_local(&n3, "k", &json!(4)).await;
    assert_eq!(tc.get(&n1, "k").await.1["value"], json!(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preempted_proposer_jumps_past_the_higher_promise() {
    let tc = common::start_mode(3, Mode::Paxos);
    let (n1, n2, n3) = (n(1), n(2), n(3));
    // A rival proposer "n9" has taken every acceptor to a far higher round.
    let rival = json!({"round": 1_000_000, "node": "n9", "incarnation": 0});
    for id in [&n1, &n2, &n3] {
        let (_, r) = tc
            .post_once(id, "/paxos/prepare", json!({"key": "j", "ballot": rival}))
            .await;
        assert_eq!(r["ok"], json!(true));
    }
    // Counting up one round per retry would never get there in time.
    assert_eq!(tc.put(&n1, "j", json!("mine")).await, 200);
    assert_eq!(tc.get(&n2, "j").await.1["value"], json!("mine"));
    // The round's messages reach n3 too (perhaps after the answer).
    let deadline = Instant::now() + SOON;
    loop {
        let req = json!({"key": "j", "ballot": rival});
        let (_, r) = tc.post_once(&n3, "/paxos/prepare", req).await;
        assert_eq!(r["ok"], json!(false), "{r}");
        if r["promised"]["round"].as_u64().unwrap() > 1_000_000 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "n3 never saw a round past the rival: {r}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
