//! Draws in rounds: what a schedule picks from (a fault kind, a target rule,
//! a partition topology) comes in rounds, each round every choice once in
//! a seeded shuffle. Independent draws leave a short run
//! without the one choice that matters about as often as not (4 targets,
//! 2 kills: no whole-cluster crash half the time); rounds make it certain
//! within a round's length.

use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Shuffled rounds of `choices`.
#[derive(Debug, Clone)]
pub(crate) struct Rounds<T> {
    choices: Vec<T>,
    /// The rest of the current round, next first.
    round: VecDeque<T>,
}

impl<T: Copy> Rounds<T> {
    /// Rounds of `choices` (none: every draw is `None`).
    pub(crate) fn new(choices: Vec<T>) -> Self {
        Rounds {
            choices,
            round: VecDeque::new(),
        }
    }

    /// The choices one round holds.
    pub(crate) fn choices(&self) -> &[T] {
        &self.choices
    }

    /// The next choice, starting a new round (shuffled with `rng`) when
    /// this one is used up.
    pub(crate) fn next(&mut self, rng: &mut ChaCha8Rng) -> Option<T> {
        self.refill_if_used_up(rng);
        self.round.pop_front()
    }

    /// The first choice left in the current round that `accept`s (from a
    /// new round if this one is used up), if any; the ones it skips stay,
    /// in order. It never reaches into the next round while this one has
    /// choices left, so rounds stay whole: choices 1..n, n+1..2n, ... are
    /// each every choice.
    pub(crate) fn next_in_round(
        &mut self,
        rng: &mut ChaCha8Rng,
        accept: impl Fn(&T) -> bool,
    ) -> Option<T> {
        self.refill_if_used_up(rng);
        let i = self.round.iter().position(accept)?;
        self.round.remove(i)
    }

    /// Whether [`Rounds::next_in_round`] would find a choice.
    pub(crate) fn any_in_round(&self, accept: impl Fn(&T) -> bool) -> bool {
        if self.round.is_empty() {
            self.choices.iter().any(accept)
        } else {
            self.round.iter().any(accept)
        }
    }

    fn refill_if_used_up(&mut self, rng: &mut ChaCha8Rng) {
        if self.round.is_empty() {
            let mut round = self.choices.clone();
            round.shuffle(rng);
            self.round.extend(round);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
    fn a_draw_within_the_round_keeps_rounds_whole() {
        // Draw pairs whose second must differ in parity from the first, as
        // a combination window does; when the round has none, one draw.
        for seed in 0..300 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut rounds = Rounds::new(vec![0u8, 1, 2, 3, 4]);
            let mut drawn = Vec::new();
            for _ in 0..40 {
                let first = rounds.next(&mut rng).unwrap();
                drawn.push(first);
                if let Some(second) = rounds.next_in_round(&mut rng, |c| c % 2 != first % 2) {
                    assert_ne!(first % 2, second % 2);
                    drawn.push(second);
                }
            }
            for round in drawn.chunks(5).filter(|r| r.len() == 5) {
                let mut sorted = round.to_vec();
                sorted.sort();
                assert_eq!(sorted, [0, 1, 2, 3, 4], "seed {seed}: {drawn:?}");
            }
        }
    }

    #[test]
    fn nothing_acceptable_is_none_and_no_choices_is_none() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut rounds = Rounds::new(vec![1, 2]);
        assert!(rounds.any_in_round(|_| true), "a new round would have one");
        let first = rounds.next(&mut rng).unwrap();
        assert!(!rounds.any_in_round(|c| *c == first));
        assert_eq!(rounds.next_in_round(&mut rng, |c| *c > 5), None);
        assert_eq!(rounds.next_in_round(&mut rng, |_| true), Some(3 - first));
        // Used up: the next draw starts a new round.
        assert!(rounds.next_in_round(&mut rng, |c| *c == first).is_some());
        let mut empty: Rounds<u8> = Rounds::new(Vec::new());
        assert_eq!(empty.next(&mut rng), None);
    }
}
