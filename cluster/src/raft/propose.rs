//! Proposing a client command: the leader appends it to its log and the
//! client waits until it is committed and applied.

use super::entries::Entry;
use super::server::RaftNode;
use super::state::{Role, Waiter};
use crate::apply::ApplyResult;
use crate::bugs::Bug;
use crate::kv::Command;
use crate::node_id::NodeId;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::oneshot;

/// What became of a proposal.
#[derive(Debug)]
pub enum Proposal {
    /// Applied; the state machine's answer.
    Applied(ApplyResult),
    /// Not accepted: this node is not the leader (definitely not applied).
    NotLeader(Option<NodeId>),
    /// Accepted, but commit could not be confirmed: may or may not apply.
    Unknown,
}

/// Proposes `cmd` and waits for the outcome.
pub async fn propose(node: &Arc<RaftNode>, cmd: Command) -> Proposal {
    let early_ack =
        node.cfg.bug(Bug::EarlyAck) && matches!(cmd, Command::Put { .. } | Command::Append { .. });
    let rx = {
        let mut core = node.lock();
        if core.role != Role::Leader {
            return Proposal::NotLeader(core.leader.clone());
        }
        let index = core.log.last_index() + 1;
        let term = core.term;
        core.append_entry(Entry { index, term, cmd });
        let (tx, rx) = oneshot::channel();
        core.waiters.insert(index, Waiter { term, tx });
        rx
    };
    node.flush_request.notify_one();
    node.wake_replicators();
    if early_ack {
        // The bug: the write is only in the leader's memory so far.
        return Proposal::Applied(ApplyResult::Ok(json!({"ok": true})));
    }
    match tokio::time::timeout(node.cfg.commit_timeout, rx).await {
        Ok(Ok(result)) => Proposal::Applied(result),
        // Dropped waiter (stepped down, entry overwritten) or timeout.
        _ => Proposal::Unknown,
    }
}
