//! The acceptor's durable store: an append-only file of checksummed
//! per-key records (the latest record of a key wins), fsynced before the
//! acceptor answers. Concurrent writers share fsyncs: whoever holds the file
//! writes everything queued so far, and the others find their record
//! already durable (group commit). Once most records are superseded, the
//! file is rewritten with one record per key (compaction).

use super::ballot::Ballot;
use super::messages::Accepted;
use crate::error::ClusterError;
use crate::framing;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The acceptor state of one key, as persisted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyState {
    /// The highest ballot promised.
    pub promised: Option<Ballot>,
    /// The last accepted value.
    pub accepted: Option<Accepted>,
}

/// One record: the full state of a key after a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The key.
    pub key: String,
    /// Its state.
    pub state: KeyState,
}

impl Record {
    /// The record of `key` in `state` (a copy: the live state moves on).
    pub fn of(key: String, state: &KeyState) -> Record {
        Record {
            key,
            state: state.clone(),
        }
    }
}

/// Compact once the file holds this many records...
const COMPACT_MIN_RECORDS: u64 = 20_000;
/// ...and this many times as many records as there are keys.
const COMPACT_FACTOR: u64 = 4;

/// Records queued but not yet written.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// How many records `bytes` holds.
    count: u64,
    /// Sequence number of the last queued record.
    seq: u64,
}

/// The open store file.
pub struct Store {
    path: PathBuf,
    file: tokio::sync::Mutex<File>,
    pending: Mutex<Pending>,
    durable: AtomicU64,
    /// Records in the file, superseded ones included.
    in_file: AtomicU64,
    /// Fewest records in the file before compaction is considered.
    compact_min: u64,
}

/// What the store held when opened.
pub struct Recovered {
    /// Records in file order.
    pub records: Vec<Record>,
    /// Bytes dropped from a torn or corrupt tail.
    pub dropped_bytes: u64,
}

impl Store {
    /// Opens (or creates) `dir/acceptor`, replays it and cuts off a torn tail.
    pub fn open(dir: &Path) -> Result<(Store, Recovered), ClusterError> {
        let path = dir.join("acceptor");
        let opened = framing::open::<Record>(&path)?;
        let store = Store {
            path,
            file: tokio::sync::Mutex::new(opened.file),
            pending: Mutex::new(Pending::default()),
            durable: AtomicU64::new(0),
            in_file: AtomicU64::new(opened.records.len() as u64),
            compact_min: COMPACT_MIN_RECORDS,
        };
        Ok((
            store,
            Recovered {
                records: opened.records,
                dropped_bytes: opened.dropped_bytes,
            },
        ))
    }

    /// Queues a record and returns its sequence number. Callers queue while
    /// holding the acceptor's lock, so file order is decision order.
    pub fn enqueue(&self, record: &Record) -> u64 {
        // Nothing panics while holding the lock; poisoning cannot leave it torn.
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        framing::encode(record, &mut p.bytes);
        p.count += 1;
        p.seq += 1;
        p.seq
    }

    /// The sequence number of the last record queued so far.
    pub fn queued(&self) -> u64 {
        self.pending().seq
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // Nothing panics while holding the lock; poisoning cannot leave it torn.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns once record `seq` (and every earlier one) is on disk.
    pub async fn wait_durable(&self, seq: u64) -> Result<(), ClusterError> {
        if self.durable.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        let mut file = self.file.lock().await;
        // Someone else may have written our record while we waited.
        if self.durable.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        let (bytes, count, upto) = {
            let mut p = self.pending();
            (
                std::mem::take(&mut p.bytes),
                std::mem::take(&mut p.count),
                p.seq,
            )
        };
        // No await between taking the batch and publishing it: a cancelled
        // caller cannot lose queued records.
        tokio::task::block_in_place(|| file.write_all(&bytes).and_then(|_| file.sync_data()))
            .map_err(|e| ClusterError::io("append to", &self.path, e))?;
        self.in_file.fetch_add(count, Ordering::Relaxed);
        self.durable.store(upto, Ordering::Release);
        Ok(())
    }

    /// Whether the file has grown enough past `keys` live records to compact.
    pub fn wants_compaction(&self, keys: usize) -> bool {
        let n = self.in_file.load(Ordering::Relaxed);
        n >= self.compact_min && n >= COMPACT_FACTOR.saturating_mul(keys as u64)
    }

    /// Rewrites the file with one record per key. `snapshot` runs with the
    /// file held; it must call the given function while holding the lock it
    /// enqueues under and return the records with that function's result:
    /// records queued so far are covered by the snapshot, so they are dropped
    /// instead of written, and count as durable once the snapshot is.
    pub async fn compact<F>(&self, snapshot: F) -> Result<(), ClusterError>
    where
        F: FnOnce(&dyn Fn() -> u64) -> (Vec<Record>, u64),
    {
        let mut file = self.file.lock().await;
        if self.in_file.load(Ordering::Relaxed) < self.compact_min {
            // Another caller compacted while we waited for the file.
            return Ok(());
        }
        let drop_pending = || {
            let mut p = self.pending();
            p.bytes.clear();
            p.count = 0;
            p.seq
        };
        let (records, upto) = snapshot(&drop_pending);
        *file = tokio::task::block_in_place(|| framing::rewrite(&self.path, &records))?;
        self.in_file.store(records.len() as u64, Ordering::Relaxed);
        self.durable.fetch_max(upto, Ordering::Release);
        tracing::info!(keys = records.len(), "compacted the acceptor store");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(key: &str, round: u64, value: Option<i64>) -> Record {
        let ballot = Ballot::new(round, "n1".parse().unwrap());
        Record {
            key: key.into(),
            state: KeyState {
                promised: Some(ballot.clone()),
                accepted: value.map(|v| Accepted {
                    ballot,
                    value: Some(json!(v)),
                }),
            },
        }
    }

    async fn write(dir: &Path, records: &[Record]) {
        let (store, _) = Store::open(dir).unwrap();
        let mut last = 0;
        for r in records {
            last = store.enqueue(r);
        }
        store.wait_durable(last).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn records_survive_reopen_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let written = vec![
            record("a", 1, None),
            record("a", 2, Some(7)),
            record("b", 3, Some(1)),
        ];
        write(dir.path(), &written).await;
        let (_, rec) = Store::open(dir.path()).unwrap();
        assert_eq!(rec.records, written);
        assert_eq!(rec.dropped_bytes, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn torn_last_record_is_dropped_and_store_stays_appendable() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[record("a", 1, Some(1)), record("a", 2, Some(2))],
        )
        .await;
        // A crash halfway through writing a third record.
        let path = dir.path().join("acceptor");
        let mut bytes = std::fs::read(&path).unwrap();
        let mut torn = Vec::new();
        framing::encode(&record("a", 3, Some(3)), &mut torn);
        bytes.extend_from_slice(&torn[..torn.len() - 3]);
        std::fs::write(&path, &bytes).unwrap();

        let (_, rec) = Store::open(dir.path()).unwrap();
        assert_eq!(rec.records.len(), 2);
        assert_eq!(rec.records[1], record("a", 2, Some(2)));
        assert!(rec.dropped_bytes > 0);
        write(dir.path(), &[record("a", 4, Some(4))]).await;
        let (_, rec) = Store::open(dir.path()).unwrap();
        assert_eq!(
            rec.records.len(),
            3,
            "appended after the cut, not after garbage"
        );
        assert_eq!(rec.records[2], record("a", 4, Some(4)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compaction_keeps_the_latest_record_of_each_key() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::open(dir.path()).unwrap();
        store.compact_min = 10;
        let mut latest = std::collections::BTreeMap::new();
        for round in 1..=6 {
            for key in ["a", "b"] {
                let r = record(key, round, Some(round as i64));
                store.wait_durable(store.enqueue(&r)).await.unwrap();
                latest.insert(key, r);
            }
        }
        assert!(store.wants_compaction(2));
        // One change is queued but not yet written when the snapshot is taken.
        let late = record("c", 9, Some(9));
        let seq = store.enqueue(&late);
        latest.insert("c", late);
        let snapshot: Vec<Record> = latest.values().cloned().collect();
        store
            .compact(|drop_pending| (snapshot.clone(), drop_pending()))
            .await
            .unwrap();
        store.wait_durable(seq).await.unwrap();
        assert!(!store.wants_compaction(3));
        let after = record("a", 10, None);
        store.wait_durable(store.enqueue(&after)).await.unwrap();
        drop(store);
        let (_, rec) = Store::open(dir.path()).unwrap();
        let mut expected = snapshot;
        expected.push(after);
        assert_eq!(rec.records, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_all_become_durable() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let store = std::sync::Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let seq = store.enqueue(&record(&format!("k{i}"), 1, Some(i)));
                store.wait_durable(seq).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        drop(store);
        let (_, rec) = Store::open(dir.path()).unwrap();
        assert_eq!(rec.records.len(), 20);
    }
}
