//! "The highest token among operations that completed before time t", for
//! queries in increasing t: the real-time bound every rule here uses.

use super::report::WitnessOp;

/// Completed operations in completion order, consumed as time advances.
pub struct HighestBefore<'a> {
    done: Vec<&'a WitnessOp>,
    next: usize,
    highest: Option<&'a WitnessOp>,
}

impl<'a> HighestBefore<'a> {
    /// Over `ops` (those without a completion time never count).
    pub fn new(ops: impl IntoIterator<Item = &'a WitnessOp>) -> HighestBefore<'a> {
        let mut done: Vec<&WitnessOp> = ops
            .into_iter()
            .filter(|o| o.complete_time.is_some())
            .collect();
        done.sort_by_key(|o| o.complete_time);
        HighestBefore {
            done,
            next: 0,
            highest: None,
        }
    }

    /// The operation with the highest token that completed strictly before
    /// `t`; `t` must not decrease between calls.
    pub fn at(&mut self, t: u64) -> Option<&'a WitnessOp> {
        while let Some(o) = self.done.get(self.next)
            && o.complete_time.is_some_and(|c| c < t)
        {
            if self.highest.is_none_or(|h| o.token > h.token) {
                self.highest = Some(o);
            }
            self.next += 1;
        }
        self.highest
    }
}
