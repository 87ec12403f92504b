//! Draws in rounds: what a schedule picks from (a fault kind, a target rule,
//! a partition topology) comes from a queue of rounds, each round every
//! choice once in a seeded shuffle. Independent draws leave a short run
//! without the one choice that matters about as often as not (4 targets,
//! 2 kills: no whole-cluster crash half the time); rounds make it certain
//! within a round's length.

use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A queue of shuffled rounds of `choices`.
#[derive(Debug, Clone)]
pub(crate) struct Rounds<T> {
    choices: Vec<T>,
    /// Choices still to come, next first: the rest of the current round,
    /// and the next round once a draw had to look into it.
    queue: VecDeque<T>,
}

impl<T: Copy> Rounds<T> {
    /// Rounds of `choices` (none: every draw is `None`).
    pub(crate) fn new(choices: Vec<T>) -> Self {
        Rounds {
            choices,
            queue: VecDeque::new(),
        }
    }

    /// The choices one round holds.
    pub(crate) fn choices(&self) -> &[T] {
        &self.choices
    }

    /// The next choice.
    pub(crate) fn next(&mut self, rng: &mut ChaCha8Rng) -> Option<T> {
        self.next_where(rng, |_| true)
    }

    /// The first choice in the queue that `accept`s, shuffling in the next
    /// round if the rest of this one has none; the choices it skips stay at
    /// the front, so they come next. `None` if no choice is acceptable.
    pub(crate) fn next_where(
        &mut self,
        rng: &mut ChaCha8Rng,
        accept: impl Fn(&T) -> bool,
    ) -> Option<T> {
        if !self.choices.iter().any(&accept) {
            return None;
        }
        if let Some(i) = self.queue.iter().position(&accept) {
            return self.queue.remove(i);
        }
        // The rest of this round has none: the next round, which holds every
        // choice, has one.
        let mut round = self.choices.clone();
        round.shuffle(rng);
        self.queue.extend(round);
        let i = self.queue.iter().position(&accept)?;
        self.queue.remove(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::BTreeMap;

    #[test]
    fn every_round_holds_each_choice_once_in_a_seeded_order() {
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut rounds = Rounds::new(vec!['a', 'b', 'c', 'd']);
            let drawn: Vec<char> = (0..40).filter_map(|_| rounds.next(&mut rng)).collect();
            for round in drawn.chunks(4) {
                let mut sorted = round.to_vec();
                sorted.sort();
                assert_eq!(sorted, ['a', 'b', 'c', 'd'], "seed {seed}: {drawn:?}");
            }
            orders.insert(drawn[..4].to_vec());
        }
        assert!(orders.len() > 10, "the order within a round hardly varied");
    }

    #[test]
    fn a_skipped_choice_comes_next_and_counts_stay_balanced() {
        // Draw pairs whose second must differ from the first, as a
        // combination window does; any prefix of draws stays within one of
        // an even share.
        for seed in 0..300 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut rounds = Rounds::new(vec![0u8, 1, 2]);
            let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
            for n in 1..=60usize {
                let first = rounds.next(&mut rng).unwrap();
                let second = rounds.next_where(&mut rng, |c| *c != first).unwrap();
                assert_ne!(first, second);
                *counts.entry(first).or_default() += 1;
                *counts.entry(second).or_default() += 1;
                for c in 0..3 {
                    let got = counts.get(&c).copied().unwrap_or(0);
                    assert!(
                        got + 1 >= (2 * n) / 3,
                        "seed {seed}: after {} draws {c} came {got} times",
                        2 * n
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_acceptable_is_none_and_no_choices_is_none() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut rounds = Rounds::new(vec![1, 2]);
        assert_eq!(rounds.next_where(&mut rng, |c| *c > 5), None);
        assert!(rounds.next(&mut rng).is_some());
        let mut empty: Rounds<u8> = Rounds::new(Vec::new());
        assert_eq!(empty.next(&mut rng), None);
    }
}
