//! The fake store's behaviours over real HTTP on 127.0.0.1: the protocol
//! when correct, and each fault as a client sees it.

use super::{MemoryStoreError, MemoryStoreOptions, start, start_on_own_thread};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Sends `body` (or nothing) with `method` to `url`; returns status and JSON body.
async fn call(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn get(base: &str, key: &str) -> (u16, Value) {
    call("GET", &format!("{base}/kv/{key}"), None).await
}

async fn put(base: &str, key: &str, value: Value) -> (u16, Value) {
    call(
        "PUT",
        &format!("{base}/kv/{key}"),
        Some(json!({ "value": value })),
    )
    .await
}

async fn cas(base: &str, key: &str, from: Value, to: Value) -> (u16, Value) {
    let body = json!({ "from": from, "to": to });
    call("POST", &format!("{base}/kv/{key}/cas"), Some(body)).await
}

/// A store of `nodes` nodes with the fault `fault` sets.
async fn serve(nodes: usize, fault: impl FnOnce(&mut MemoryStoreOptions)) -> Vec<String> {
    let mut opts = MemoryStoreOptions::good(nodes);
    fault(&mut opts);
    start(opts).await.unwrap()
}

async fn txn(base: &str, ops: Value) -> (u16, Value) {
    call("POST", &format!("{base}/txn"), Some(json!({ "ops": ops }))).await
}

#[tokio::test]
async fn a_correct_store_speaks_the_protocol() {
    let urls = start(MemoryStoreOptions::default()).await.unwrap();
    let [url] = urls.as_slice() else {
        panic!("{urls:?}")
    };
    assert_eq!(get(url, "k").await, (404, json!({"error": "not_found"})));
    assert_eq!(put(url, "k", json!(1)).await, (200, json!({"ok": true})));
    assert_eq!(get(url, "k").await, (200, json!({"value": 1})));
    let failed = cas(url, "k", json!(2), json!(3)).await;
    assert_eq!(failed, (409, json!({"error": "precondition_failed"})));
    assert_eq!(cas(url, "k", json!(1), json!(3)).await.0, 200);
    assert_eq!(get(url, "k").await.1, json!({"value": 3}));
    // A cas from null succeeds on a key never written.
    assert_eq!(cas(url, "new", Value::Null, json!(7)).await.0, 200);
    for v in [1, 2] {
        let body = Some(json!({ "value": v }));
        assert_eq!(
            call("POST", &format!("{url}/kv/l/append"), body).await.0,
            200
        );
    }
    assert_eq!(get(url, "l").await.1, json!({"value": [1, 2]}));
    let (status, body) = txn(url, json!([{"f": "add", "key": "b", "delta": 5}])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["value"], json!(5));
    let aborted = txn(url, json!([{"f": "add", "key": "b", "delta": -6}])).await;
    assert_eq!(aborted, (409, json!({"error": "aborted"})));
    assert_eq!(get(url, "b").await.1, json!({"value": 5}));
}

#[tokio::test]
async fn nodes_share_one_map() {
    let urls = start(MemoryStoreOptions::good(3)).await.unwrap();
    assert_eq!(urls.len(), 3);
    put(&urls[0], "k", json!("x")).await;
    for url in &urls {
        assert_eq!(get(url, "k").await.1, json!({"value": "x"}));
    }
}

#[tokio::test]
async fn a_stale_replica_serves_an_older_value_then_catches_up() {
    let urls = serve(2, |o| o.stale = true).await;
    // A read right after a write misses it unless a copy falls in between,
    // which a few tries in a row cannot all do.
    let mut stale = None;
    for i in 0..5 {
        put(&urls[1], "k", json!(i)).await;
        let (_, seen) = get(&urls[1], "k").await;
        if seen.get("value") != Some(&json!(i)) {
            stale = Some(seen);
            break;
        }
    }
    assert!(stale.is_some(), "every read saw the write just before it");
    // Both copies lag by at most 370 ms.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let latest = get(&urls[0], "k").await.1;
    assert!(latest["value"].is_i64(), "{latest}");
    assert_eq!(get(&urls[1], "k").await.1, latest);
}

#[tokio::test]
async fn followers_of_a_leader_only_store_name_the_leader() {
    let urls = serve(3, |o| o.leader_only = true).await;
    assert_eq!(put(&urls[0], "k", json!(1)).await.0, 200);
    for url in &urls[1..] {
        let answer = get(url, "k").await;
        let hint = json!({"error": "not_leader", "leader": urls[0]});
        assert_eq!(answer, (503, hint));
    }
}

#[tokio::test]
async fn refuse_cas_answers_400_without_comparing() {
    let urls = serve(1, |o| o.refuse_cas = true).await;
    put(&urls[0], "k", json!(1)).await;
    let refused = cas(&urls[0], "k", json!(1), json!(2)).await;
    assert_eq!(refused, (400, json!({"error": "cas is not supported"})));
    assert_eq!(get(&urls[0], "k").await.1, json!({"value": 1}));
}

#[tokio::test]
async fn a_foreign_store_answers_every_request_with_its_error() {
    let urls = serve(2, |o| o.foreign = true).await;
    let unknown = (200, json!({"error": "unknown command"}));
    for url in &urls {
        assert_eq!(get(url, "k").await, unknown);
        assert_eq!(put(url, "k", json!(1)).await, unknown);
        assert_eq!(call("GET", &format!("{url}/anything"), None).await, unknown);
    }
}

#[tokio::test]
async fn every_nth_request_is_applied_then_answered_late() {
    let urls = serve(1, |o| o.slow_every = Some(2)).await;
    let begun = Instant::now();
    put(&urls[0], "k", json!(1)).await;
    assert!(begun.elapsed() < Duration::from_millis(1000));
    let begun = Instant::now();
    put(&urls[0], "k", json!(2)).await;
    assert!(begun.elapsed() >= Duration::from_millis(1500));
    assert_eq!(get(&urls[0], "k").await.1, json!({"value": 2}));
}

#[tokio::test]
async fn every_nth_writing_txn_is_acknowledged_but_lost() {
    let urls = serve(1, |o| o.lose_txn_every = Some(2)).await;
    let url = &urls[0];
    let add = |delta: i64| json!([{"f": "add", "key": "b", "delta": delta}]);
    assert_eq!(txn(url, add(1)).await.0, 200);
    // Reads do not count towards the n-th.
    txn(url, json!([{"f": "read", "key": "b"}])).await;
    let (status, lost) = txn(url, add(10)).await;
    assert_eq!(status, 200);
    assert_eq!(lost["results"][0]["value"], json!(11));
    assert_eq!(get(url, "b").await.1, json!({"value": 1}));
    txn(url, add(100)).await;
    assert_eq!(get(url, "b").await.1, json!({"value": 101}));
}

#[tokio::test]
async fn a_torn_txn_keeps_what_it_applied_before_aborting() {
    let ops = json!([
        {"f": "write", "key": "a", "value": 1},
        {"f": "add", "key": "b", "delta": -1},
    ]);
    for (torn, a_after) in [(false, 404), (true, 200)] {
        let urls = serve(1, |o| o.torn_txns = torn).await;
        assert_eq!(txn(&urls[0], ops.clone()).await.0, 409);
        assert_eq!(get(&urls[0], "a").await.0, a_after, "torn: {torn}");
    }
}

#[test]
fn a_store_on_its_own_thread_serves_without_a_runtime_of_the_caller() {
    let urls = start_on_own_thread(MemoryStoreOptions::good(2)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        put(&urls[0], "k", json!(1)).await;
        assert_eq!(get(&urls[1], "k").await.1, json!({"value": 1}));
    });
}

#[test]
fn no_nodes_is_refused() {
    let err = start_on_own_thread(MemoryStoreOptions::good(0)).unwrap_err();
    assert!(matches!(err, MemoryStoreError::NoNodes), "{err}");
}
