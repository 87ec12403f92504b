//! Durable local storage of a gossip node: an append-only file of versions,
//! one JSON line each, `sync_data`'d before a write is acknowledged, so a
//! kill -9 loses no acknowledged write. Replaying the file through the LWW
//! merge rebuilds the store; when the file holds many more lines than keys it
//! is rewritten with one line per key.

use super::store::{LwwStore, Versioned};
use crate::error::ClusterError;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// File name of the version log inside the node's data directory.
const FILE: &str = "gossip.jsonl";

/// Below this many lines the file is never compacted.
const COMPACT_MIN_LINES: usize = 1_000;

/// The open version log.
pub struct Storage {
    dir: PathBuf,
    file: File,
    lines: usize,
}

impl Storage {
    /// Opens (or creates) the log in `dir` and replays it into a store. A torn
    /// last line (a write cut off by a crash, so never acknowledged) is dropped.
    pub fn open(dir: &Path) -> Result<(Storage, LwwStore), ClusterError> {
        std::fs::create_dir_all(dir).map_err(|e| ClusterError::io("create", dir, e))?;
        let path = dir.join(FILE);
        let mut store = LwwStore::default();
        let mut lines = 0;
        let mut valid_len: u64 = 0;
        if path.exists() {
            let f = File::open(&path).map_err(|e| ClusterError::io("open", &path, e))?;
            let mut reader = BufReader::new(f);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .map_err(|e| ClusterError::io("read", &path, e))?;
                if n == 0 {
                    break;
                }
                let complete = line.ends_with('\n');
                match serde_json::from_str::<Versioned>(line.trim_end()) {
                    Ok(v) if complete => {
                        store.merge(&v);
                        lines += 1;
                        valid_len += n as u64;
                    }
                    parsed => {
                        // Only the tail may be torn; anything after it means damage.
                        let mut rest = String::new();
                        let more = reader
                            .read_line(&mut rest)
                            .map_err(|e| ClusterError::io("read", &path, e))?;
                        if more > 0 {
                            return Err(ClusterError::Corrupt {
                                path,
                                detail: format!(
                                    "bad record at byte {valid_len}: {}",
                                    parsed.err().map(|e| e.to_string()).unwrap_or_default()
                                ),
                            });
                        }
                        tracing::warn!(bytes = n, "dropping a torn last record");
                        break;
                    }
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ClusterError::io("open", &path, e))?;
        file.set_len(valid_len)
            .map_err(|e| ClusterError::io("truncate", &path, e))?;
        Ok((
            Storage {
                dir: dir.to_path_buf(),
                file,
                lines,
            },
            store,
        ))
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Appends versions and syncs them to disk before returning.
    pub fn append(&mut self, versions: &[Versioned]) -> Result<(), ClusterError> {
        if versions.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for v in versions {
            // Serialising plain data with string keys cannot fail.
            serde_json::to_writer(&mut buf, v).map_err(|e| ClusterError::Corrupt {
                path: self.path(),
                detail: e.to_string(),
            })?;
            buf.push(b'\n');
        }
        self.file
            .write_all(&buf)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| ClusterError::io("append", self.path(), e))?;
        self.lines += versions.len();
        Ok(())
    }

    /// Rewrites the file as one line per key when it has grown well past
    /// that, so it stays proportional to the data rather than to its history.
    pub fn maybe_compact(&mut self, store: &LwwStore) -> Result<(), ClusterError> {
        if self.lines < COMPACT_MIN_LINES.max(store.len().saturating_mul(4)) {
            return Ok(());
        }
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let entries = store.entries();
        let mut f = File::create(&tmp).map_err(|e| ClusterError::io("create", &tmp, e))?;
        let mut buf = Vec::new();
        for v in &entries {
            serde_json::to_writer(&mut buf, v).map_err(|e| ClusterError::Corrupt {
                path: tmp.clone(),
                detail: e.to_string(),
            })?;
            buf.push(b'\n');
        }
        f.write_all(&buf)
            .and_then(|_| f.sync_all())
            .map_err(|e| ClusterError::io("write", &tmp, e))?;
        let path = self.path();
        std::fs::rename(&tmp, &path).map_err(|e| ClusterError::io("rename", &path, e))?;
        // The rename itself must survive a crash too.
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| ClusterError::io("sync", &self.dir, e))?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| ClusterError::io("open", &path, e))?;
        self.lines = entries.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::clock::HybridClock;
    use serde_json::json;

    fn version(clock: &mut HybridClock, key: &str, v: i64) -> Versioned {
        Versioned {
            key: key.into(),
            value: json!(v),
            ts: clock.tick(),
        }
    }

    #[test]
    fn replay_restores_the_newest_versions_and_drops_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut clock = HybridClock::new("n1".parse().unwrap());
        {
            let (mut s, store) = Storage::open(dir.path()).unwrap();
            assert!(store.is_empty());
            s.append(&[version(&mut clock, "a", 1), version(&mut clock, "b", 2)])
                .unwrap();
            s.append(&[version(&mut clock, "a", 3)]).unwrap();
        }
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE))
            .unwrap();
        f.write_all(b"{\"key\":\"a\",\"val").unwrap();
        let (mut s, store) = Storage::open(dir.path()).unwrap();
        assert_eq!(store.get("a"), Some(&json!(3)));
        assert_eq!(store.get("b"), Some(&json!(2)));
        s.append(&[version(&mut clock, "c", 4)]).unwrap();
        let (_, store) = Storage::open(dir.path()).unwrap();
        assert_eq!(store.get("c"), Some(&json!(4)), "append after a torn tail");
    }

    #[test]
    fn compaction_keeps_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut clock = HybridClock::new("n1".parse().unwrap());
        let (mut s, mut store) = Storage::open(dir.path()).unwrap();
        // One batch, one fsync: the line count is what matters here.
        let batch: Vec<Versioned> = (0..COMPACT_MIN_LINES as i64 + 5)
            .map(|i| version(&mut clock, if i % 2 == 0 { "x" } else { "y" }, i))
            .collect();
        for v in &batch {
            store.merge(v);
        }
        s.append(&batch).unwrap();
        s.maybe_compact(&store).unwrap();
        assert_eq!(s.lines, 2);
        let (_, back) = Storage::open(dir.path()).unwrap();
        assert_eq!(back.entries(), store.entries());
    }
}
