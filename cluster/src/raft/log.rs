//! The write-ahead log: an append-only file of checksummed records holding the
//! Raft entries and the persistent term/vote.
//!
//! Record framing: `len: u32 LE | crc32(payload): u32 LE | payload (JSON)`.
//! An entry record at index `i` supersedes every earlier record at index
//! `>= i`, so a follower's conflict truncation is itself just an append.

use super::entries::Entry;
use crate::error::ClusterError;
pub use crate::framing::sync_dir;
use crate::framing::{self, encode};
use crate::node_id::NodeId;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the `no-fsync` bug keeps acknowledged records in user space.
const LAZY_WRITE_INTERVAL: Duration = Duration::from_millis(500);

/// One WAL record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// A log entry (supersedes records at the same or later index).
    Entry(Entry),
    /// The current term and vote.
    HardState {
        /// Current term.
        term: u64,
        /// Who this node voted for in `term`.
        voted_for: Option<NodeId>,
    },
}

/// What recovery found in the WAL.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Last persisted term.
    pub term: u64,
    /// Last persisted vote.
    pub voted_for: Option<NodeId>,
    /// Entry records in file order (later ones supersede earlier ones).
    pub entries: Vec<Entry>,
    /// Bytes dropped from a torn or corrupt tail.
    pub dropped_bytes: u64,
}

/// The open WAL file.
pub struct Wal {
    path: PathBuf,
    file: File,
    /// With the `no-fsync` bug: encoded records not yet handed to the kernel.
    lazy: Option<LazyBuffer>,
}

struct LazyBuffer {
    bytes: Vec<u8>,
    /// When the oldest buffered record was acknowledged.
    oldest: Option<Instant>,
}

impl Wal {
    /// Opens (or creates) `dir/wal`, replays it and cuts off a torn tail.
    /// `lazy` switches on the `no-fsync` bug.
    pub fn open(dir: &Path, lazy: bool) -> Result<(Wal, Recovered), ClusterError> {
        let path = dir.join("wal");
        let opened = framing::open::<Record>(&path)?;
        let file = opened.file;
        let mut rec = Recovered {
            dropped_bytes: opened.dropped_bytes,
            ..Recovered::default()
        };
        for r in opened.records {
            match r {
                Record::Entry(e) => rec.entries.push(e),
                Record::HardState { term, voted_for } => {
                    rec.term = term;
                    rec.voted_for = voted_for;
                }
            }
        }
        let lazy = lazy.then(|| LazyBuffer {
            bytes: Vec::new(),
            oldest: None,
        });
        Ok((Wal { path, file, lazy }, rec))
    }

    /// Appends records durably (`sync_data` before returning), or — with the
    /// `no-fsync` bug — only buffers them in memory.
    pub fn append(&mut self, records: &[Record]) -> Result<(), ClusterError> {
        let mut buf = Vec::new();
        for r in records {
            encode(r, &mut buf);
        }
        if let Some(lazy) = &mut self.lazy {
            lazy.bytes.extend_from_slice(&buf);
            lazy.oldest.get_or_insert_with(Instant::now);
            return self.tick();
        }
        self.file
            .write_all(&buf)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| ClusterError::io("append to", &self.path, e))
    }

    /// With the `no-fsync` bug, hands buffered records to the kernel once they
    /// are old enough (still without fsync).
    pub fn tick(&mut self) -> Result<(), ClusterError> {
        if let Some(lazy) = &mut self.lazy
            && lazy
                .oldest
                .is_some_and(|t| t.elapsed() >= LAZY_WRITE_INTERVAL)
        {
            lazy.oldest = None;
            self.file
                .write_all(&lazy.bytes)
                .map_err(|e| ClusterError::io("append to", &self.path, e))?;
            lazy.bytes.clear();
        }
        Ok(())
    }

    /// Replaces the whole file with `records` (after compaction), atomically:
    /// write a temporary file, fsync it, rename it over the WAL.
    pub fn rewrite(&mut self, records: &[Record]) -> Result<(), ClusterError> {
        self.file = framing::rewrite(&self.path, records)?;
        if let Some(lazy) = &mut self.lazy {
            lazy.bytes.clear();
            lazy.oldest = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::Command;
    use serde_json::json;

    fn entry(index: u64, term: u64) -> Record {
        Record::Entry(Entry {
            index,
            term,
            cmd: Command::Put {
                key: format!("k{index}"),
                value: json!(index),
            },
        })
    }

    #[test]
    fn records_persist_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, rec) = Wal::open(dir.path(), false).unwrap();
        assert!(rec.entries.is_empty());
        wal.append(&[
            Record::HardState {
                term: 3,
                voted_for: Some("n2".parse().unwrap()),
            },
            entry(1, 3),
            entry(2, 3),
        ])
        .unwrap();
        drop(wal);
        let (_, rec) = Wal::open(dir.path(), false).unwrap();
        assert_eq!(rec.term, 3);
        assert_eq!(rec.voted_for.as_ref().map(|n| n.as_str()), Some("n2"));
        assert_eq!(rec.entries.len(), 2);
        assert_eq!(rec.dropped_bytes, 0);
    }

    #[test]
    fn torn_tail_is_dropped_and_file_stays_appendable() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), false).unwrap();
        wal.append(&[entry(1, 1), entry(2, 1)]).unwrap();
        drop(wal);
        // Simulate a crash in the middle of writing a third record.
        let path = dir.path().join("wal");
        let mut bytes = std::fs::read(&path).unwrap();
        let mut torn = Vec::new();
        encode(&entry(3, 1), &mut torn);
        bytes.extend_from_slice(&torn[..torn.len() / 2]);
        std::fs::write(&path, &bytes).unwrap();

        let (mut wal, rec) = Wal::open(dir.path(), false).unwrap();
        assert_eq!(rec.entries.len(), 2);
        assert!(rec.dropped_bytes > 0);
        wal.append(&[entry(3, 2)]).unwrap();
        drop(wal);
        let (_, rec) = Wal::open(dir.path(), false).unwrap();
        assert_eq!(rec.entries.len(), 3);
        assert_eq!(rec.entries[2].term, 2);
    }

    #[test]
    fn corrupt_record_stops_replay() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), false).unwrap();
        wal.append(&[entry(1, 1), entry(2, 1)]).unwrap();
        drop(wal);
        let path = dir.path().join("wal");
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let (_, rec) = Wal::open(dir.path(), false).unwrap();
        assert_eq!(rec.entries.len(), 1);
    }

    #[test]
    fn rewrite_replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), false).unwrap();
        wal.append(&[entry(1, 1), entry(2, 1), entry(3, 1)])
            .unwrap();
        wal.rewrite(&[entry(3, 1)]).unwrap();
        wal.append(&[entry(4, 1)]).unwrap();
        drop(wal);
        let (_, rec) = Wal::open(dir.path(), false).unwrap();
        let idx: Vec<u64> = rec.entries.iter().map(|e| e.index).collect();
        assert_eq!(idx, vec![3, 4]);
    }

    #[test]
    fn lazy_mode_loses_unwritten_records() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), true).unwrap();
        wal.append(&[entry(1, 1)]).unwrap();
        // Dropping without a tick past the interval models kill -9.
        drop(wal);
        let (_, rec) = Wal::open(dir.path(), false).unwrap();
        assert!(rec.entries.is_empty());
    }
}
