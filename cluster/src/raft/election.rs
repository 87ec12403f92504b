//! Leader election: randomized timeouts, a pre-vote round, RequestVote with
//! the log up-to-date check, and check-quorum so an isolated leader steps
//! down.

use super::messages::{VoteRequest, VoteResponse};
use super::server::RaftNode;
use super::state::{Core, Role};
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
    core.reset_election_deadline();
    let req = vote_request(&core, core.term + 1, true);
    drop(core);
    tokio::spawn(run_pre_vote(node.clone(), req));
}

fn vote_request(core: &Core, term: u64, pre_vote: bool) -> VoteRequest {
    VoteRequest {
        term,
        candidate: core.id.clone(),
        last_log_index: core.log.last_index(),
        last_log_term: core.log.last_term(),
        pre_vote,
    }
}

/// Asks every peer; returns whether a majority (self included) granted,
/// unless a newer term turned up or the state moved on.
async fn collect_votes(node: &Arc<RaftNode>, req: &VoteRequest) -> bool {
    let majority = node.lock().majority();
    let mut votes = 1;
    if votes >= majority {
        return true;
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
            // A pre-vote runs one term ahead of the state.
            let own_term = if req.pre_vote { req.term - 1 } else { req.term };
            if resp.term > core.term {
                core.become_follower(resp.term, None);
                return false;
            }
            if core.term != own_term || core.role == Role::Leader {
                return false;
            }
        }
        if resp.granted {
            votes += 1;
            if votes >= majority {
                return true;
            }
        }
    }
    false
}

async fn run_pre_vote(node: Arc<RaftNode>, pre: VoteRequest) {
    if !collect_votes(&node, &pre).await {
        return;
    }
    let (req, seq) = {
        let mut core = node.lock();
        let heard_leader = core
            .last_leader_contact
            .is_some_and(|t| t.elapsed() < core.election_min());
        if core.role == Role::Leader || core.term + 1 != pre.term || heard_leader {
            return;
        }
        core.term += 1;
        core.role = Role::Candidate;
        core.voted_for = Some(core.id.clone());
        core.leader = None;
        core.reset_election_deadline();
        let seq = core.persist_hard_state();
        (vote_request(&core, core.term, false), seq)
    };
    tracing::info!(term = req.term, "starting election");
    // Our own vote counts only once it is durable.
    node.wait_flushed(seq).await;
    if !collect_votes(&node, &req).await {
        return;
    }
    let mut core = node.lock();
    if core.role != Role::Candidate || core.term != req.term {
        return;
    }
    core.become_leader();
    drop(core);
    node.flush_request.notify_one();
    node.wake_replicators();
}

/// Handles a RequestVote (or pre-vote); a real vote is answered only after
/// the term and vote are durable.
pub async fn handle_vote(node: &Arc<RaftNode>, req: VoteRequest) -> VoteResponse {
    let now = Instant::now();
    let (resp, seq) = {
        let mut core = node.lock();
        // Leader stickiness: while a leader is alive, a node that merely
        // lost contact cannot depose it.
        let heard_recently = core.role == Role::Leader
            || (core
                .last_leader_contact
                .is_some_and(|t| now - t < core.election_min())
                && core.leader.is_some()
                && core.leader.as_ref() != Some(&req.candidate));
        let up_to_date = (req.last_log_term, req.last_log_index)
            >= (core.log.last_term(), core.log.last_index());
        if req.pre_vote {
            return VoteResponse {
                term: core.term,
                granted: req.term > core.term && !heard_recently && up_to_date,
            };
        }
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
