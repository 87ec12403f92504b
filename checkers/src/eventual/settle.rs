//! Final reads that disagree without the nodes having diverged: a write
//! whose effect is unknown (it crashed or timed out) may take effect after
//! it returned, even during the final reads. A Paxos register does exactly
//! that when a read's full round finds a value only a minority accepted
//! and chooses it: reads that began before then return the old value, reads
//! after it the new one, and the history stays linearizable.
//!
//! So disagreeing final reads are judged by real time. A read of `A` that
//! completed before a read of `B` began orders `A` before `B`. The reads
//! are explained by late writes when these orders form no cycle (no node
//! went back to a value it had left) and every value but the first could
//! have been installed late, by a write or cas of that value whose effect is
//! unknown. The key settled on the one value nothing came after; when
//! several values have nothing after them (their reads ran concurrently and
//! no later read told them apart), what it settled on is not known.

use crate::model::Val;
use crate::register_view::{Access, KeyView};

/// What the final reads of a key that disagree amount to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Settled {
    /// Explained by late writes; the key settled on this value.
    On(Val),
    /// Explained by late writes, but the last reads were concurrent and
    /// disagree: which value the key kept is not known.
    Undecided,
    /// Not explained: the nodes diverged (or one went back).
    Diverged,
}

/// Judges the final reads `finals` of `key` (acknowledged reads, each with
/// the value it observed), which do not all agree.
pub(super) fn settle(key: &KeyView, finals: &[&Access]) -> Settled {
    let mut values: Vec<Val> = finals.iter().filter_map(|a| a.observed.clone()).collect();
    values.sort();
    values.dedup();
    let at = |v: &Val| values.iter().position(|x| x == v);
    let n = values.len();
    // before[i][j]: a read of values[i] completed before a read of values[j] began.
    let mut before = vec![vec![false; n]; n];
    for r in finals {
        let (Some(rv), Some(done)) = (r.observed.as_ref(), r.complete_time) else {
            continue;
        };
        for s in finals {
            if let (Some(i), Some(j)) = (at(rv), s.observed.as_ref().and_then(at))
                && i != j
                && done < s.invoke_time
            {
                before[i][j] = true;
            }
        }
    }
    // Transitive closure (a handful of values): a cycle means some value
    // was read again after a value that followed it.
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if before[i][k] && before[k][j] {
                    before[i][j] = true;
                }
            }
        }
    }
    if (0..n).any(|i| before[i][i]) {
        return Settled::Diverged;
    }
    let late = |v: &Val| {
        key.accesses
            .iter()
            .any(|a| !a.acked && a.written.as_ref() == Some(v))
    };
    // At most one value may have been there before the final reads; it
    // must come first, as nothing could have installed it later.
    let settled_before: Vec<usize> = (0..n).filter(|&i| !late(&values[i])).collect();
    match settled_before.as_slice() {
        [] => {}
        [first] => {
            if (0..n).any(|i| before[i][*first]) {
                return Settled::Diverged;
            }
        }
        _ => return Settled::Diverged,
    }
    let last: Vec<usize> = (0..n).filter(|&i| !(0..n).any(|j| before[i][j])).collect();
    match last.as_slice() {
        [only] => Settled::On(values[*only].clone()),
        _ => Settled::Undecided,
    }
}
