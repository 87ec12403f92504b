//! Nearest-rank quantiles of a sample.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// p50, p95, p99 and max of a sample (all 0 for an empty one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

impl Quantiles {
    /// Quantiles of `sample` (sorted here).
    pub fn of(mut sample: Vec<f64>) -> Quantiles {
        if sample.is_empty() {
            return Quantiles::default();
        }
        sample.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = (q * sample.len() as f64).ceil() as usize;
            sample[rank.clamp(1, sample.len()) - 1]
        };
        Quantiles {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: sample[sample.len() - 1],
        }
    }
}

/// A sample of whole numbers kept as a count per value: its quantiles are
/// those of the sample itself, in memory that grows with the values that
/// differ rather than with the readings (most reads of a long run are 0
/// versions and 0 ns behind).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    by_value: BTreeMap<u64, u64>,
    n: u64,
}

impl Counts {
    /// One more reading.
    pub(crate) fn add(&mut self, value: u64) {
        *self.by_value.entry(value).or_default() += 1;
        self.n += 1;
    }

    /// How many readings.
    pub(crate) fn len(&self) -> u64 {
        self.n
    }

    /// How many readings are above zero.
    pub(crate) fn above_zero(&self) -> u64 {
        self.n - self.by_value.get(&0).copied().unwrap_or(0)
    }

    /// The quantiles [`Quantiles::of`] gives the readings, each divided by
    /// `unit`.
    pub(crate) fn quantiles(&self, unit: f64) -> Quantiles {
        if self.n == 0 {
            return Quantiles::default();
        }
        let at = |q: f64| {
            let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
            let mut seen = 0;
            for (&value, &count) in &self.by_value {
                seen += count;
                if seen >= rank {
                    return value as f64 / unit;
                }
            }
            0.0
        };
        Quantiles {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts give the quantiles of the sample they count.
    #[test]
    fn counts_give_the_quantiles_of_their_sample() {
        let mut state = 7u64;
        for n in [0usize, 1, 2, 3, 10, 99, 100, 101, 1000] {
            for spread in [1u64, 3, 1000, 10_000_000] {
                let mut counts = Counts::default();
                let mut sample = Vec::new();
                for _ in 0..n {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Mostly zeros, as a long run's reads are.
                    let v = if state >> 62 == 0 {
                        (state >> 20) % spread
                    } else {
                        0
                    };
                    counts.add(v);
                    sample.push(v as f64 / 1e6);
                }
                assert_eq!(
                    counts.quantiles(1e6),
                    Quantiles::of(sample.clone()),
                    "{n} {spread}"
                );
                let above = sample.iter().filter(|&&v| v > 0.0).count() as u64;
                assert_eq!((counts.len(), counts.above_zero()), (n as u64, above));
            }
        }
    }

    #[test]
    fn nearest_rank() {
        let q = Quantiles::of((1..=100).map(f64::from).collect());
        assert_eq!((q.p50, q.p95, q.p99, q.max), (50.0, 95.0, 99.0, 100.0));
        assert_eq!(Quantiles::of(vec![]), Quantiles::default());
        assert_eq!(Quantiles::of(vec![3.0]).p50, 3.0);
    }
}
