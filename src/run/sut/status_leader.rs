//! Leader faults on nodes that speak faultline's own protocol but were not
//! started by faultline (SSH nodes without a store description): every
//! node's `GET /status` is asked, and of those answering `"role":
//! "leader"` the one with the highest term leads, as the bundled cluster
//! decides for its own nodes. A node whose status has no such role (Paxos,
//! gossip, a store with no `/status` at all) names no leader, and leader
//! faults then fall back to a random node, visibly in the history.

use faultline_cluster::launcher::leading_term;
use faultline_nemeses::{BoxFuture, LeaderSource};
use faultline_workloads::client::Endpoint;
use serde_json::Value;
use std::time::Duration;

/// A limit for each node's answer: a paused node must not stall a fault
/// for long, and a live one answers `/status` in milliseconds.
const ASK_TIMEOUT: Duration = Duration::from_secs(2);

/// Asks each endpoint's `/status`; see the module documentation.
pub struct StatusLeader {
    http: reqwest::Client,
    endpoints: Vec<Endpoint>,
}

impl StatusLeader {
    /// The leader source over `endpoints`.
    pub fn new(endpoints: Vec<Endpoint>) -> anyhow::Result<StatusLeader> {
        let http = reqwest::Client::builder()
            .timeout(ASK_TIMEOUT)
            .build()
            .map_err(|e| {
                anyhow::anyhow!("building the HTTP client that asks for the leader: {e}")
            })?;
        Ok(StatusLeader { http, endpoints })
    }
}

impl LeaderSource for StatusLeader {
    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            // Asked together, so a paused node costs one timeout, not one per node.
            let mut asks = tokio::task::JoinSet::new();
            for ep in &self.endpoints {
                let (http, ep) = (self.http.clone(), ep.clone());
                asks.spawn(async move {
                    let answer = http.get(format!("{}/status", ep.url)).send().await.ok()?;
                    let status: Value = answer.json().await.ok()?;
                    Some((leading_term(&status)?, ep.name))
                });
            }
            let mut best: Option<(u64, String)> = None;
            while let Some(answer) = asks.join_next().await {
                if let Ok(Some((term, name))) = answer
                    && best.as_ref().is_none_or(|(t, _)| term > *t)
                {
                    best = Some((term, name));
                }
            }
            best.map(|(_, name)| name)
        })
    }
}
