//! Two-phase commit across shards with real node processes: atomic
//! cross-shard transactions, aborts that change nothing, totals conserved
//! under concurrency and across a kill -9 of the coordinator, and the
//! `2pc-no-prepare` bug caught by a whole-bank read.

use crate::common;

use common::{SOON, TestCluster};
use faultline_cluster::twopc::routing::shard_of;
use faultline_cluster::{Bug, NodeId};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const INITIAL: i64 = 100;

fn coordinator() -> NodeId {
    NodeId::coordinator(1)
}

/// `per_shard` account names owned by each of two shards, interleaved.
fn accounts(per_shard: usize) -> Vec<String> {
    let mut on = [Vec::new(), Vec::new()];
    for i in 0.. {
        let k = format!("acct{i}");
        let s = shard_of(&k, 2);
        if on[s].len() < per_shard {
            on[s].push(k);
        }
        if on.iter().all(|v| v.len() == per_shard) {
            break;
        }
    }
    let [a, b] = on;
    a.into_iter().zip(b).flat_map(|(x, y)| [x, y]).collect()
}

async fn txn(tc: &TestCluster, ops: Value) -> (u16, Value) {
    let url = format!("{}/txn", tc.url(&coordinator()));
    match tc.http.post(url).json(&json!({ "ops": ops })).send().await {
        Ok(r) => {
            let code = r.status().as_u16();
            (code, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

fn transfer(from: &str, to: &str, amount: i64) -> Value {
    json!([
        {"f": "add", "key": from, "delta": -amount},
        {"f": "add", "key": to, "delta": amount}
    ])
}

/// A whole-bank read: the balances, if the transaction committed.
async fn read_all(tc: &TestCluster, accts: &[String]) -> Option<Vec<i64>> {
    let ops: Vec<Value> = accts
        .iter()
        .map(|k| json!({"f": "read", "key": k}))
        .collect();
    let (code, body) = txn(tc, Value::Array(ops)).await;
    (code == 200).then(|| {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["value"].as_i64().unwrap_or(0))
            .collect()
    })
}

/// Writes every account's initial balance in one transaction.
async fn open_accounts(tc: &TestCluster, accts: &[String]) {
    let ops: Vec<Value> = accts
        .iter()
        .map(|k| json!({"f": "write", "key": k, "value": INITIAL}))
        .collect();
    let deadline = Instant::now() + SOON;
    while Instant::now() < deadline {
        if txn(tc, Value::Array(ops.clone())).await.0 == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("initial balances not written within {SOON:?}");
}

/// Waits until every group's leader holds no prepared transaction.
async fn wait_no_locks(tc: &TestCluster) {
    let deadline = Instant::now() + SOON;
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = tc
            .cluster
            .group_leaders()
            .unwrap_or_default()
            .iter()
            .map(|l| tc.cluster.status(l).map(|s| s["prepared"].clone()))
            .collect();
        if last.len() == 2 && last.iter().all(|p| p == &Some(json!(0))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("prepared transactions left locked: {last:?}");
}

/// Reads the whole bank until a read commits.
async fn settled_total(tc: &TestCluster, accts: &[String]) -> Vec<i64> {
    let deadline = Instant::now() + SOON;
    while Instant::now() < deadline {
        if let Some(b) = read_all(tc, accts).await {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no whole-bank read committed within {SOON:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_shard_txn_commits_atomically_and_aborts_change_nothing() {
    let tc = common::start_sharded(2, 3, &[], &[]);
    let accts = accounts(1);
    let (a, b) = (&accts[0], &accts[1]);
    assert_ne!(shard_of(a, 2), shard_of(b, 2));
    open_accounts(&tc, &accts).await;

    let (code, body) = txn(&tc, transfer(a, b, 30)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["results"][0]["value"], json!(70));
    assert_eq!(body["results"][1]["value"], json!(130));
    // Both shards applied it on every replica.
    for (key, want) in [(a, 70), (b, 130)] {
        let shard = shard_of(key, 2) + 1;
        for i in 1..=3 {
            tc.wait_local(&NodeId::shard_node(shard, i), key, &json!(want))
                .await;
        }
    }
    // Single-key reads through the coordinator go to the owning shard.
    let (code, body) = tc.get(&coordinator(), a).await;
    assert_eq!((code, body["value"].clone()), (200, json!(70)));

    // Below zero on one shard: nothing changes on either.
    let (code, body) = txn(&tc, transfer(a, b, 71)).await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(read_all(&tc, &accts).await, Some(vec![70, 130]));
    wait_no_locks(&tc).await;
    // And no lock stays behind: a plain write to the other account lands.
    assert_eq!(tc.put(&coordinator(), b, json!(130)).await, 200);
}

/// Runs `workers` transfer loops and one whole-bank reader until `stop`;
/// returns every total the reader saw and how many transfers committed.
async fn transfers_and_reads(
    tc: Arc<TestCluster>,
    accts: Arc<Vec<String>>,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> (Vec<i64>, usize) {
    let committed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (tc, accts, stop, committed) =
            (tc.clone(), accts.clone(), stop.clone(), committed.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            // Bounded in count as well as by the stop flag.
            for _ in 0..2_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let from = &accts[i % accts.len()];
                let to = &accts[(i * 7 + 1) % accts.len()];
                i += 1;
                if from == to {
                    continue;
                }
                if txn(&tc, transfer(from, to, 1 + (i as i64 % 20))).await.0 == 200 {
                    committed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut totals = Vec::new();
    for _ in 0..2_000 {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if let Some(b) = read_all(&tc, &accts).await {
            totals.push(b.iter().sum());
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    (totals, committed.load(Ordering::Relaxed))
}

fn stop_after(d: Duration) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(d).await;
        flag.store(true, Ordering::Relaxed);
    });
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_and_reads_keep_the_total() {
    // Frequent snapshots, so prepared transactions also travel in snapshots.
    let tc = Arc::new(common::start_sharded(
        2,
        3,
        &[],
        &["--snapshot-threshold", "40"],
    ));
    let accts = Arc::new(accounts(3));
    open_accounts(&tc, &accts).await;
    let total = INITIAL * accts.len() as i64;
    let stop = stop_after(Duration::from_secs(6));
    let load = tokio::spawn(transfers_and_reads(tc.clone(), accts.clone(), 4, stop));
    // Mid-load, kill -9 shard 1's leader and bring it back: its group's
    // votes and locks live in the log and the snapshots, not in a process.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cluster = tc.clone();
    tokio::task::spawn_blocking(move || {
        let leader = cluster.cluster.wait_for_leader(SOON).unwrap();
        cluster.cluster.kill(&leader).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        cluster.cluster.restart(&leader).unwrap();
    })
    .await
    .unwrap();
    let (totals, committed) = load.await.unwrap();
    eprintln!(
        "{committed} transfers and {} whole-bank reads committed in 6 s",
        totals.len()
    );
    assert!(committed > 0, "no transfer committed");
    assert!(!totals.is_empty(), "no whole-bank read committed");
    assert!(
        totals.iter().all(|t| *t == total),
        "a read saw a total other than {total}: {totals:?}"
    );
    let balances = settled_total(&tc, &accts).await;
    assert_eq!(balances.iter().sum::<i64>(), total);
    assert!(balances.iter().all(|b| *b >= 0), "{balances:?}");
    wait_no_locks(&tc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_coordinator_neither_creates_nor_destroys_money() {
    let tc = Arc::new(common::start_sharded(2, 3, &[], &[]));
    let accts = Arc::new(accounts(3));
    open_accounts(&tc, &accts).await;
    let total = INITIAL * accts.len() as i64;
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(transfers_and_reads(
        tc.clone(),
        accts.clone(),
        4,
        stop.clone(),
    ));
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let cluster = tc.clone();
        tokio::task::spawn_blocking(move || {
            cluster.cluster.kill(&coordinator()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            cluster.cluster.restart(&coordinator()).unwrap();
        })
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    let (totals, committed) = load.await.unwrap();
    assert!(committed > 0, "no transfer committed");
    assert!(
        totals.iter().all(|t| *t == total),
        "a read saw a total other than {total}: {totals:?}"
    );
    // Undecided prepares are resolved by asking the restarted coordinator,
    // undelivered commits are re-sent from its log.
    wait_no_locks(&tc).await;
    let balances = settled_total(&tc, &accts).await;
    assert_eq!(balances.iter().sum::<i64>(), total, "{balances:?}");
    assert!(balances.iter().all(|b| *b >= 0), "{balances:?}");
    let status = tc.cluster.status(&coordinator()).unwrap();
    assert_eq!(status["txns"]["boot"], json!(3), "{status}");
    // How much recovery the kills caused (timing-dependent, so only reported).
    let count = |id: &NodeId, needle: &str| {
        let log = std::fs::read_to_string(tc.cluster.log_path(id).unwrap()).unwrap_or_default();
        log.matches(needle).count()
    };
    let resolved: usize = tc
        .cluster
        .node_ids()
        .iter()
        .map(|id| count(id, "resolving a prepared transaction"))
        .sum();
    eprintln!(
        "{committed} transfers committed; {resolved} prepared txns resolved by asking, {} commits redelivered from the log",
        count(&coordinator(), "delivered in the background")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_prepare_bug_lets_a_read_see_a_broken_total() {
    let tc = Arc::new(common::start_sharded(2, 3, &[Bug::TwoPcNoPrepare], &[]));
    let accts = Arc::new(accounts(2));
    open_accounts(&tc, &accts).await;
    let total = INITIAL * accts.len() as i64;
    // Up to 3 rounds, so an unlucky interleaving does not fail CI.
    for round in 0..3 {
        let stop = stop_after(Duration::from_secs(4));
        let (totals, _) = transfers_and_reads(tc.clone(), accts.clone(), 4, stop).await;
        if totals.iter().any(|t| *t != total) {
            return;
        }
        eprintln!("round {round}: {} reads, all consistent", totals.len());
    }
    panic!("no read saw a broken total with 2pc-no-prepare");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_give_up_mid_transaction_leave_no_locks() {
    let tc = common::start_sharded(2, 3, &[], &[]);
    let accts = accounts(1);
    open_accounts(&tc, &accts).await;
    let url = format!("{}/txn", tc.url(&coordinator()));
    // Clients that hang up after 1..40 ms: the coordinator must still
    // finish (or abort) every transaction it started.
    for i in 0..40u64 {
        let _ = tc
            .http
            .post(&url)
            .timeout(Duration::from_millis(1 + i))
            .json(&json!({ "ops": transfer(&accts[0], &accts[1], 1) }))
            .send()
            .await;
    }
    wait_no_locks(&tc).await;
    let balances = settled_total(&tc, &accts).await;
    assert_eq!(balances.iter().sum::<i64>(), 2 * INITIAL, "{balances:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphaned_prepare_locks_its_keys_until_presumed_abort_frees_them() {
    // Participants wait 6 s before asking, so the locked state is still
    // there to observe on a slow machine.
    let tc = common::start_sharded(2, 3, &[], &["--resolve-after-ms", "6000"]);
    let accts = accounts(1);
    open_accounts(&tc, &accts).await;
    let key = &accts[0];
    let shard = shard_of(key, 2) + 1;
    // A yes-vote for a transaction the coordinator never started, as if it
    // had crashed right after sending the prepare.
    let txid = "c1-b0-1";
    let prepare =
        json!({"txid": txid, "coordinator": "c1", "ops": [{"f": "add", "key": key, "delta": 5}]});
    let node = NodeId::shard_node(shard, 1);
    let deadline = Instant::now() + SOON;
    loop {
        let r = tc
            .http
            .post(format!("{}/2pc/prepare", tc.url(&node)))
            .json(&prepare)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "prepare not accepted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // While it holds the lock, reads and writes of the key fail definitely:
    // the old value must not be served, the new one is not decided.
    let (code, body) = tc.get(&coordinator(), key).await;
    assert_eq!(
        (code, body["error"].clone()),
        (503, json!("locked")),
        "{body}"
    );
    assert_eq!(tc.put(&coordinator(), key, json!(1)).await, 503);
    // The group's leader asks the coordinator, which has no record of it.
    wait_no_locks(&tc).await;
    let decision: Value = tc
        .http
        .get(format!("{}/txn/{txid}/decision", tc.url(&coordinator())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decision["decision"], "abort", "{decision}");
    let (code, body) = tc.get(&coordinator(), key).await;
    assert_eq!(
        (code, body["value"].clone()),
        (200, json!(INITIAL)),
        "the abort must not apply the +5"
    );
}
