//! The acceptor: per key, a promised ballot and the last accepted value. A
//! change is queued to the durable store under the lock and the answer waits
//! until it is on disk, so a promise or accept survives kill -9.

use super::messages::{
    AcceptRequest, AcceptResponse, Accepted, PrepareRequest, PrepareResponse, QueryRequest,
    QueryResponse,
};
use super::store::{KeyState, Record, Store};
use crate::error::ClusterError;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// The acceptor of one node.
pub struct Acceptor {
    keys: Mutex<HashMap<String, KeyState>>,
    store: Store,
}

impl Acceptor {
    /// Recovers the acceptor's state from `dir`.
    pub fn recover(dir: &Path) -> Result<Acceptor, ClusterError> {
        let (store, rec) = Store::open(dir)?;
        if rec.dropped_bytes > 0 {
            tracing::warn!(bytes = rec.dropped_bytes, "dropped torn acceptor record");
        }
        let mut keys = HashMap::new();
        for r in rec.records {
            keys.insert(r.key, r.state);
        }
        tracing::info!(keys = keys.len(), "recovered acceptor state");
        Ok(Acceptor {
            keys: Mutex::new(keys),
            store,
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, KeyState>> {
        // Nothing panics while holding the lock; the map stays consistent.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Phase 1: promise if `ballot` is above every earlier promise.
    pub async fn prepare(&self, req: PrepareRequest) -> Result<PrepareResponse, ClusterError> {
        let (resp, seq) = {
            let mut keys = self.lock();
            let state = keys.entry(req.key.clone()).or_default();
            if state.promised.as_ref().is_some_and(|p| *p >= req.ballot) {
                let resp = PrepareResponse {
                    ok: false,
                    promised: state.promised.clone(),
                    accepted: None,
                };
                (resp, None)
            } else {
                state.promised = Some(req.ballot);
                let resp = PrepareResponse {
                    ok: true,
                    promised: state.promised.clone(),
                    accepted: state.accepted.clone(),
                };
                (resp, Some(self.store.enqueue(&Record::of(req.key, state))))
            }
        };
        self.durable(seq).await?;
        Ok(resp)
    }

    /// Phase 2: accept unless a higher ballot was promised meanwhile.
    pub async fn accept(&self, req: AcceptRequest) -> Result<AcceptResponse, ClusterError> {
        let (resp, seq) = {
            let mut keys = self.lock();
            let state = keys.entry(req.key.clone()).or_default();
            if state.promised.as_ref().is_some_and(|p| *p > req.ballot) {
                let resp = AcceptResponse {
                    ok: false,
                    promised: state.promised.clone(),
                };
                (resp, None)
            } else {
                state.promised = Some(req.ballot.clone());
                state.accepted = Some(Accepted {
                    ballot: req.ballot,
                    value: req.value,
                });
                let resp = AcceptResponse {
                    ok: true,
                    promised: state.promised.clone(),
                };
                (resp, Some(self.store.enqueue(&Record::of(req.key, state))))
            }
        };
        self.durable(seq).await?;
        Ok(resp)
    }

    /// Waits until the record queued as `seq` (if any) is fsynced: no reply
    /// may leave before the state it promises is on disk.
    async fn durable(&self, seq: Option<u64>) -> Result<(), ClusterError> {
        if let Some(seq) = seq {
            self.store.wait_durable(seq).await?;
            self.maybe_compact().await?;
        }
        Ok(())
    }

    /// Read-only: the accepted value of a key, answered only once it is on
    /// disk, so a reader never sees an accept that a crash could undo.
    pub async fn query(&self, req: QueryRequest) -> Result<QueryResponse, ClusterError> {
        let (accepted, seq) = {
            let keys = self.lock();
            let accepted = keys.get(&req.key).and_then(|s| s.accepted.clone());
            (accepted, self.store.queued())
        };
        self.store.wait_durable(seq).await?;
        Ok(QueryResponse { accepted })
    }

    /// Rewrites the store with one record per key once superseded records
    /// dominate it, so restarts replay little.
    async fn maybe_compact(&self) -> Result<(), ClusterError> {
        if !self.store.wants_compaction(self.key_count()) {
            return Ok(());
        }
        self.store
            .compact(|drop_pending| {
                let keys = self.lock();
                let records = keys
                    .iter()
                    .map(|(key, state)| Record {
                        key: key.clone(),
                        state: state.clone(),
                    })
                    .collect();
                (records, drop_pending())
            })
            .await
    }

    /// The value this acceptor last accepted for `key` (not necessarily chosen).
    pub fn accepted_value(&self, key: &str) -> Option<Value> {
        self.lock()
            .get(key)
            .and_then(|s| s.accepted.as_ref())
            .and_then(|a| a.value.clone())
    }

    /// The highest round this acceptor promised for `key` (0 if none).
    pub fn promised_round(&self, key: &str) -> u64 {
        self.lock()
            .get(key)
            .and_then(|s| s.promised.as_ref())
            .map_or(0, |b| b.round)
    }

    /// How many keys this acceptor has state for.
    pub fn key_count(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::ballot::Ballot;
    use super::*;
    use serde_json::json;

    fn b(round: u64) -> Ballot {
        Ballot::new(round, "n1".parse().unwrap())
    }

    fn prepare(round: u64) -> PrepareRequest {
        PrepareRequest {
            key: "k".into(),
            ballot: b(round),
        }
    }

    fn accept(round: u64, v: i64) -> AcceptRequest {
        AcceptRequest {
            key: "k".into(),
            ballot: b(round),
            value: Some(json!(v)),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn promises_and_accepts_survive_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let a = Acceptor::recover(dir.path()).unwrap();
        assert!(a.prepare(prepare(2)).await.unwrap().ok);
        assert!(!a.prepare(prepare(2)).await.unwrap().ok, "equal ballot");
        assert!(!a.prepare(prepare(1)).await.unwrap().ok);
        assert!(a.accept(accept(2, 5)).await.unwrap().ok);
        let q = a.query(QueryRequest { key: "k".into() }).await.unwrap();
        assert_eq!(q.accepted.map(|x| x.value), Some(Some(json!(5))));
        assert!(a.prepare(prepare(9)).await.unwrap().ok);
        drop(a);

        let a = Acceptor::recover(dir.path()).unwrap();
        assert_eq!(a.promised_round("k"), 9);
        assert_eq!(a.accepted_value("k"), Some(json!(5)));
        let r = a.accept(accept(8, 6)).await.unwrap();
        assert!(!r.ok, "accept below the recovered promise");
        assert_eq!(r.promised, Some(b(9)));
        let r = a.prepare(prepare(10)).await.unwrap();
        assert_eq!(
            r.accepted.map(|x| (x.ballot, x.value)),
            Some((b(2), Some(json!(5))))
        );
    }
}
