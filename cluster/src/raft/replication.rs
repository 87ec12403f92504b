//! Log replication: the leader's per-peer replicator (AppendEntries with
//! batching, nextIndex backoff using the follower's conflict hint, snapshots
//! for followers behind the compaction point) and the follower's handler.

use super::entries::Entry;
use super::messages::{AppendRequest, AppendResponse, SnapshotRequest, SnapshotResponse};
use super::server::RaftNode;
use super::state::{Core, Role};
use crate::bugs::Bug;
use crate::node_id::NodeId;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most entries per AppendEntries.
const MAX_BATCH: usize = 1024;
/// Timeout of an AppendEntries call.
const APPEND_TIMEOUT: Duration = Duration::from_millis(300);
/// Timeout of an InstallSnapshot call (it carries the whole state).
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(3);

enum Outgoing {
    Append(AppendRequest, u64),
    Snapshot(SnapshotRequest, u64),
}

/// Replicates to one peer for as long as the node runs; idle unless leader.
pub async fn run_replicator(node: Arc<RaftNode>, peer: NodeId, url: String) {
    let Some(wake) = node.peer_wakeups.get(&peer) else {
        return;
    };
    let append_url = format!("{url}/raft/append");
    let snapshot_url = format!("{url}/raft/snapshot");
    let mut again = false;
    loop {
        if !again {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(node.cfg.heartbeat) => {}
            }
        }
        again = false;
        let Some(out) = next_message(&node, &peer) else {
            continue;
        };
        match out {
            Outgoing::Append(req, round) => {
                let sent = node
                    .http
                    .post(&append_url)
                    .timeout(APPEND_TIMEOUT)
                    .json(&req)
                    .send()
                    .await;
                let resp = match sent {
                    Ok(r) => r.json::<AppendResponse>().await.ok(),
                    Err(_) => None,
                };
                if let Some(resp) = resp {
                    again = on_append_response(&node, &peer, &req, round, resp);
                }
            }
            Outgoing::Snapshot(req, round) => {
                let sent = node
                    .http
                    .post(&snapshot_url)
                    .timeout(SNAPSHOT_TIMEOUT)
                    .json(&req)
                    .send()
                    .await;
                let resp = match sent {
                    Ok(r) => r.json::<SnapshotResponse>().await.ok(),
                    Err(_) => None,
                };
                if let Some(resp) = resp {
                    again = on_snapshot_response(&node, &peer, req.term, round, resp);
                }
            }
        }
    }
}

fn next_message(node: &RaftNode, peer: &NodeId) -> Option<Outgoing> {
    let core = node.lock();
    if core.role != Role::Leader {
        return None;
    }
    let next = core.progress.get(peer)?.next_index;
    let round = core.read_round;
    if next <= core.log.snap_index() {
        let snapshot = core.snapshot.as_ref()?.as_ref().clone();
        return Some(Outgoing::Snapshot(
            SnapshotRequest {
                term: core.term,
                leader: core.id.clone(),
                snapshot,
            },
            round,
        ));
    }
    let prev = next - 1;
    Some(Outgoing::Append(
        AppendRequest {
            term: core.term,
            leader: core.id.clone(),
            prev_log_index: prev,
            prev_log_term: core.log.term_at(prev)?,
            entries: core.log.slice(next, MAX_BATCH),
            leader_commit: core.commit_index,
        },
        round,
    ))
}

/// Whether a response belongs to this leadership; steps down on a newer term.
fn still_leading(node: &RaftNode, core: &mut Core, req_term: u64, resp_term: u64) -> bool {
    let ignore_terms = node.cfg.bug(Bug::NoTermCheck);
    if resp_term > core.term && !ignore_terms {
        core.become_follower(resp_term, None);
        return false;
    }
    core.role == Role::Leader && core.term == req_term
}

fn on_append_response(
    node: &Arc<RaftNode>,
    peer: &NodeId,
    req: &AppendRequest,
    round: u64,
    resp: AppendResponse,
) -> bool {
    let mut core = node.lock();
    if !still_leading(node, &mut core, req.term, resp.term) {
        return false;
    }
    let last = core.log.last_index();
    let Some(p) = core.progress.get_mut(peer) else {
        return false;
    };
    p.last_ack = Some(Instant::now());
    p.acked_round = p.acked_round.max(round);
    let more = if resp.success {
        p.match_index = p.match_index.max(resp.match_index);
        p.next_index = p.match_index + 1;
        p.next_index <= last
    } else {
        // The hint skips a whole conflicting term; never go below what
        // the peer is known to hold.
        let hinted = resp.conflict_index.min(req.prev_log_index).max(1);
        p.next_index = hinted.max(p.match_index + 1);
        true
    };
    if resp.success {
        core.advance_leader_commit();
        node.on_commit(&mut core);
    }
    drop(core);
    node.acks.send_modify(|v| *v += 1);
    more
}

fn on_snapshot_response(
    node: &Arc<RaftNode>,
    peer: &NodeId,
    req_term: u64,
    round: u64,
    resp: SnapshotResponse,
) -> bool {
    let mut core = node.lock();
    if !still_leading(node, &mut core, req_term, resp.term) {
        return false;
    }
    let Some(p) = core.progress.get_mut(peer) else {
        return false;
    };
    p.last_ack = Some(Instant::now());
    p.acked_round = p.acked_round.max(round);
    if resp.success {
        p.match_index = p.match_index.max(resp.match_index);
        p.next_index = p.match_index + 1;
    }
    drop(core);
    node.acks.send_modify(|v| *v += 1);
    true
}

/// Follower side of AppendEntries: term check, consistency check, conflict
/// truncation, append; the answer waits until the entries are durable.
pub async fn handle_append(node: &Arc<RaftNode>, req: AppendRequest) -> AppendResponse {
    let (resp, seq) = {
        let mut core = node.lock();
        let resp = accept_append(node, &mut core, req);
        (resp, core.wal_seq)
    };
    node.wait_flushed(seq).await;
    resp
}

fn accept_append(node: &Arc<RaftNode>, core: &mut Core, req: AppendRequest) -> AppendResponse {
    let reject = |core: &Core, conflict_index: u64| AppendResponse {
        term: core.term,
        success: false,
        match_index: 0,
        conflict_index,
    };
    if req.term < core.term && !node.cfg.bug(Bug::NoTermCheck) {
        return reject(core, 0);
    }
    core.become_follower(req.term, Some(req.leader.clone()));
    core.last_leader_contact = Some(Instant::now());
    core.reset_election_deadline();

    let snap = core.log.snap_index();
    let mut prev = req.prev_log_index;
    let mut entries: Vec<Entry> = req.entries;
    if prev < snap {
        // The prefix up to the snapshot is committed, hence identical.
        entries.retain(|e| e.index > snap);
        prev = snap;
    } else if prev > core.log.last_index() {
        return reject(core, core.log.last_index() + 1);
    } else if core.log.term_at(prev) != Some(req.prev_log_term) {
        let term = core.log.term_at(prev).unwrap_or(0);
        return reject(core, core.log.first_index_of_term(term, prev));
    }
    let match_index = entries.last().map_or(prev, |e| e.index);
    for e in entries {
        match core.log.term_at(e.index) {
            Some(t) if t == e.term => continue,
            Some(_) => {
                if e.index <= core.last_applied {
                    // Only reachable with no-term-check: a stale leader
                    // overwriting applied entries; the state machine keeps
                    // what it applied and the log diverges from it.
                    tracing::warn!(index = e.index, "overwriting an applied entry");
                }
                core.log.truncate_from(e.index);
                core.append_entry(e);
            }
            None => {
                core.append_entry(e);
            }
        }
    }
    if req.leader_commit > core.commit_index {
        core.commit_index = req.leader_commit.min(match_index).max(core.commit_index);
        node.on_commit(core);
    }
    AppendResponse {
        term: core.term,
        success: true,
        match_index,
        conflict_index: 0,
    }
}
