//! The client HTTP API served by a real cluster, and replication to all nodes.

use crate::common;

use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_replicate_to_all_nodes_and_followers_forward() {
    let tc = common::start(3, &[], &[]);
    let leader = tc.leader();
    let follower = tc.followers(&leader)[0].clone();
    // A write sent to a follower is forwarded to the leader.
    // Bounded by time, not by tries: on a loaded machine an election can
    // take longer than a fixed number of quick retries.
    let deadline = std::time::Instant::now() + common::SOON;
    let mut code = 0;
    while std::time::Instant::now() < deadline {
        code = tc.put(&follower, "a", json!({"x": [1, 2]})).await;
        if code == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(code, 200);
    for id in tc.cluster.node_ids() {
        tc.wait_local(&id, "a", &json!({"x": [1, 2]})).await;
    }
    let (code, body) = tc.get(&follower, "a").await;
    assert_eq!((code, body["value"].clone()), (200, json!({"x": [1, 2]})));
    let (code, _) = tc.get(&leader, "missing").await;
    assert_eq!(code, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_append_and_txn_follow_the_protocol() {
    let tc = common::start(3, &[], &[]);
    let leader = tc.leader();
    let base = tc.url(&leader);
    let post = |path: String, body: Value| {
        let http = tc.http.clone();
        let url = format!("{base}{path}");
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            let code = r.status().as_u16();
            (code, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(tc.put(&leader, "c", json!(1)).await, 200);
    let (code, body) = post("/kv/c/cas".into(), json!({"from": 5, "to": 6})).await;
    assert_eq!(code, 409);
    assert_eq!(body["value"], json!(1), "409 carries the current value");
    let (code, _) = post("/kv/c/cas".into(), json!({"from": 1, "to": 2})).await;
    assert_eq!(code, 200);
    assert_eq!(tc.get(&leader, "c").await.1["value"], json!(2));

    post("/kv/l/append".into(), json!({"value": 1})).await;
    let (code, body) = post("/kv/l/append".into(), json!({"value": 2})).await;
    assert_eq!((code, body["value"].clone()), (200, json!([1, 2])));

    let (code, _) = post(
        "/txn".into(),
        json!({"ops": [{"f": "write", "key": "t", "value": 1}, {"f": "cas", "key": "c", "from": 9, "to": 0}]}),
    )
    .await;
    assert_eq!(code, 409);
    assert_eq!(tc.get(&leader, "t").await.0, 404, "aborted txn wrote");
    let (code, body) = post(
        "/txn".into(),
        json!({"ops": [{"f": "cas", "key": "c", "from": 2, "to": 3}, {"f": "read", "key": "c"}]}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["results"][1]["value"], json!(3));
}
