//! The coordinator's own durable log: one JSON record per line, appended and
//! fsynced. A commit decision is on disk before any participant hears of it,
//! so a restarted coordinator re-sends exactly the commits it had decided.

use crate::error::ClusterError;
use crate::kv::{Outcome, TxnId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    /// A new incarnation started; transaction ids carry it, so ids never repeat.
    Boot {
        /// The incarnation number.
        boot: u64,
    },
    /// The decision on a transaction and the shards (0-based) it touched.
    Decision {
        /// The transaction.
        txid: TxnId,
        /// What was decided.
        outcome: Outcome,
        /// The participant shards that must hear it.
        shards: Vec<usize>,
    },
    /// Every participant acknowledged the decision.
    Done {
        /// The transaction.
        txid: TxnId,
    },
}

/// What the log says after a restart.
#[derive(Debug, Default)]
pub struct Recovered {
    /// This incarnation's number (one more than the last logged).
    pub boot: u64,
    /// Every logged decision.
    pub decided: BTreeMap<TxnId, Outcome>,
    /// Decisions not yet acknowledged by every participant, with their shards.
    pub undelivered: BTreeMap<TxnId, (Outcome, Vec<usize>)>,
}

/// The open log file.
pub struct DecisionLog {
    path: PathBuf,
    file: File,
}

impl DecisionLog {
    /// Opens (or creates) `dir/decisions.log`, replays it and durably logs
    /// the new incarnation. A torn last line (crash mid-append) is cut off.
    pub fn open(dir: &Path) -> Result<(DecisionLog, Recovered), ClusterError> {
        std::fs::create_dir_all(dir).map_err(|e| ClusterError::io("create", dir, e))?;
        let path = dir.join("decisions.log");
        let mut rec = Recovered::default();
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| ClusterError::io("open", &path, e))?;
        let mut bytes = Vec::new();
        (&file)
            .read_to_end(&mut bytes)
            .map_err(|e| ClusterError::io("read", &path, e))?;
        let mut whole = 0u64;
        // Only newline-terminated lines count: an unterminated tail was
        // never fsynced, so nobody acted on it.
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            if line.last() != Some(&b'\n') {
                break;
            }
            let Ok(record) = serde_json::from_slice::<Record>(line) else {
                break;
            };
            whole += line.len() as u64;
            rec.replay(record);
        }
        // Cut a torn tail so the next record starts on a line of its own.
        file.set_len(whole)
            .map_err(|e| ClusterError::io("truncate", &path, e))?;
        let mut log = DecisionLog { path, file };
        rec.boot += 1;
        log.append(&Record::Boot { boot: rec.boot }, true)?;
        Ok((log, rec))
    }

    /// Appends a record; with `sync`, returns only once it is on disk.
    pub fn append(&mut self, record: &Record, sync: bool) -> Result<(), ClusterError> {
        let mut line = serde_json::to_vec(record).map_err(|e| ClusterError::Corrupt {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(|e| ClusterError::io("write", &self.path, e))?;
        if sync {
            self.file
                .sync_data()
                .map_err(|e| ClusterError::io("sync", &self.path, e))?;
        }
        Ok(())
    }
}

impl Recovered {
    fn replay(&mut self, record: Record) {
        match record {
            Record::Boot { boot } => self.boot = self.boot.max(boot),
            Record::Decision {
                txid,
                outcome,
                shards,
            } => {
                self.decided.insert(txid.clone(), outcome);
                self.undelivered.insert(txid, (outcome, shards));
            }
            Record::Done { txid } => {
                self.undelivered.remove(&txid);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_decisions_and_bumps_boot() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, rec) = DecisionLog::open(dir.path()).unwrap();
        assert_eq!(rec.boot, 1);
        let commit = |t: &str| Record::Decision {
            txid: t.into(),
            outcome: Outcome::Commit,
            shards: vec![0, 1],
        };
        log.append(&commit("a"), true).unwrap();
        log.append(&commit("b"), true).unwrap();
        log.append(&Record::Done { txid: "a".into() }, false)
            .unwrap();
        drop(log);
        // A torn tail from a crash mid-append.
        let path = dir.path().join("decisions.log");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"kind\":\"deci").unwrap();
        drop(f);
        let (_log, rec) = DecisionLog::open(dir.path()).unwrap();
        assert_eq!(rec.boot, 2);
        assert_eq!(rec.decided.len(), 2);
        assert_eq!(
            rec.undelivered.keys().collect::<Vec<_>>(),
            vec![&"b".to_string()]
        );
    }
}
