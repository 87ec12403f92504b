//! Weighted choice among operation kinds.

use rand::{Rng, RngExt};

/// A weighted mix of choices, e.g. 50 % reads and 50 % writes.
#[derive(Debug, Clone)]
pub struct OpMix<T> {
    choices: Vec<(T, u32)>,
    total: u32,
}

impl<T: Clone> OpMix<T> {
    /// A mix from `(choice, weight)` pairs; zero weights are never chosen.
    ///
    /// An empty or all-zero mix is a programming error in a workload definition.
    pub fn new(choices: &[(T, u32)]) -> OpMix<T> {
        let total = choices.iter().map(|(_, w)| *w).sum();
        assert!(total > 0, "an op mix needs at least one positive weight");
        OpMix {
            choices: choices.to_vec(),
            total,
        }
    }

    /// Picks one choice with probability proportional to its weight.
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        let mut x = rng.random_range(0..self.total);
        for (c, w) in &self.choices {
            if x < *w {
                return c.clone();
            }
            x -= w;
        }
        // Unreachable: x < total = sum of weights.
        self.choices[self.choices.len() - 1].0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn proportions_follow_weights() {
        let mix = OpMix::new(&[('r', 1), ('w', 3), ('z', 0)]);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 40_000;
        let mut counts = [0usize; 3];
        for _ in 0..n {
            match mix.pick(&mut rng) {
                'r' => counts[0] += 1,
                'w' => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        let r = counts[0] as f64 / n as f64;
        assert!((r - 0.25).abs() < 0.02, "read share {r}");
        assert_eq!(counts[2], 0, "zero-weight choice was picked");
    }
}
