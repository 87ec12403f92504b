//! The participant side of recovery: a group leader holding a yes-vote that
//! has heard no decision for a while asks the coordinator, and applies the
//! answer through the log like any decision. This is what frees locks after
//! the coordinator crashed between the two phases.

use crate::kv::Command;
use crate::raft::propose::propose;
use crate::raft::{RaftNode, Role};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How often the leader looks at its prepared transactions.
const SCAN_EVERY: Duration = Duration::from_millis(500);

/// Asks `coordinator` about prepared transactions undecided for longer
/// than `ask_after`; runs for the node's lifetime.
pub async fn run(node: Arc<RaftNode>, coordinator: String, ask_after: Duration) {
    let mut first_seen: HashMap<String, Instant> = HashMap::new();
    loop {
        tokio::time::sleep(SCAN_EVERY).await;
        let pending: Vec<String> = {
            let core = node.lock();
            if core.role != Role::Leader {
                first_seen.clear();
                continue;
            }
            core.kv.txns().pending().cloned().collect()
        };
        first_seen.retain(|t, _| pending.contains(t));
        let now = Instant::now();
        for txid in pending {
            let seen = *first_seen.entry(txid.clone()).or_insert(now);
            if now.duration_since(seen) < ask_after {
                continue;
            }
            let cmd = match ask(&node, &coordinator, &txid).await.as_deref() {
                Some("commit") => Command::Commit { txid },
                Some("abort") => Command::Abort { txid },
                _ => continue,
            };
            tracing::info!(
                ?cmd,
                "resolving a prepared transaction with the coordinator's answer"
            );
            // Not applied now (lost leadership, timeout)? The next scan asks again.
            let _ = propose(&node, cmd).await;
        }
    }
}

async fn ask(node: &RaftNode, coordinator: &str, txid: &str) -> Option<String> {
    let resp = node
        .http
        .get(format!("{coordinator}/txn/{txid}/decision"))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let body: Value = resp.json().await.ok()?;
    body["decision"].as_str().map(str::to_string)
}
