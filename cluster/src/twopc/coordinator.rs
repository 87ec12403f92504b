//! The coordinator's state: its participant groups, the transactions in
//! flight, and every decision (the commits durable in its log before they
//! are sent).

use super::decision_log::{DecisionLog, Record};
use super::group_client::GroupClient;
use crate::bugs::BugSet;
use crate::error::ClusterError;
use crate::kv::{Outcome, TxnId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// What the coordinator tells a participant that asks about a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Decided: commit.
    Commit,
    /// Decided (or presumed): abort.
    Abort,
    /// Still collecting votes; ask again later.
    Pending,
}

/// Everything guarded together, so a decision and a participant's question
/// about the same transaction are ordered.
struct Book {
    log: DecisionLog,
    in_flight: BTreeSet<TxnId>,
    decided: BTreeMap<TxnId, Outcome>,
    undelivered: BTreeMap<TxnId, (Outcome, Vec<usize>)>,
}

/// A running coordinator.
pub struct Coordinator {
    /// Its id, e.g. `c1`.
    pub id: String,
    /// One client per shard, in shard order.
    pub groups: Vec<GroupClient>,
    /// Deliberate bugs.
    pub bugs: BugSet,
    /// How long one request to a group may keep trying.
    pub patience: Duration,
    boot: u64,
    next_seq: AtomicU64,
    book: Mutex<Book>,
}

/// Counts for `GET /status`.
#[derive(Debug, serde::Serialize)]
pub struct Counts {
    /// Incarnation number.
    pub boot: u64,
    /// Transactions collecting votes.
    pub in_flight: usize,
    /// Decided transactions not yet acknowledged by every participant.
    pub undelivered: usize,
    /// Decisions known.
    pub decided: usize,
}

impl Coordinator {
    /// A coordinator over `groups`, recovered from its log in `data_dir`.
    pub fn recover(
        id: String,
        groups: Vec<GroupClient>,
        bugs: BugSet,
        patience: Duration,
        data_dir: &std::path::Path,
    ) -> Result<Coordinator, ClusterError> {
        let (log, rec) = DecisionLog::open(data_dir)?;
        tracing::info!(
            boot = rec.boot,
            decided = rec.decided.len(),
            undelivered = rec.undelivered.len(),
            "coordinator recovered"
        );
        Ok(Coordinator {
            id,
            groups,
            bugs,
            patience,
            boot: rec.boot,
            next_seq: AtomicU64::new(1),
            book: Mutex::new(Book {
                log,
                in_flight: BTreeSet::new(),
                decided: rec.decided,
                undelivered: rec.undelivered,
            }),
        })
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        // Holders never panic mid-update.
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a transaction: a fresh id (never used by an earlier
    /// incarnation), marked in flight.
    pub fn begin(&self) -> TxnId {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let txid = format!("{}-b{}-{seq}", self.id, self.boot);
        self.book().in_flight.insert(txid.clone());
        txid
    }

    /// Decides commit: durable in the log before this returns, so before
    /// any participant can hear of it.
    pub fn decide_commit(&self, txid: &str, shards: &[usize]) -> Result<(), ClusterError> {
        let mut book = self.book();
        tokio::task::block_in_place(|| {
            book.log.append(
                &Record::Decision {
                    txid: txid.to_string(),
                    outcome: Outcome::Commit,
                    shards: shards.to_vec(),
                },
                true,
            )
        })?;
        book.in_flight.remove(txid);
        book.decided.insert(txid.to_string(), Outcome::Commit);
        Ok(())
    }

    /// Decides abort. Nothing is logged: a transaction neither in flight nor
    /// logged as committed is presumed aborted, which is the same answer.
    pub fn decide_abort(&self, txid: &str) {
        self.book().in_flight.remove(txid);
    }

    /// Answers a participant's question about `txid`. An unknown
    /// transaction that is not in flight (e.g. from before a restart) is
    /// aborted, and that is logged, so it can never be committed later.
    pub fn answer(&self, txid: &str) -> Result<Answer, ClusterError> {
        let mut book = self.book();
        if let Some(outcome) = book.decided.get(txid) {
            return Ok(match outcome {
                Outcome::Commit => Answer::Commit,
                Outcome::Abort => Answer::Abort,
            });
        }
        if book.in_flight.contains(txid) {
            return Ok(Answer::Pending);
        }
        tokio::task::block_in_place(|| {
            book.log.append(
                &Record::Decision {
                    txid: txid.to_string(),
                    outcome: Outcome::Abort,
                    shards: Vec::new(),
                },
                true,
            )
        })?;
        book.decided.insert(txid.to_string(), Outcome::Abort);
        Ok(Answer::Abort)
    }

    /// Hands a decision whose delivery did not finish to the background.
    pub fn defer_delivery(&self, txid: &str, outcome: Outcome, shards: Vec<usize>) {
        self.book()
            .undelivered
            .insert(txid.to_string(), (outcome, shards));
    }

    /// Decisions still to deliver.
    pub fn undelivered(&self) -> Vec<(TxnId, Outcome, Vec<usize>)> {
        self.book()
            .undelivered
            .iter()
            .map(|(t, (o, s))| (t.clone(), *o, s.clone()))
            .collect()
    }

    /// Records that every participant acknowledged the decision on `txid`.
    pub fn delivered(&self, txid: &str) {
        let mut book = self.book();
        book.undelivered.remove(txid);
        // Not synced: if it is lost, the decision is re-sent, and
        // participants acknowledge a repeated decision without effect.
        if let Err(e) = book.log.append(
            &Record::Done {
                txid: txid.to_string(),
            },
            false,
        ) {
            tracing::warn!("logging delivery of {txid}: {e}");
        }
    }

    /// Counts for the status endpoint.
    pub fn counts(&self) -> Counts {
        let book = self.book();
        Counts {
            boot: self.boot,
            in_flight: book.in_flight.len(),
            undelivered: book.undelivered.len(),
            decided: book.decided.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &std::path::Path) -> Coordinator {
        Coordinator::recover(
            "c1".into(),
            Vec::new(),
            BugSet::default(),
            Duration::from_secs(1),
            dir,
        )
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn decisions_survive_restarts_and_unknown_txns_are_aborted_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(dir.path());
        let committed = c.begin();
        let pending = c.begin();
        assert_ne!(committed, pending);
        assert_eq!(c.answer(&pending).unwrap(), Answer::Pending);
        c.decide_commit(&committed, &[0, 1]).unwrap();
        assert_eq!(c.answer(&committed).unwrap(), Answer::Commit);
        drop(c);

        // After a crash: the commit is remembered and still to deliver; the
        // txn that was in flight is presumed aborted, and stays aborted.
        let c = open(dir.path());
        assert_eq!(c.counts().boot, 2);
        assert!(
            !c.begin().contains("-b1-"),
            "ids must not repeat across boots"
        );
        assert_eq!(c.answer(&committed).unwrap(), Answer::Commit);
        assert_eq!(
            c.undelivered(),
            vec![(committed.clone(), Outcome::Commit, vec![0, 1])]
        );
        assert_eq!(c.answer(&pending).unwrap(), Answer::Abort);
        c.delivered(&committed);
        drop(c);
        let c = open(dir.path());
        assert_eq!(c.answer(&pending).unwrap(), Answer::Abort);
        assert_eq!(c.answer(&committed).unwrap(), Answer::Commit);
        assert!(
            c.undelivered().iter().all(|(t, _, _)| *t != committed),
            "a delivered commit is not re-sent"
        );
    }
}
