//! Nearest-rank quantiles of a sample.

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let q = Quantiles::of((1..=100).map(f64::from).collect());
        assert_eq!((q.p50, q.p95, q.p99, q.max), (50.0, 95.0, 99.0, 100.0));
        assert_eq!(Quantiles::of(vec![]), Quantiles::default());
        assert_eq!(Quantiles::of(vec![3.0]).p50, 3.0);
    }
}
