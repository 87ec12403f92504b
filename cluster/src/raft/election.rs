//! Leader election: randomized timeouts, RequestVote with the log
//! up-to-date check, and check-quorum so an isolated leader steps down.

use super::messages::{VoteRequest, VoteResponse};
use super::server::RaftNode;
use super::state::Role;
use crate::bugs::Bug;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How long a vote request may take.
const VOTE_TIMEOUT: Duration = Duration::from_millis(250);
/// How often the ticker looks at the clock.
const TICK: Duration = Duration::from_millis(10);

/// Starts elections when the leader goes quiet and makes leaders that lost
/// contact with a majority step down.
pub async fn run_ticker(node: Arc<RaftNode>) {
    loop {
        tokio::time::sleep(TICK).await;
        tick(&node);
    }
}

fn tick(node: &Arc<RaftNode>) {
    let now = Instant::now();
    let mut core = node.lock();
    if core.role == Role::Leader {
        if node.cfg.bug(Bug::NoTermCheck) {
            // The bug: a leader never doubts itself.
            return;
        }
        let window = core.election_max();
        let recent = core
            .progress
            .values()
            .filter(|p| p.last_ack.is_some_and(|t| now - t < window))
            .count();
        if recent + 1 < core.majority() && now - core.leader_since > window {
            tracing::info!(term = core.term, "lost contact with a majority");
            let term = core.term;
            core.become_follower(term, None);
            core.leader = None;
            core.reset_election_deadline();
        }
        return;
    }
    if now < core.election_deadline {
        return;
    }
    core.term += 1;
    core.role = Role::Candidate;
    core.voted_for = Some(core.id.clone());
    core.leader = None;
    core.reset_election_deadline();
    let seq = core.persist_hard_state();
    let req = VoteRequest {
        term: core.term,
        candidate: core.id.clone(),
        last_log_index: core.log.last_index(),
        last_log_term: core.log.last_term(),
    };
    tracing::info!(term = req.term, "starting election");
    drop(core);
    tokio::spawn(run_election(node.clone(), req, seq));
}

async fn run_election(node: Arc<RaftNode>, req: VoteRequest, seq: u64) {
    // Our own vote counts only once it is durable.
    node.wait_flushed(seq).await;
    let mut votes = 1;
    if try_win(&node, req.term, votes) {
        return;
    }
    let mut calls = JoinSet::new();
    for url in node.cfg.peers.values() {
        let http = node.http.clone();
        let url = format!("{url}/raft/vote");
        let req = req.clone();
        calls.spawn(async move {
            let resp = http
                .post(url)
                .timeout(VOTE_TIMEOUT)
                .json(&req)
                .send()
                .await
                .ok()?;
            resp.json::<VoteResponse>().await.ok()
        });
    }
    while let Some(res) = calls.join_next().await {
        let Ok(Some(resp)) = res else { continue };
        {
            let mut core = node.lock();
            if resp.term > core.term {
                core.become_follower(resp.term, None);
                return;
            }
            if core.role != Role::Candidate || core.term != req.term {
                return;
            }
        }
        if resp.granted {
            votes += 1;
            if try_win(&node, req.term, votes) {
                return;
            }
        }
    }
}

/// Becomes leader if `votes` is a majority and the election is still current.
fn try_win(node: &Arc<RaftNode>, term: u64, votes: usize) -> bool {
    let mut core = node.lock();
    if core.role != Role::Candidate || core.term != term || votes < core.majority() {
        return false;
    }
    core.become_leader();
    drop(core);
    node.flush_request.notify_one();
    node.wake_replicators();
    true
}

/// Handles a RequestVote; the answer is sent only after the term and vote
/// are durable.
pub async fn handle_vote(node: &Arc<RaftNode>, req: VoteRequest) -> VoteResponse {
    let now = Instant::now();
    let (resp, seq) = {
        let mut core = node.lock();
        // Leader stickiness: while a leader is alive, a node that merely
        // lost contact (e.g. rejoining after a partition) cannot depose it.
        let heard_recently = core
            .last_leader_contact
            .is_some_and(|t| now - t < core.election_min())
            && core.leader.is_some()
            && core.leader.as_ref() != Some(&req.candidate);
        if req.term < core.term || (req.term > core.term && heard_recently) {
            return VoteResponse {
                term: core.term,
                granted: false,
            };
        }
        if req.term > core.term {
            core.become_follower(req.term, None);
            core.leader = None;
        }
        let up_to_date = (req.last_log_term, req.last_log_index)
            >= (core.log.last_term(), core.log.last_index());
        let free = core.voted_for.is_none() || core.voted_for.as_ref() == Some(&req.candidate);
        let granted = free && up_to_date && core.role == Role::Follower;
        if granted {
            core.voted_for = Some(req.candidate.clone());
            core.persist_hard_state();
            core.reset_election_deadline();
        }
        (
            VoteResponse {
                term: core.term,
                granted,
            },
            core.wal_seq,
        )
    };
    node.wait_flushed(seq).await;
    resp
}
