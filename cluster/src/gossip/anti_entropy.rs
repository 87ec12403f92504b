//! Anti-entropy: every interval a node exchanges state with `fanout` random
//! peers. It pushes its full state; the peer merges it and answers with the
//! versions the sender lacks or holds older, which the sender merges. Full
//! state keeps the protocol trivially correct; its size is bounded by the
//! number of keys, which a test run keeps small.

use super::node::GossipNode;
use super::peer_routes::{EXCHANGE_PATH, Exchange};
use crate::node_id::NodeId;
use rand::seq::IndexedRandom;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The shortest time an exchange may take before it is given up: a paused
/// or partitioned peer must not stall rounds for long.
const MIN_EXCHANGE_TIMEOUT: Duration = Duration::from_millis(1000);

/// Runs anti-entropy rounds until the process ends.
pub async fn run(node: Arc<GossipNode>) {
    let timeout = (node.cfg.interval * 5).max(MIN_EXCHANGE_TIMEOUT);
    let http = match reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: anti-entropy is off");
            return;
        }
    };
    let mut ticker = tokio::time::interval(node.cfg.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // At most one exchange per peer at a time, and a round never waits for a
    // slow one: a paused peer must not slow gossip between the others.
    let in_flight: Arc<Mutex<BTreeSet<NodeId>>> = Arc::default();
    loop {
        ticker.tick().await;
        let chosen: Vec<(NodeId, String)> = {
            let busy = lock(&in_flight);
            let idle: Vec<&(NodeId, String)> = node
                .cfg
                .peers
                .iter()
                .filter(|(id, _)| !busy.contains(id))
                .collect();
            idle.sample(&mut rand::rng(), node.cfg.fanout)
                .map(|p| (*p).clone())
                .collect()
        };
        for (peer, url) in chosen {
            lock(&in_flight).insert(peer.clone());
            let (node, http, in_flight) = (node.clone(), http.clone(), in_flight.clone());
            tokio::spawn(async move {
                exchange(node, http, peer.clone(), url).await;
                lock(&in_flight).remove(&peer);
            });
        }
    }
}

/// The in-flight set; holders never panic, so a poisoned lock is still consistent.
fn lock(set: &Mutex<BTreeSet<NodeId>>) -> std::sync::MutexGuard<'_, BTreeSet<NodeId>> {
    set.lock().unwrap_or_else(|e| e.into_inner())
}

/// One push-pull exchange with one peer.
async fn exchange(node: Arc<GossipNode>, http: reqwest::Client, peer: NodeId, url: String) {
    let push = Exchange {
        from: node.cfg.id.clone(),
        versions: node.lock().store.entries(),
    };
    let reply = match http
        .post(format!("{url}{EXCHANGE_PATH}"))
        .json(&push)
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.json::<Exchange>().await,
        Ok(r) => {
            tracing::warn!(%peer, status = %r.status(), "exchange refused");
            return;
        }
        Err(e) => Err(e),
    };
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            // Expected while the peer is down or cut off.
            tracing::debug!(%peer, error = %e, "exchange failed");
            return;
        }
    };
    let merged = tokio::task::spawn_blocking(move || {
        let r = node.merge_remote(&reply.versions);
        if r.is_ok() {
            node.lock().exchanges += 1;
        }
        r
    })
    .await;
    match merged {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(%peer, error = %e, "merging a peer's versions"),
        Err(e) => tracing::error!(%peer, error = %e, "merge task failed"),
    }
}
