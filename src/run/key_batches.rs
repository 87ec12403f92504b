//! A history file read back as batches of whole keys: every event of a key
//! lands in one batch, handed over once the file has passed the key's last
//! event, so checking a long run holds the keys in use at once, not the
//! whole run (keys move on after `per_key_limit` operations).
//!
//! The final reads read every key the run used, at its very end: counted
//! as any other events they would keep every key open to the end. They
//! are the index's tail, read first and joined to each key as it ends.

use super::history_file::EventLines;
use faultline_checkers::{Event, ProcessId};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Events a batch gathers before it is handed over (a key is never split).
pub const BATCH_EVENTS: usize = 200_000;

/// Where the history's tail (the final reads) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    /// Its first event's position (0-based, in events).
    pub position: u64,
    /// Its first line's byte offset.
    pub offset: u64,
}

/// Where each key's events end; from [`super::history_pass::read`].
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    /// For each key, the position of its last event before the tail.
    pub ends: HashMap<String, u64>,
    /// The tail, if the run got to its final reads.
    pub tail: Option<Tail>,
    /// When the last nemesis event happened (ns): the batches leave the
    /// nemesis out, and the eventual checker needs the last heal.
    pub last_nemesis: Option<u64>,
}

/// Where the first read error of a history's batches is left, shared by
/// every pass over them: the checkers consume the batches, so the caller
/// looks here once they end.
pub type ReadError = Arc<Mutex<Option<anyhow::Error>>>;

/// The batches of a history file; see the module documentation.
#[derive(Debug)]
pub struct KeyBatches {
    path: PathBuf,
    /// Before the tail; `None` until the tail has been read.
    lines: Option<EventLines>,
    index: KeyIndex,
    /// The tail's events by key, joined to each key as it ends.
    tail: HashMap<String, Vec<Event>>,
    /// Events of keys whose last event is still ahead.
    open: HashMap<String, Vec<Event>>,
    /// Client events without a key, for the last batch.
    unkeyed: Vec<Event>,
    batch: Vec<Event>,
    batch_events: usize,
    position: u64,
    /// The first read error; the batches end there.
    error: ReadError,
    done: bool,
}

impl KeyBatches {
    /// Batches of `path` given its key index; the file is opened on the
    /// first batch, and a read error ends the batches and is left in
    /// `error`.
    pub fn open(path: &Path, index: KeyIndex, error: ReadError) -> KeyBatches {
        KeyBatches {
            path: path.to_path_buf(),
            lines: None,
            index,
            tail: HashMap::new(),
            open: HashMap::new(),
            unkeyed: Vec::new(),
            batch: Vec::new(),
            batch_events: BATCH_EVENTS,
            position: 0,
            error,
            done: false,
        }
    }

    /// Batches of about `n` events instead of [`BATCH_EVENTS`].
    pub fn with_batch_events(mut self, n: usize) -> KeyBatches {
        self.batch_events = n.max(1);
        self
    }

    fn fail(&mut self, err: anyhow::Error) {
        // Every pass meets the same error: the first one says it.
        self.error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(err);
        self.done = true;
    }

    /// Reads the tail into `self.tail`, then opens the file at its start.
    fn start(&mut self) -> anyhow::Result<EventLines> {
        if let Some(tail) = self.index.tail {
            for event in EventLines::open_at(&self.path, tail.offset)? {
                let e = event?;
                match (&e.process, e.key.clone()) {
                    (ProcessId::Nemesis, _) => {}
                    (_, Some(key)) => self.tail.entry(key).or_default().push(e),
                    (_, None) => self.unkeyed.push(e),
                }
            }
        }
        EventLines::open(&self.path)
    }

    /// The next event before the tail, or `None` at the tail or the end.
    fn next_event(&mut self) -> Option<Event> {
        if self.lines.is_none() {
            match self.start() {
                Ok(lines) => self.lines = Some(lines),
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            }
        }
        if self.index.tail.is_some_and(|t| self.position >= t.position) {
            return None;
        }
        match self.lines.as_mut()?.next()? {
            Ok(e) => Some(e),
            Err(err) => {
                self.fail(err);
                None
            }
        }
    }
}

impl Iterator for KeyBatches {
    type Item = Vec<Event>;

    fn next(&mut self) -> Option<Vec<Event>> {
        while !self.done {
            let Some(e) = self.next_event() else {
                if self.done {
                    // A read error: the caller reports it, not a verdict.
                    return None;
                }
                self.done = true;
                break;
            };
            let position = self.position;
            self.position += 1;
            if e.process == ProcessId::Nemesis {
                continue;
            }
            let Some(key) = e.key.clone() else {
                self.unkeyed.push(e);
                continue;
            };
            let last = self.index.ends.get(&key).is_none_or(|&end| end <= position);
            let mut events = self.open.remove(&key).unwrap_or_default();
            events.push(e);
            if last {
                events.extend(self.tail.remove(&key).unwrap_or_default());
                self.batch.extend(events);
                if self.batch.len() >= self.batch_events {
                    return Some(self.take_batch());
                }
            } else {
                self.open.insert(key, events);
            }
        }
        // The file ended: whatever is left (keys whose end was not seen,
        // keys only the tail touched, the unkeyed events) goes in the last
        // batch.
        for (key, mut events) in self.open.drain() {
            events.extend(self.tail.remove(&key).unwrap_or_default());
            self.batch.extend(events);
        }
        for (_, events) in self.tail.drain() {
            self.batch.extend(events);
        }
        self.batch.append(&mut self.unkeyed);
        (!self.batch.is_empty()).then(|| self.take_batch())
    }
}

impl KeyBatches {
    /// The batch gathered so far, in history order: keys are gathered one
    /// after another, but a process's operations on them interleave in
    /// time, and the checker pairs each process's events in order (a
    /// process that crashed on one key must not seem to issue again on a
    /// key gathered after it).
    fn take_batch(&mut self) -> Vec<Event> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.sort_unstable_by_key(|e| e.index);
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::{EventType, OpFn};
    use std::io::Write;

    fn line(i: u64, p: u64, key: &str) -> String {
        let e = Event {
            index: i,
            time: i,
            process: ProcessId::Client(p),
            kind: if i.is_multiple_of(2) {
                EventType::Invoke
            } else {
                EventType::Ok
            },
            f: OpFn::Write,
            key: Some(key.to_string()),
            value: serde_json::json!(i),
            node: None,
            error: None,
            detail: None,
        };
        serde_json::to_string(&e).unwrap() + "\n"
    }

    /// Keys k0..k4 interleaved, each ending at a different point, then a
    /// final read of every key (and of k9, which only the tail touches).
    fn history(path: &Path) -> (u64, u64) {
        let mut f = std::fs::File::create(path).unwrap();
        let mut n = 0;
        for round in 0..5u64 {
            for k in round..5 {
                f.write_all(line(n, k, &format!("k{k}")).as_bytes())
                    .unwrap();
                f.write_all(line(n + 1, k, &format!("k{k}")).as_bytes())
                    .unwrap();
                n += 2;
            }
        }
        let tail_from = n;
        for k in [0, 1, 2, 3, 4, 9] {
            f.write_all(line(n, 7, &format!("k{k}")).as_bytes())
                .unwrap();
            f.write_all(line(n + 1, 7, &format!("k{k}")).as_bytes())
                .unwrap();
            n += 2;
        }
        (n, tail_from)
    }

    fn check_batches(path: &Path, tail_ns: Option<u64>, n: u64) -> usize {
        let pass = crate::run::history_pass::read(path, (0, 0), tail_ns).unwrap();
        assert_eq!(pass.events, n);
        let batches: Vec<Vec<Event>> = KeyBatches::open(path, pass.keys, ReadError::default())
            .with_batch_events(3)
            .collect();
        let mut seen = 0;
        let mut key_batch: HashMap<String, usize> = HashMap::new();
        for (b, batch) in batches.iter().enumerate() {
            // In history order, as the checker pairs each process's events.
            assert!(batch.windows(2).all(|w| w[0].index < w[1].index));
            for e in batch {
                seen += 1;
                let k = e.key.clone().unwrap();
                assert_eq!(*key_batch.entry(k.clone()).or_insert(b), b, "{k} split");
            }
        }
        assert_eq!(seen, n, "every event is in a batch once");
        assert_eq!(key_batch.len(), 6);
        batches.len()
    }

    #[test]
    fn every_key_is_whole_in_one_batch_and_nothing_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let (n, tail_from) = history(&path);
        // Without a tail every key ends in the final reads; with one, as
        // its last event before them passes, its final reads joined.
        check_batches(&path, None, n);
        assert!(check_batches(&path, Some(tail_from), n) >= 3);
    }
}
