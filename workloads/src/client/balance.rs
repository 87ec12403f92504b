//! Which node a request goes to.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Node selection strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balance {
    /// A uniformly random node per request.
    #[default]
    Random,
    /// Nodes in turn.
    RoundRobin,
    /// Random, proportional to per-node weights.
    Weighted,
    /// The last known leader; follows `not_leader` hints, random while unknown.
    Leader,
}

/// A balance strategy name that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("unknown balance strategy `{0}` (expected random, round-robin, weighted or leader)")]
pub struct ParseBalanceError(String);

impl FromStr for Balance {
    type Err = ParseBalanceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "random" => Ok(Balance::Random),
            "round-robin" => Ok(Balance::RoundRobin),
            "weighted" => Ok(Balance::Weighted),
            "leader" => Ok(Balance::Leader),
            other => Err(ParseBalanceError(other.to_string())),
        }
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Balance::Random => "random",
            Balance::RoundRobin => "round-robin",
            Balance::Weighted => "weighted",
            Balance::Leader => "leader",
        })
    }
}

/// Sentinel for "no leader known".
const NO_LEADER: usize = usize::MAX;

/// Shared node selector for all workers of a test.
#[derive(Debug)]
pub struct Balancer {
    strategy: Balance,
    weights: Vec<u32>,
    total_weight: u32,
    next: AtomicUsize,
    leader: AtomicUsize,
}

impl Balancer {
    /// A selector over `weights.len()` nodes; weights only matter for [`Balance::Weighted`]
    /// (all-zero weights fall back to equal weights).
    pub fn new(strategy: Balance, weights: Vec<u32>) -> Balancer {
        let mut weights = weights;
        if weights.iter().all(|w| *w == 0) {
            weights.iter_mut().for_each(|w| *w = 1);
        }
        let total_weight = weights.iter().sum();
        Balancer {
            strategy,
            weights,
            total_weight,
            next: AtomicUsize::new(0),
            leader: AtomicUsize::new(NO_LEADER),
        }
    }

    /// The strategy in use.
    pub fn strategy(&self) -> Balance {
        self.strategy
    }

    /// Picks the node (index) for the next request.
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let n = self.weights.len();
        match self.strategy {
            Balance::Random => rng.random_range(0..n),
            Balance::RoundRobin => self.next.fetch_add(1, Ordering::Relaxed) % n,
            Balance::Weighted => {
                let mut x = rng.random_range(0..self.total_weight);
                for (i, w) in self.weights.iter().enumerate() {
                    if x < *w {
                        return i;
                    }
                    x -= w;
                }
                n - 1
            }
            Balance::Leader => match self.leader.load(Ordering::Relaxed) {
                NO_LEADER => rng.random_range(0..n),
                l => l,
            },
        }
    }

    /// Remembers node `idx` as the leader.
    pub fn set_leader(&self, idx: usize) {
        if idx < self.weights.len() {
            self.leader.store(idx, Ordering::Relaxed);
        }
    }

    /// Forgets the leader if it is `idx` (it stopped answering).
    pub fn forget_leader(&self, idx: usize) {
        let _ = self
            .leader
            .compare_exchange(idx, NO_LEADER, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The remembered leader, if any.
    pub fn leader(&self) -> Option<usize> {
        match self.leader.load(Ordering::Relaxed) {
            NO_LEADER => None,
            l => Some(l),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn round_robin_cycles() {
        let b = Balancer::new(Balance::RoundRobin, vec![1; 3]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let picks: Vec<usize> = (0..6).map(|_| b.pick(&mut rng)).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn weighted_follows_weights() {
        let b = Balancer::new(Balance::Weighted, vec![3, 1, 0]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut c = [0usize; 3];
        for _ in 0..8000 {
            c[b.pick(&mut rng)] += 1;
        }
        assert_eq!(c[2], 0);
        let share = c[0] as f64 / 8000.0;
        assert!((share - 0.75).abs() < 0.03, "{share}");
    }

    #[test]
    fn leader_is_sticky_until_forgotten() {
        let b = Balancer::new(Balance::Leader, vec![1; 3]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        b.set_leader(2);
        assert!((0..20).all(|_| b.pick(&mut rng) == 2));
        b.forget_leader(1);
        assert_eq!(b.leader(), Some(2));
        b.forget_leader(2);
        assert_eq!(b.leader(), None);
    }
}
