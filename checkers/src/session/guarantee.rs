//! The four session guarantees and which relations each one judges.

use super::edges::EdgeKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A session guarantee (Terry et al.), a session being one process id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Guarantee {
    /// A read reflects every earlier write of its own session.
    ReadYourWrites,
    /// A session's reads never go back to an older version.
    MonotonicReads,
    /// A session's writes are ordered as the session issued them.
    MonotonicWrites,
    /// A write is ordered after every version its session read before it.
    WritesFollowReads,
}

impl Guarantee {
    /// All four, in report order.
    pub const ALL: [Guarantee; 4] = [
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicReads,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
    ];

    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read-your-writes",
            Guarantee::MonotonicReads => "monotonic-reads",
            Guarantee::MonotonicWrites => "monotonic-writes",
            Guarantee::WritesFollowReads => "writes-follow-reads",
        }
    }

    /// The relation this guarantee adds to the version order.
    pub fn own_edge(self) -> EdgeKind {
        match self {
            Guarantee::ReadYourWrites => EdgeKind::ReadYourWrites,
            Guarantee::MonotonicReads => EdgeKind::MonotonicReads,
            Guarantee::MonotonicWrites => EdgeKind::MonotonicWrites,
            Guarantee::WritesFollowReads => EdgeKind::WritesFollowReads,
        }
    }

    /// Monotonic writes and writes-follow-reads: judged through reads.
    pub fn is_write_side(self) -> bool {
        matches!(
            self,
            Guarantee::MonotonicWrites | Guarantee::WritesFollowReads
        )
    }

    /// Relations taken as given while judging this guarantee.
    ///
    /// Write-side guarantees are only visible through reads, so they are
    /// judged assuming the read-side ones; read-side relations that already
    /// lie on a cycle of their own are left out first, so that a read-side
    /// violation is blamed there and not again on the write side.
    pub fn context(self) -> &'static [EdgeKind] {
        match self {
            Guarantee::ReadYourWrites | Guarantee::MonotonicReads => {
                &[EdgeKind::Initial, EdgeKind::CasChain]
            }
            Guarantee::MonotonicWrites | Guarantee::WritesFollowReads => &[
                EdgeKind::Initial,
                EdgeKind::CasChain,
                EdgeKind::ReadYourWrites,
                EdgeKind::MonotonicReads,
            ],
        }
    }
}

impl fmt::Display for Guarantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
