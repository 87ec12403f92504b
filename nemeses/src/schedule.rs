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
    /// Every this many windows, one is a combination (0: never); see
    /// [`Window::combined`].
    pub combine_every: usize,
}

/// One healthy-then-faulty cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Quiet time before the fault.
    pub healthy: Duration,
    /// How long the fault lasts before heal.
    pub faulty: Duration,
    /// A combination: a second fault (of a kind that pairs with the first)
    /// starts `faulty / 2` into the first, the first heals at `faulty`, and
    /// the second at `faulty * 3 / 2`: a kill during a partition, a paused
    /// leader while the partition heals. Both are healed when it ends.
    pub combined: bool,
}

impl Window {
    /// A single fault after `healthy`, lasting `faulty`.
    pub fn single(healthy: Duration, faulty: Duration) -> Self {
        Window {
            healthy,
            faulty,
            combined: false,
        }
    }

    /// How many faults the window starts.
    pub fn faults(&self) -> usize {
        if self.combined { 2 } else { 1 }
    }

    /// When the second fault of a combination starts, after the first.
    pub fn second_start(&self) -> Duration {
        self.faulty / 2
    }

    /// From the first fault's start to the last heal.
    pub fn span(&self) -> Duration {
        if self.combined {
            self.faulty + self.second_start()
        } else {
            self.faulty
        }
    }
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
            combine_every: 0,
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
            combine_every: 0,
        }
    }

    /// Limits the number of faults.
    pub fn with_max_faults(mut self, n: usize) -> Self {
        self.max_faults = Some(n);
        self
    }

    /// Makes every `k`-th window a combination (0: none).
    pub fn with_combinations_every(mut self, k: usize) -> Self {
        self.combine_every = k;
        self
    }

    /// The windows, in order (infinite unless `max_faults` is set; a
    /// combination that would pass it is a single fault).
    pub fn windows(&self) -> impl Iterator<Item = Window> + use<> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ TIMING_STREAM);
        let timing = self.timing.clone();
        let every = self.combine_every;
        let mut left = self.max_faults.unwrap_or(usize::MAX);
        let mut index = 0usize;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            index = index.saturating_add(1);
            let (healthy, faulty) = match &timing {
                Timing::Interval { faulty, healthy } => (*healthy, *faulty),
                Timing::Random { faulty, healthy } => {
                    (draw(&mut rng, *healthy), draw(&mut rng, *faulty))
                }
            };
            let window = Window {
                healthy,
                faulty,
                combined: every > 0 && index.is_multiple_of(every) && left >= 2,
            };
            left -= window.faults();
            Some(window)
        })
    }

    /// The windows at their longest (what no seed can exceed).
    fn longest(&self) -> impl Iterator<Item = Window> + use<> {
        let (healthy, faulty) = self.longest_windows();
        Schedule {
            timing: Timing::Interval { faulty, healthy },
            ..self.clone()
        }
        .windows()
    }

    /// When each window starts with every window at its longest: the
    /// latest each can start whatever the seed draws. At most `cap`.
    fn latest_starts(&self, cap: usize) -> Vec<Duration> {
        let mut starts = Vec::new();
        let mut t = Duration::ZERO;
        for w in self.longest().take(cap) {
            t += w.healthy;
            starts.push(t);
            t += w.span();
        }
        starts
    }

    /// How many faults start before `limit` whatever the seed draws: one
    /// per window that starts by then, each window at its longest (a
    /// combination's second fault is not certain: its kind may be used up
    /// in the round). A run refuses a plan that leaves a requested fault
    /// out with it, instead of finding out at the end.
    pub fn faults_certain_within(&self, limit: Duration) -> usize {
        let (healthy, faulty) = self.longest_windows();
        if healthy + faulty == Duration::ZERO {
            return self.max_faults.unwrap_or(usize::MAX);
        }
        // Each window takes some time, so the count is bounded; the cap
        // bounds it for absurd limits too.
        let mut n = 0usize;
        let mut t = Duration::ZERO;
        for w in self.longest().take(1_000_000) {
            t += w.healthy;
            if t >= limit {
                break;
            }
            n += 1;
            t += w.span();
        }
        n
    }

    /// How many faults can start before `limit`: every window that starts
    /// by then, a combination's second fault included when it starts by
    /// then too (windows at their shortest).
    pub fn faults_possible_within(&self, limit: Duration) -> usize {
        let (healthy, faulty) = match &self.timing {
            Timing::Interval { faulty, healthy } => (*healthy, *faulty),
            Timing::Random { faulty, healthy } => {
                (healthy.0.min(healthy.1), faulty.0.min(faulty.1))
            }
        };
        if healthy + faulty == Duration::ZERO {
            return self.max_faults.unwrap_or(usize::MAX);
        }
        let shortest = Schedule {
            timing: Timing::Interval { faulty, healthy },
            ..self.clone()
        };
        let mut n = 0usize;
        let mut t = Duration::ZERO;
        for w in shortest.windows().take(1_000_000) {
            t += w.healthy;
            if t >= limit {
                break;
            }
            n += 1;
            if w.combined && t + w.second_start() < limit {
                n += 1;
            }
            t += w.span();
        }
        n
    }

    /// The latest time window `k` (from 1), and so its first fault, can
    /// start, whatever the seed: the quiet and faulty windows before it,
    /// each at its longest.
    pub fn latest_start(&self, k: usize) -> Duration {
        self.latest_starts(k.min(1_000_000))
            .last()
            .copied()
            .unwrap_or(Duration::ZERO)
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
    fn every_kth_window_is_a_combination_and_counts_two_faults() {
        let s = Schedule::interval(Duration::from_secs(1), 1).with_combinations_every(2);
        let w: Vec<_> = s.windows().take(6).map(|w| w.combined).collect();
        assert_eq!(w, [false, true, false, true, false, true]);
        // Starts (s): 1 | 3, 3.5 | 5.5 | 7.5, 8 | 10 | 12, 12.5 | 14.5 | 16.5, 17 | 19:
        // nine windows, each certain to start a fault; 13 faults at most.
        assert_eq!(s.faults_certain_within(Duration::from_secs(20)), 9);
        assert_eq!(s.faults_possible_within(Duration::from_secs(20)), 13);
        assert_eq!(s.latest_start(3), Duration::from_millis(5500));
        assert_eq!(s.latest_start(9), Duration::from_secs(19));
        // max_faults counts faults: a combination that would pass it is single.
        let capped = s.clone().with_max_faults(4);
        let w: Vec<_> = capped.windows().collect();
        assert_eq!(w.iter().map(Window::faults).sum::<usize>(), 4);
        assert_eq!(w.len(), 3);
        let capped = s.with_max_faults(3);
        let w: Vec<_> = capped.windows().map(|w| w.combined).collect();
        assert_eq!(w, [false, true]);
    }

    #[test]
    fn a_combination_spans_half_a_fault_more() {
        let w = Window {
            healthy: Duration::from_secs(1),
            faulty: Duration::from_secs(2),
            combined: true,
        };
        assert_eq!(w.second_start(), Duration::from_secs(1));
        assert_eq!(w.span(), Duration::from_secs(3));
        assert_eq!(Window::single(w.healthy, w.faulty).span(), w.faulty);
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
