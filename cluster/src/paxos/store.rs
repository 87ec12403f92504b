//! The acceptor's durable store: an append-only file of checksummed
//! per-key records (the latest record of a key wins), fsynced before the
//! acceptor answers. Concurrent writers share fsyncs: whoever holds the file
//! writes everything queued so far, and the others find their record
//! already durable (group commit).

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

/// Records queued but not yet written.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Sequence number of the last queued record.
    seq: u64,
}

/// The open store file.
pub struct Store {
    path: PathBuf,
    file: tokio::sync::Mutex<File>,
    pending: Mutex<Pending>,
    durable: AtomicU64,
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
        p.seq += 1;
        p.seq
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
        let (bytes, upto) = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut p.bytes), p.seq)
        };
        // No await between taking the batch and publishing it: a cancelled
        // caller cannot lose queued records.
        tokio::task::block_in_place(|| file.write_all(&bytes).and_then(|_| file.sync_data()))
            .map_err(|e| ClusterError::io("append to", &self.path, e))?;
        self.durable.store(upto, Ordering::Release);
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
