//! Why an operation definitely failed: the typed `error` of a `fail` completion.
//!
//! One reason is an observation (a compare-and-set whose comparison ran and
//! failed saw a value other than `from`); every other reason means the
//! operation was not applied and observed nothing, so checkers drop it.
//! A `fail` whose `error` is none of these names (histories written before
//! the reasons existed, or by other tools) is dropped too.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The reason a `fail` completion gives, as written in a history's `error` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailReason {
    /// The comparison of a compare-and-set ran and failed: the register did
    /// not hold `from` at the operation's linearization point.
    CasMismatch,
    /// The node asked is not the leader and did not forward the request.
    NotLeader,
    /// The store gave up before applying it (no quorum, shard unreachable).
    Unavailable,
    /// No connection could be made, so no request was sent.
    Refused,
    /// The lock (or a key a transaction needs) is held by someone else.
    Locked,
    /// A transaction was aborted (a participant voted no).
    Aborted,
    /// The store rejected the request as invalid (a 4xx other than the above).
    Rejected,
    /// The client cannot express the operation for this store.
    Unsupported,
}

impl FailReason {
    /// Every reason, in the order documented in `docs/history-format.md`.
    pub const ALL: [FailReason; 8] = [
        FailReason::CasMismatch,
        FailReason::NotLeader,
        FailReason::Unavailable,
        FailReason::Refused,
        FailReason::Locked,
        FailReason::Aborted,
        FailReason::Rejected,
        FailReason::Unsupported,
    ];

    /// The name written in histories.
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::CasMismatch => "cas-mismatch",
            FailReason::NotLeader => "not-leader",
            FailReason::Unavailable => "unavailable",
            FailReason::Refused => "refused",
            FailReason::Locked => "locked",
            FailReason::Aborted => "aborted",
            FailReason::Rejected => "rejected",
            FailReason::Unsupported => "unsupported",
        }
    }

    /// The reason with this name; `None` for free text.
    pub fn parse(s: &str) -> Option<FailReason> {
        FailReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// True if the failure is an expected answer of a healthy store (a
    /// comparison or a lock that said no), false if the store could not serve.
    pub fn is_expected(self) -> bool {
        matches!(
            self,
            FailReason::CasMismatch | FailReason::Locked | FailReason::Aborted
        )
    }
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for r in FailReason::ALL {
            assert_eq!(FailReason::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(FailReason::parse("409: precondition_failed"), None);
    }
}
