//! The etcd client's appending transactions against a stand-in for the v3
//! gateway that fails their compares on demand: a failed compare is retried
//! with a fresh read, at most three attempts, and then the operation is a
//! definite `fail` with reason `aborted`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use faultline_checkers::{EventType, FailReason, OpFn};
use faultline_workloads::Op;
use faultline_workloads::client::base64;
use faultline_workloads::client::{Balance, Balancer, Endpoint, EtcdClient, ReadMode};
use faultline_workloads::workload::Storage;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many compares the stand-in fails before it lets one succeed, and
/// what it has been asked.
#[derive(Default)]
struct Gateway {
    fail_compares: usize,
    pre_reads: AtomicUsize,
    txns: AtomicUsize,
}

async fn txn(State(g): State<Arc<Gateway>>, Json(body): Json<Value>) -> Json<Value> {
    let compares = body["compare"].as_array().map_or(0, Vec::len);
    if compares == 0 {
        g.pre_reads.fetch_add(1, Ordering::SeqCst);
        // x holds [1] at revision 5.
        return Json(
            json!({"succeeded": true, "responses": [{"response_range": {"kvs": [
                {"key": base64::encode(b"x"), "value": base64::encode(b"[1]"), "mod_revision": "5"}
            ]}}]}),
        );
    }
    assert_eq!(body["compare"][0]["mod_revision"], "5");
    let n = g.txns.fetch_add(1, Ordering::SeqCst) + 1;
    if n <= g.fail_compares {
        // A failed compare: no `succeeded` at all.
        return Json(json!({"header": {"revision": "9"}}));
    }
    Json(json!({"succeeded": true, "responses": [
        {"response_put": {}},
        {"response_range": {"kvs": [
            {"key": base64::encode(b"x"), "value": base64::encode(b"[1,2]"), "mod_revision": "10"}
        ]}},
    ]}))
}

async fn client_against(fail_compares: usize) -> (EtcdClient, Arc<Gateway>) {
    let g = Arc::new(Gateway {
        fail_compares,
        ..Gateway::default()
    });
    let app = Router::new()
        .route("/v3/kv/txn", post(txn))
        .with_state(Arc::clone(&g));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let c = EtcdClient::new(
        vec![Endpoint::new("n1", url)],
        Balancer::new(Balance::Random, vec![1]),
        ReadMode::Linearizable,
        Duration::from_secs(5),
        1,
    )
    .unwrap()
    .with_storage(Storage::List);
    (c, g)
}

fn append_then_read() -> Op {
    Op {
        f: OpFn::Txn,
        key: None,
        value: json!([["append", "x", 2], ["r", "x", null]]),
    }
}

#[tokio::test]
async fn a_compare_that_fails_once_is_retried_and_commits() {
    let (c, g) = client_against(1).await;
    let done = c.invoke_at(0, &append_then_read()).await;
    assert_eq!(done.kind, EventType::Ok, "{done:?}");
    assert_eq!(done.value, json!([["append", "x", 2], ["r", "x", [1, 2]]]));
    assert_eq!(g.pre_reads.load(Ordering::SeqCst), 2);
    assert_eq!(g.txns.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn compares_that_keep_failing_abort_after_three_attempts() {
    let (c, g) = client_against(usize::MAX).await;
    let done = c.invoke_at(0, &append_then_read()).await;
    assert_eq!(done.kind, EventType::Fail, "{done:?}");
    assert_eq!(done.reason, Some(FailReason::Aborted));
    assert_eq!(g.pre_reads.load(Ordering::SeqCst), 3);
    assert_eq!(g.txns.load(Ordering::SeqCst), 3);
}
