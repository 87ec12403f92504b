//! Whether some subset of the transfers that may have taken effect explains
//! a balance difference: a bounded depth-first search with range pruning and
//! memoised dead ends.

use rustc_hash::FxHashSet;

/// A transfer as a change of balances: `(account, delta)` pairs.
pub type Delta = [(usize, i64); 2];

/// The answer of a bounded search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explained {
    /// A subset of the optional transfers adds up to the difference.
    Yes,
    /// No subset does.
    No,
    /// The search budget ran out first.
    GaveUp,
}

/// Searches a subset of `optional` whose summed deltas equal `residual`
/// (one entry per account), visiting at most `budget` search nodes (the
/// nodes visited are subtracted from it). `prefer[i]` says whether to try
/// including transfer `i` first (a guess that makes a found answer come
/// fast; it does not change the answer). On `Yes`, `chosen` holds the
/// indices of the subset found.
pub fn explain(
    residual: &[i64],
    optional: &[Delta],
    prefer: &[bool],
    budget: &mut u64,
    chosen: &mut Vec<usize>,
) -> Explained {
    let n = optional.len();
    let accounts = residual.len();
    // lo/hi[i][a]: the least and most account `a` can still change using
    // transfers i.. — a residual outside that range is a dead end.
    let mut lo = vec![vec![0i64; accounts]; n + 1];
    let mut hi = vec![vec![0i64; accounts]; n + 1];
    for i in (0..n).rev() {
        lo[i] = lo[i + 1].clone();
        hi[i] = hi[i + 1].clone();
        for &(a, d) in &optional[i] {
            if a < accounts {
                if d < 0 {
                    lo[i][a] += d;
                } else {
                    hi[i][a] += d;
                }
            }
        }
    }
    let mut search = Search {
        optional,
        lo: &lo,
        hi: &hi,
        prefer,
        budget: *budget,
        dead: FxHashSet::default(),
        taken: Vec::new(),
    };
    let mut r = residual.to_vec();
    let answer = match search.go(0, &mut r) {
        Some(true) => Explained::Yes,
        Some(false) => Explained::No,
        None => Explained::GaveUp,
    };
    *budget = search.budget;
    if answer == Explained::Yes {
        *chosen = search.taken;
    }
    answer
}

struct Search<'a> {
    optional: &'a [Delta],
    lo: &'a [Vec<i64>],
    hi: &'a [Vec<i64>],
    prefer: &'a [bool],
    budget: u64,
    dead: FxHashSet<(usize, Vec<i64>)>,
    /// The transfers included on the current path (the answer, once found).
    taken: Vec<usize>,
}

impl Search<'_> {
    /// `Some(found)`, or `None` when the budget ran out.
    fn go(&mut self, i: usize, r: &mut [i64]) -> Option<bool> {
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let reachable = r
            .iter()
            .enumerate()
            .all(|(a, &v)| self.lo[i][a] <= v && v <= self.hi[i][a]);
        if !reachable {
            return Some(false);
        }
        if i == self.optional.len() {
            return Some(r.iter().all(|&v| v == 0));
        }
        if self.dead.contains(&(i, r.to_vec())) {
            return Some(false);
        }
        let include_first = self.prefer.get(i).copied().unwrap_or(true);
        for include in [include_first, !include_first] {
            if self.branch(i, r, include)? {
                return Some(true);
            }
        }
        self.dead.insert((i, r.to_vec()));
        Some(false)
    }

    /// Continues at `i + 1` with transfer `i` included or not.
    fn branch(&mut self, i: usize, r: &mut [i64], include: bool) -> Option<bool> {
        if !include {
            return self.go(i + 1, r);
        }
        let delta = self.optional[i];
        apply(r, &delta, -1);
        self.taken.push(i);
        let found = self.go(i + 1, r);
        if found != Some(true) {
            self.taken.pop();
        }
        apply(r, &delta, 1);
        found
    }
}

fn apply(r: &mut [i64], delta: &Delta, sign: i64) {
    for &(a, d) in delta {
        if let Some(v) = r.get_mut(a) {
            *v += sign * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(from: usize, to: usize, amount: i64) -> Delta {
        [(from, -amount), (to, amount)]
    }

    #[test]
    fn finds_a_subset_or_proves_there_is_none() {
        let opt = [t(0, 1, 3), t(1, 2, 2), t(0, 2, 5)];
        assert_eq!(
            explain(&[-3, 1, 2], &opt, &[], &mut 1000, &mut Vec::new()),
            Explained::Yes
        );
        assert_eq!(
            explain(&[0, 0, 0], &opt, &[], &mut 1000, &mut Vec::new()),
            Explained::Yes
        );
        assert_eq!(
            explain(&[-8, 3, 5], &opt, &[], &mut 1000, &mut Vec::new()),
            Explained::Yes
        );
        assert_eq!(
            explain(&[-1, 1, 0], &opt, &[], &mut 1000, &mut Vec::new()),
            Explained::No
        );
        let mut chosen = Vec::new();
        let prefer = [false, true, true];
        assert_eq!(
            explain(&[-5, 0, 5], &opt, &prefer, &mut 1000, &mut chosen),
            Explained::Yes
        );
        // Both {0, 1} and {2} fit; the preference picks the one tried first.
        assert_eq!(chosen, vec![2]);
        assert_eq!(
            explain(&[-1, 1, 0], &[], &[], &mut 1000, &mut Vec::new()),
            Explained::No
        );
    }

    #[test]
    fn a_tiny_budget_gives_up() {
        // Even amounts never make an odd difference, but only a full search knows.
        let opt: Vec<Delta> = (0..30).map(|i| t(0, 1, 2 + 2 * (i % 4))).collect();
        assert_eq!(
            explain(&[-1, 1], &opt, &[], &mut 3, &mut Vec::new()),
            Explained::GaveUp
        );
        assert_eq!(
            explain(&[-1, 1], &opt, &[], &mut 1_000_000, &mut Vec::new()),
            Explained::No
        );
    }
}
