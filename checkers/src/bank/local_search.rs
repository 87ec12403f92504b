//! Finding a subset of transfers that explains a read by local search, for
//! the reads the exhaustive search gives up on.
//!
//! A read after a hundred unknown transfers asks which of them took effect:
//! the depth-first search of [`super::explain`] proves there is no answer
//! when there is none, but one wrong early guess among a hundred costs it
//! its whole budget when there is one. In a correct run there always is,
//! and a walk that flips one transfer at a time towards balances off by
//! less finds it in thousands of steps where the depth-first search did not
//! in millions (the final reads of a correct 2PC bank run with 116 unknown
//! transfers). A walk can only say yes: what it finds is checked to add up
//! exactly, and when it finds nothing the read stays undecided.

use super::explain::Delta;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Searches a subset of `optional` whose deltas sum to `residual`, starting
/// from the transfers `prefer` marks, flipping at most `*budget` of them
/// (the flips made are subtracted). On success `chosen` holds the subset's
/// indices. Seeded: the same question gets the same answer.
pub fn local_search(
    residual: &[i64],
    optional: &[Delta],
    prefer: &[bool],
    budget: &mut u64,
    chosen: &mut Vec<usize>,
) -> bool {
    let accounts = residual.len();
    let mut touching: Vec<Vec<usize>> = vec![Vec::new(); accounts];
    for (i, delta) in optional.iter().enumerate() {
        for &(a, _) in delta {
            if a < accounts && !touching[a].contains(&i) {
                touching[a].push(i);
            }
        }
    }
    // `left[a]`: what the transfers taken still have to make up at account a.
    let mut taken: Vec<bool> = (0..optional.len())
        .map(|i| prefer.get(i).copied().unwrap_or(false))
        .collect();
    let mut left = residual.to_vec();
    for (i, delta) in optional.iter().enumerate() {
        if taken[i] {
            apply(&mut left, delta, -1);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x6261_6e6b);
    let mut off: Vec<usize> = Vec::with_capacity(accounts);
    loop {
        off.clear();
        off.extend((0..accounts).filter(|&a| left[a] != 0));
        if off.is_empty() {
            *chosen = (0..optional.len()).filter(|&i| taken[i]).collect();
            return true;
        }
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let a = off[rng.random_range(0..off.len())];
        let candidates = &touching[a];
        if candidates.is_empty() {
            // Nothing can change this account: no subset explains the read.
            return false;
        }
        // The flip that brings the balances closest; half the time when
        // none brings them closer, a random one instead, to leave a dead end.
        let gain = |i: usize| -> i64 {
            let sign = if taken[i] { 1 } else { -1 };
            optional[i]
                .iter()
                .filter(|(b, _)| *b < accounts)
                .map(|&(b, d)| (left[b] + sign * d).abs() - left[b].abs())
                .sum()
        };
        let mut best = candidates[0];
        let mut best_gain = gain(best);
        for &i in &candidates[1..] {
            let g = gain(i);
            if g < best_gain {
                best = i;
                best_gain = g;
            }
        }
        if best_gain >= 0 && rng.random_bool(0.5) {
            best = candidates[rng.random_range(0..candidates.len())];
        }
        apply(&mut left, &optional[best], if taken[best] { 1 } else { -1 });
        taken[best] = !taken[best];
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

    /// Random transfers among 8 accounts, and the residual of a random
    /// subset of them: there is an answer, possibly others.
    fn instance(seed: u64, n: usize) -> (Vec<i64>, Vec<Delta>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let optional: Vec<Delta> = (0..n)
            .map(|_| {
                let from = rng.random_range(0..8usize);
                let to = (from + rng.random_range(1..8usize)) % 8;
                let amount = rng.random_range(1..=30i64);
                [(from, -amount), (to, amount)]
            })
            .collect();
        let mut residual = vec![0i64; 8];
        for delta in &optional {
            if rng.random_bool(0.5) {
                apply(&mut residual, delta, 1);
            }
        }
        (residual, optional)
    }

    fn sums_to(residual: &[i64], optional: &[Delta], chosen: &[usize]) -> bool {
        let mut left = residual.to_vec();
        for &i in chosen {
            apply(&mut left, &optional[i], -1);
        }
        left.iter().all(|&v| v == 0)
    }

    #[test]
    fn finds_an_exact_subset_among_a_hundred_and_more_transfers() {
        for seed in 0..30 {
            let (residual, optional) = instance(seed, 120);
            let mut budget = 1_000_000;
            let mut chosen = Vec::new();
            let found = local_search(&residual, &optional, &[], &mut budget, &mut chosen);
            assert!(found, "seed {seed}: no subset found");
            assert!(sums_to(&residual, &optional, &chosen), "seed {seed}");
        }
    }

    #[test]
    fn never_claims_an_answer_that_does_not_exist() {
        // An odd total change at one account cannot be made of even amounts.
        let optional: Vec<Delta> = (0..20).map(|i| [(i % 8, -2), ((i + 1) % 8, 2)]).collect();
        let mut residual = vec![0i64; 8];
        residual[0] = 1;
        residual[1] = -1;
        let mut budget = 10_000;
        let mut chosen = Vec::new();
        assert!(!local_search(
            &residual,
            &optional,
            &[],
            &mut budget,
            &mut chosen
        ));
        assert_eq!(budget, 0, "spent its budget, then gave up");
    }
}
