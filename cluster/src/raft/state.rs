//! The mutable Raft state of one node (guarded by one mutex) and the
//! transitions between roles.

use super::entries::{Entry, EntryLog};
use super::log::Record;
use super::messages::Snapshot;
use crate::apply::ApplyResult;
use crate::kv::{Command, KvState};
use crate::node_id::NodeId;
use rand::RngExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The role a node currently plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asking for votes.
    Candidate,
    /// Accepts writes and replicates them.
    Leader,
}

/// A client waiting for its entry to be applied.
pub struct Waiter {
    /// The term the entry was proposed in; a different term at that index
    /// means the entry was overwritten.
    pub term: u64,
    /// Where the result goes.
    pub tx: oneshot::Sender<ApplyResult>,
}

/// Per-peer bookkeeping of a leader.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Next index to send.
    pub next_index: u64,
    /// Highest index known to be stored on the peer.
    pub match_index: u64,
    /// Last time the peer answered in the current term.
    pub last_ack: Option<Instant>,
    /// Highest read round confirmed by the peer (ReadIndex).
    pub acked_round: u64,
}

/// Everything mutable about a node.
pub struct Core {
    /// This node.
    pub id: NodeId,
    /// Current term (persistent).
    pub term: u64,
    /// Vote in the current term (persistent).
    pub voted_for: Option<NodeId>,
    /// Current role.
    pub role: Role,
    /// Known leader of the current term.
    pub leader: Option<NodeId>,
    /// The log (persistent via the WAL).
    pub log: EntryLog,
    /// Highest index known committed.
    pub commit_index: u64,
    /// Highest index applied to `kv`.
    pub last_applied: u64,
    /// The state machine.
    pub kv: KvState,
    /// Latest snapshot (sent to followers that are too far behind).
    pub snapshot: Option<Arc<Snapshot>>,
    /// WAL records not yet handed to the flusher.
    pub wal_pending: Vec<Record>,
    /// Number of WAL records ever queued (the flusher reports progress in it).
    pub wal_seq: u64,
    /// Last log index known to be durable locally.
    pub durable_index: u64,
    /// When a follower/candidate starts an election.
    pub election_deadline: Instant,
    /// Last time a current leader was heard from.
    pub last_leader_contact: Option<Instant>,
    /// When this node last became leader.
    pub leader_since: Instant,
    /// Leader: where its lock commands' stamps count from
    /// (`crate::lock::clock`).
    pub lease_base: crate::lock::clock::LeaseBase,
    /// Index of this leader's first entry of its term (reads wait for it).
    pub term_start_index: u64,
    /// Leader: per-peer replication progress.
    pub progress: BTreeMap<NodeId, Progress>,
    /// Leader: read rounds started (ReadIndex).
    pub read_round: u64,
    /// Clients waiting for their entries.
    pub waiters: HashMap<u64, Waiter>,
    /// Cluster size (self included).
    pub cluster_size: usize,
    election_min: Duration,
    election_max: Duration,
}

impl Core {
    /// A fresh follower state.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: NodeId,
        peers: &[NodeId],
        term: u64,
        voted_for: Option<NodeId>,
        log: EntryLog,
        kv: KvState,
        snapshot: Option<Arc<Snapshot>>,
        election: (Duration, Duration),
    ) -> Self {
        let snap_index = log.snap_index();
        let durable = log.last_index();
        let mut core = Core {
            id,
            term,
            voted_for,
            role: Role::Follower,
            leader: None,
            log,
            commit_index: snap_index,
            last_applied: snap_index,
            kv,
            snapshot,
            wal_pending: Vec::new(),
            wal_seq: 0,
            durable_index: durable,
            election_deadline: Instant::now(),
            last_leader_contact: None,
            leader_since: Instant::now(),
            lease_base: Default::default(),
            term_start_index: 0,
            progress: peers
                .iter()
                .map(|p| {
                    (
                        p.clone(),
                        Progress {
                            next_index: 1,
                            match_index: 0,
                            last_ack: None,
                            acked_round: 0,
                        },
                    )
                })
                .collect(),
            read_round: 0,
            waiters: HashMap::new(),
            cluster_size: peers.len() + 1,
            election_min: election.0,
            election_max: election.1,
        };
        core.reset_election_deadline();
        core
    }

    /// Votes needed for a majority.
    pub fn majority(&self) -> usize {
        self.cluster_size / 2 + 1
    }

    /// The lower bound of the election timeout.
    pub fn election_min(&self) -> Duration {
        self.election_min
    }

    /// The upper bound of the election timeout.
    pub fn election_max(&self) -> Duration {
        self.election_max
    }

    /// Picks a new randomized election deadline.
    pub fn reset_election_deadline(&mut self) {
        let min = self.election_min.as_millis() as u64;
        let max = (self.election_max.as_millis() as u64).max(min + 1);
        let ms = rand::rng().random_range(min..max);
        self.election_deadline = Instant::now() + Duration::from_millis(ms);
    }

    /// Queues a WAL record; returns the sequence number to wait for.
    pub fn queue(&mut self, record: Record) -> u64 {
        self.wal_pending.push(record);
        self.wal_seq += 1;
        self.wal_seq
    }

    /// Queues the current term and vote for persistence.
    pub fn persist_hard_state(&mut self) -> u64 {
        self.queue(Record::HardState {
            term: self.term,
            voted_for: self.voted_for.clone(),
        })
    }

    /// Appends an entry to the log and queues it for the WAL.
    pub fn append_entry(&mut self, entry: Entry) -> u64 {
        self.log.push(entry.clone());
        self.queue(Record::Entry(entry))
    }

    /// Steps down to follower; adopts `term` if it is newer (clearing the vote).
    pub fn become_follower(&mut self, term: u64, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist_hard_state();
            self.leader = None;
        }
        if self.role != Role::Follower {
            tracing::info!(term = self.term, "stepping down to follower");
            // Their entries may still commit under the next leader, but this
            // node can no longer tell: the clients get "unknown".
            self.waiters.clear();
        }
        self.role = Role::Follower;
        if leader.is_some() {
            self.leader = leader;
        }
    }

    /// Becomes leader of the current term and appends its no-op entry.
    pub fn become_leader(&mut self) {
        tracing::info!(term = self.term, "became leader");
        self.role = Role::Leader;
        self.leader = Some(self.id.clone());
        self.leader_since = Instant::now();
        self.lease_base = Default::default();
        self.read_round = 0;
        let next = self.log.last_index() + 1;
        for p in self.progress.values_mut() {
            p.next_index = next;
            p.match_index = 0;
            p.last_ack = None;
            p.acked_round = 0;
        }
        self.term_start_index = next;
        self.append_entry(Entry {
            index: next,
            term: self.term,
            cmd: Command::Noop,
        });
    }

    /// Leader: commits the highest index stored on a majority, if it is of
    /// the current term (earlier entries commit with it).
    pub fn advance_leader_commit(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let mut matches: Vec<u64> = self.progress.values().map(|p| p.match_index).collect();
        matches.push(self.durable_index);
        matches.sort_unstable_by(|a, b| b.cmp(a));
        let n = matches[self.majority() - 1];
        if n > self.commit_index && self.log.term_at(n) == Some(self.term) {
            self.commit_index = n;
        }
    }

    /// Applies committed entries to the state machine and answers waiting
    /// clients.
    pub fn apply_committed(&mut self) {
        while self.last_applied < self.commit_index {
            let index = self.last_applied + 1;
            let Some(entry) = self.log.get(index) else {
                // Covered by a snapshot that was installed meanwhile.
                break;
            };
            let result = self.kv.apply(&entry.cmd);
            let term = entry.term;
            self.last_applied = index;
            if let Some(w) = self.waiters.remove(&index)
                && w.term == term
            {
                let _ = w.tx.send(result);
            }
        }
    }

    /// Leader: how many nodes (self included) confirmed read round `round`.
    pub fn read_confirmations(&self, round: u64) -> usize {
        1 + self
            .progress
            .values()
            .filter(|p| p.acked_round >= round)
            .count()
    }

    /// The records that describe the whole persistent state (for a WAL rewrite).
    pub fn full_records(&self) -> Vec<Record> {
        let mut out = vec![Record::HardState {
            term: self.term,
            voted_for: self.voted_for.clone(),
        }];
        out.extend(self.log.entries().iter().cloned().map(Record::Entry));
        out
    }
}
