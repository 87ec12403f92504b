//! When faults start and how long they last.

use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How fault windows are timed.
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// Healthy for `healthy`, then faulty for `faulty`, repeated.
    Interval {
        /// Length of each fault.
        faulty: Duration,
        /// Quiet time before each fault.
        healthy: Duration,
    },
    /// Healthy and faulty lengths drawn uniformly from the given ranges.
    Random {
        /// Shortest and longest fault.
        faulty: (Duration, Duration),
        /// Shortest and longest quiet time.
        healthy: (Duration, Duration),
    },
}

/// A seeded schedule: same seed, same windows and same fault choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The timing of windows.
    pub timing: Timing,
    /// Seed of both the timing and the nemesis' target choices.
    pub seed: u64,
    /// Stop after this many faults (None: until cancelled).
    pub max_faults: Option<usize>,
}

/// One healthy-then-faulty cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Quiet time before the fault.
    pub healthy: Duration,
    /// How long the fault lasts before heal.
    pub faulty: Duration,
}

// Distinct streams so that how many draws a fault makes (e.g. whether a
// leader was known) cannot shift the timing of later windows.
const TIMING_STREAM: u64 = 0x7469_6d69_6e67;
const FAULT_STREAM: u64 = 0x6661_756c_7473;

impl Schedule {
    /// Fixed `interval` faulty then `interval` healthy (the `--nemesis-interval` meaning).
    pub fn interval(interval: Duration, seed: u64) -> Self {
        Schedule {
            timing: Timing::Interval {
                faulty: interval,
                healthy: interval,
            },
            seed,
            max_faults: None,
        }
    }

    /// Random lengths, each between `min` and `max`, for both faults and quiet times.
    pub fn random(min: Duration, max: Duration, seed: u64) -> Self {
        Schedule {
            timing: Timing::Random {
                faulty: (min, max),
                healthy: (min, max),
            },
            seed,
            max_faults: None,
        }
    }

    /// Limits the number of faults.
    pub fn with_max_faults(mut self, n: usize) -> Self {
        self.max_faults = Some(n);
        self
    }

    /// The windows, in order (infinite unless `max_faults` is set).
    pub fn windows(&self) -> impl Iterator<Item = Window> + use<> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ TIMING_STREAM);
        let timing = self.timing.clone();
        let windows = std::iter::from_fn(move || {
            Some(match &timing {
                Timing::Interval { faulty, healthy } => Window {
                    healthy: *healthy,
                    faulty: *faulty,
                },
                Timing::Random { faulty, healthy } => Window {
                    healthy: draw(&mut rng, *healthy),
                    faulty: draw(&mut rng, *faulty),
                },
            })
        });
        windows.take(self.max_faults.unwrap_or(usize::MAX))
    }

    /// How many faults start before `limit` whatever the seed draws (each
    /// window at its longest), so a run can refuse a plan that leaves a
    /// requested fault out instead of finding out at the end.
    pub fn faults_certain_within(&self, limit: Duration) -> usize {
        let (healthy, faulty) = self.longest_windows();
        if healthy + faulty == Duration::ZERO {
            return self.max_faults.unwrap_or(usize::MAX);
        }
        let mut n = 0usize;
        while self.latest_start(n + 1) < limit
            && self.max_faults.is_none_or(|m| n < m)
            && n < 1_000_000
        {
            n += 1;
        }
        n
    }

    /// The latest time fault `k` (from 1) can start, whatever the seed: `k`
    /// quiet windows and `k - 1` faulty ones, each at its longest.
    pub fn latest_start(&self, k: usize) -> Duration {
        let (healthy, faulty) = self.longest_windows();
        let k = u32::try_from(k).unwrap_or(u32::MAX);
        healthy * k + faulty * k.saturating_sub(1)
    }

    /// The longest quiet and faulty windows the timing allows.
    fn longest_windows(&self) -> (Duration, Duration) {
        match &self.timing {
            Timing::Interval { faulty, healthy } => (*healthy, *faulty),
            Timing::Random { faulty, healthy } => {
                (healthy.0.max(healthy.1), faulty.0.max(faulty.1))
            }
        }
    }

    /// The RNG the nemesis draws its fault choices from.
    pub fn fault_rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed ^ FAULT_STREAM)
    }
}

fn draw(rng: &mut ChaCha8Rng, (lo, hi): (Duration, Duration)) -> Duration {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let ms = rng.random_range(lo.as_millis() as u64..=hi.as_millis() as u64);
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_random_windows() {
        let a = Schedule::random(Duration::from_secs(1), Duration::from_secs(20), 9);
        let b = Schedule::random(Duration::from_secs(1), Duration::from_secs(20), 9);
        let c = Schedule::random(Duration::from_secs(1), Duration::from_secs(20), 10);
        let take = |s: &Schedule| s.windows().take(20).collect::<Vec<_>>();
        assert_eq!(take(&a), take(&b));
        assert_ne!(take(&a), take(&c));
        assert!(take(&a).iter().all(|w| {
            w.faulty >= Duration::from_secs(1) && w.faulty <= Duration::from_secs(20)
        }));
    }

    #[test]
    fn faults_certain_within_a_time_limit() {
        let s = |i| Schedule::interval(Duration::from_secs(i), 1);
        // Faults start at 5, 15, 25 s.
        assert_eq!(s(5).faults_certain_within(Duration::from_secs(5)), 0);
        assert_eq!(s(5).faults_certain_within(Duration::from_secs(6)), 1);
        assert_eq!(s(5).faults_certain_within(Duration::from_secs(20)), 2);
        assert_eq!(
            s(5).with_max_faults(1)
                .faults_certain_within(Duration::from_secs(60)),
            1
        );
        // Random windows are counted at their longest: 6 s, then every 12 s.
        let r = Schedule::random(Duration::from_secs(2), Duration::from_secs(6), 3);
        assert_eq!(r.faults_certain_within(Duration::from_secs(6)), 0);
        assert_eq!(r.faults_certain_within(Duration::from_secs(19)), 2);
        assert_eq!(r.latest_start(2), Duration::from_secs(18));
    }

    #[test]
    fn interval_windows_are_fixed_and_bounded() {
        let s = Schedule::interval(Duration::from_secs(10), 0).with_max_faults(3);
        let w: Vec<_> = s.windows().collect();
        assert_eq!(w.len(), 3);
        assert!(
            w.iter().all(
                |w| w.faulty == Duration::from_secs(10) && w.healthy == Duration::from_secs(10)
            )
        );
    }
}
