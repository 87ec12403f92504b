//! The read-through cache (`--cache`) on real node processes: hits are served
//! and counted, a write invalidates every node's cache before its ack, and
//! under a partition the correct cache never serves a value older than an
//! acknowledged write while `cache-stale` does.

use crate::common;

use common::TestCluster;
use faultline_cluster::{Bug, NodeId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Long enough that a read right after a write's ack falls inside the lease
/// of an entry filled just before it, even on a loaded machine.
const TTL_MS: &str = "2000";

fn cache_stat(tc: &TestCluster, id: &NodeId, field: &str) -> u64 {
    let s = tc.cluster.status(id).expect("status");
    s["cache"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("no cache.{field} in {s}"))
}

/// Reads `key` at `id` until it answers 200 (bounded); returns the value.
async fn read_ok(tc: &TestCluster, id: &NodeId, key: &str) -> Value {
    let deadline = Instant::now() + common::SOON;
    loop {
        let (code, body) = tc.get(id, key).await;
        if code == 200 {
            return body["value"].clone();
        }
        assert!(
            Instant::now() < deadline,
            "{id} never answered {key}: {code}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_reads_hit_the_cache_and_status_counts_them() {
    let tc = common::start(3, &[], &["--cache", "--cache-ttl-ms", "5000"]);
    tc.put_acked("k", json!(1)).await;
    for id in tc.cluster.node_ids() {
        assert_eq!(read_ok(&tc, &id, "k").await, json!(1));
        let hits_before = cache_stat(&tc, &id, "hits");
        assert_eq!(read_ok(&tc, &id, "k").await, json!(1));
        assert_eq!(cache_stat(&tc, &id, "hits"), hits_before + 1, "{id}");
    }
    let misses: u64 = tc
        .cluster
        .node_ids()
        .iter()
        .map(|id| cache_stat(&tc, id, "misses"))
        .sum();
    assert!(misses >= 1, "the first reads must miss");
    // An absent key is cached as absent.
    let leader = tc.leader();
    assert_eq!(tc.get(&leader, "none").await.0, 404);
    let hits = cache_stat(&tc, &leader, "hits");
    assert_eq!(tc.get(&leader, "none").await.0, 404);
    assert_eq!(cache_stat(&tc, &leader, "hits"), hits + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_invalidates_every_cache_before_its_ack() {
    let tc = common::start(3, &[], &["--cache", "--cache-ttl-ms", "5000"]);
    tc.put_acked("k", json!(1)).await;
    let ids = tc.cluster.node_ids();
    for id in &ids {
        // Twice: the second read is served from the cache.
        read_ok(&tc, id, "k").await;
        read_ok(&tc, id, "k").await;
        assert!(cache_stat(&tc, id, "hits") >= 1);
    }
    let before: Vec<u64> = ids
        .iter()
        .map(|id| cache_stat(&tc, id, "invalidations"))
        .collect();
    // Through a follower, so the forwarded path is covered too.
    let leader = tc.leader();
    let follower = tc.followers(&leader)[0].clone();
    assert_eq!(tc.put(&follower, "k", json!(2)).await, 200);
    for (id, b) in ids.iter().zip(before) {
        assert!(
            cache_stat(&tc, id, "invalidations") > b,
            "{id} was not invalidated before the ack"
        );
        // With a 5 s lease, only the invalidation can explain a fresh value.
        assert_eq!(read_ok(&tc, id, "k").await, json!(2), "{id}");
    }
}

/// Fills a follower's cache with `key = 1`, cuts it off, writes `key = 2`
/// through the leader; returns what the follower answers right after the ack
/// (None if it did not answer 200) and how long the write took.
async fn write_behind_a_partition(
    tc: &TestCluster,
    mesh: &common::forwarder::Mesh,
    key: &str,
) -> (Option<Value>, Duration) {
    tc.put_acked(key, json!(1)).await;
    let leader = tc.leader();
    let follower = tc.followers(&leader)[0].clone();
    assert_eq!(read_ok(tc, &follower, key).await, json!(1));
    mesh.isolate(&follower, true);
    let started = Instant::now();
    let code = tc.put(&leader, key, json!(2)).await;
    let took = started.elapsed();
    let (read_code, body) = tc.get(&follower, key).await;
    mesh.isolate(&follower, false);
    assert_eq!(code, 200, "the majority side must acknowledge the write");
    ((read_code == 200).then(|| body["value"].clone()), took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_node_never_serves_a_value_older_than_an_acked_write() {
    let (tc, mesh) =
        common::start_with_mesh_args(3, &[], &["--cache", "--cache-ttl-ms", TTL_MS]).await;
    for attempt in 0..2 {
        let key = format!("k{attempt}");
        let (seen, took) = write_behind_a_partition(&tc, &mesh, &key).await;
        assert_ne!(
            seen,
            Some(json!(1)),
            "stale cached read after an acked write"
        );
        // The leader could not reach the follower: it waited out the lease.
        assert!(took >= Duration::from_millis(1500), "ack after {took:?}");
        // Let the follower catch up before the next round.
        tc.wait_local(&tc.followers(&tc.leader())[0], &key, &json!(2))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_stale_serves_a_value_older_than_an_acked_write() {
    let (tc, mesh) = common::start_with_mesh_args(
        3,
        &[Bug::CacheStale],
        &["--cache", "--cache-ttl-ms", TTL_MS],
    )
    .await;
    // Bounded attempts: a loaded machine may stall the read past the lease.
    for attempt in 0..3 {
        let key = format!("k{attempt}");
        let (seen, _) = write_behind_a_partition(&tc, &mesh, &key).await;
        if seen == Some(json!(1)) {
            return;
        }
    }
    panic!("cache-stale never served the old value behind a partition");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_stale_keeps_serving_the_old_value_after_the_lease() {
    // A cache that trusts its invalidations gives its entries no lease: a
    // node that missed one serves the old value well past the TTL, until a
    // later invalidation reaches it (with a lease the window would close
    // after 200 ms, and a run whose partition outlasts it could miss it).
    let (tc, mesh) =
        common::start_with_mesh_args(3, &[Bug::CacheStale], &["--cache", "--cache-ttl-ms", "200"])
            .await;
    for attempt in 0..3 {
        let key = format!("k{attempt}");
        tc.put_acked(&key, json!(1)).await;
        let leader = tc.leader();
        let follower = tc.followers(&leader)[0].clone();
        assert_eq!(read_ok(&tc, &follower, &key).await, json!(1));
        mesh.isolate(&follower, true);
        let code = tc.put(&leader, &key, json!(2)).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (read_code, body) = tc.get(&follower, &key).await;
        mesh.isolate(&follower, false);
        if code == 200 {
            assert_eq!(
                (read_code, body["value"].clone()),
                (200, json!(1)),
                "the cut-off follower served its cached value past the 200 ms TTL"
            );
            return;
        }
    }
    panic!("the majority side never acknowledged the write behind the partition");
}
