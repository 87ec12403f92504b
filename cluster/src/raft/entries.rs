//! The in-memory Raft log: entries after the last snapshot, addressed by
//! their absolute index.

use crate::kv::Command;
use serde::{Deserialize, Serialize};

/// One log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Absolute position in the log (1-based).
    pub index: u64,
    /// Term of the leader that created it.
    pub term: u64,
    /// The state-machine command.
    pub cmd: Command,
}

/// Entries after the snapshot point `(snap_index, snap_term)`.
#[derive(Clone, Debug, Default)]
pub struct EntryLog {
    snap_index: u64,
    snap_term: u64,
    entries: Vec<Entry>,
}

impl EntryLog {
    /// An empty log whose prefix up to `snap_index` lives in a snapshot.
    pub fn with_snapshot(snap_index: u64, snap_term: u64) -> Self {
        EntryLog {
            snap_index,
            snap_term,
            entries: Vec::new(),
        }
    }

    /// Index of the last entry covered by the snapshot (0 = none).
    pub fn snap_index(&self) -> u64 {
        self.snap_index
    }

    /// Term of the last entry covered by the snapshot.
    pub fn snap_term(&self) -> u64 {
        self.snap_term
    }

    /// Index of the last entry (the snapshot index if there are none).
    pub fn last_index(&self) -> u64 {
        self.snap_index + self.entries.len() as u64
    }

    /// Term of the last entry.
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snap_term, |e| e.term)
    }

    /// The term of the entry at `index`, if known (the snapshot point counts).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snap_index {
            Some(self.snap_term)
        } else {
            self.get(index).map(|e| e.term)
        }
    }

    /// The entry at `index`, if it is held in memory.
    pub fn get(&self, index: u64) -> Option<&Entry> {
        if index <= self.snap_index {
            return None;
        }
        self.entries.get((index - self.snap_index - 1) as usize)
    }

    /// Appends an entry; its index must be `last_index() + 1`.
    pub fn push(&mut self, entry: Entry) {
        debug_assert_eq!(entry.index, self.last_index() + 1);
        self.entries.push(entry);
    }

    /// Removes every entry at `index` and after.
    pub fn truncate_from(&mut self, index: u64) {
        let keep = index.saturating_sub(self.snap_index + 1) as usize;
        self.entries.truncate(keep);
    }

    /// Up to `max` entries starting at `from`.
    pub fn slice(&self, from: u64, max: usize) -> Vec<Entry> {
        if from <= self.snap_index {
            return Vec::new();
        }
        let start = (from - self.snap_index - 1) as usize;
        self.entries.iter().skip(start).take(max).cloned().collect()
    }

    /// All entries held in memory.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Drops the entries up to `index` (now covered by a snapshot of term `term`).
    pub fn compact(&mut self, index: u64, term: u64) {
        if index <= self.snap_index {
            return;
        }
        let drop = ((index - self.snap_index) as usize).min(self.entries.len());
        self.entries.drain(..drop);
        self.snap_index = index;
        self.snap_term = term;
    }

    /// Replaces everything with an empty log after a snapshot point.
    pub fn reset(&mut self, index: u64, term: u64) {
        self.entries.clear();
        self.snap_index = index;
        self.snap_term = term;
    }

    /// The first index holding `term` at or before `index`, used as a
    /// conflict hint so the leader skips a whole term per round trip.
    pub fn first_index_of_term(&self, term: u64, index: u64) -> u64 {
        let mut i = index;
        while i > self.snap_index + 1 && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            cmd: Command::Noop,
        }
    }

    #[test]
    fn push_truncate_compact() {
        let mut log = EntryLog::default();
        for i in 1..=5 {
            log.push(e(i, if i < 3 { 1 } else { 2 }));
        }
        assert_eq!(log.last_index(), 5);
        assert_eq!(log.first_index_of_term(2, 5), 3);
        log.truncate_from(4);
        assert_eq!(log.last_index(), 3);
        log.compact(2, 1);
        assert_eq!(log.term_at(2), Some(1));
        assert_eq!(log.get(2), None);
        assert_eq!(log.get(3).map(|x| x.term), Some(2));
        assert_eq!(log.slice(3, 10).len(), 1);
        log.truncate_from(3);
        assert_eq!(log.last_index(), 2);
        assert_eq!(log.last_term(), 1);
    }
}
