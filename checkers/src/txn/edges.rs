//! The kinds of dependency between two transactions, and sets of them as
//! bit masks (one graph arc may stand for several kinds at once).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why one transaction must come before another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// Write-write: the second installed the next version of a key the first wrote.
    Ww,
    /// Write-read: the second read a version the first installed.
    Wr,
    /// Read-write (anti-dependency): the first read a version the second overwrote.
    Rw,
    /// Real time: the first completed before the second was invoked.
    Realtime,
    /// Process order: the same process ran the first, then the second.
    Process,
}

impl EdgeKind {
    /// Every kind, in bit order.
    pub const ALL: [EdgeKind; 5] = [
        EdgeKind::Ww,
        EdgeKind::Wr,
        EdgeKind::Rw,
        EdgeKind::Realtime,
        EdgeKind::Process,
    ];

    /// The kind's bit in a [`Kinds`] mask.
    pub const fn bit(self) -> u8 {
        match self {
            EdgeKind::Ww => 1,
            EdgeKind::Wr => 2,
            EdgeKind::Rw => 4,
            EdgeKind::Realtime => 8,
            EdgeKind::Process => 16,
        }
    }

    /// The short name used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Ww => "ww",
            EdgeKind::Wr => "wr",
            EdgeKind::Rw => "rw",
            EdgeKind::Realtime => "realtime",
            EdgeKind::Process => "process",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`EdgeKind`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Kinds(pub u8);

impl Kinds {
    /// The data dependencies, ww wr rw.
    pub const DATA: Kinds = Kinds(1 | 2 | 4);

    /// The set of the given kinds.
    pub const fn of(kinds: &[EdgeKind]) -> Kinds {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= kinds[i].bit();
            i += 1;
        }
        Kinds(bits)
    }

    /// True if `k` is in the set.
    pub fn has(self, k: EdgeKind) -> bool {
        self.0 & k.bit() != 0
    }

    /// The kinds in both sets.
    pub fn and(self, other: Kinds) -> Kinds {
        Kinds(self.0 & other.0)
    }

    /// True for the empty set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = EdgeKind> {
        EdgeKind::ALL.into_iter().filter(move |k| self.has(*k))
    }
}

/// Dependency edges as they are found, before they become a graph.
#[derive(Debug, Clone, Default)]
pub struct EdgeList {
    /// (from, to, kinds), possibly repeated.
    pub edges: Vec<(u32, u32, u8)>,
}

impl EdgeList {
    /// Records `from` → `to` of kind `k`; a transaction never depends on itself.
    pub fn add(&mut self, from: usize, to: usize, k: EdgeKind) {
        if from != to {
            self.edges.push((from as u32, to as u32, k.bit()));
        }
    }
}
