//! Pacing of one worker so that all workers together approach a target rate.

use std::time::Duration;
use tokio::time::Instant;

/// Spaces a worker's operations `concurrency / rate` seconds apart.
///
/// Deadlines advance from the previous deadline rather than from "now", so a
/// slow response does not lower the long-run rate; after a long stall the
/// pacer resynchronises instead of bursting to catch up.
#[derive(Debug, Clone)]
pub struct Pacer {
    period: Option<Duration>,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer for one of `concurrency` workers sharing `rate` ops/s (`rate <= 0` = unlimited).
    pub fn new(rate: f64, concurrency: usize) -> Pacer {
        let period = if rate > 0.0 && rate.is_finite() {
            Some(Duration::from_secs_f64(concurrency.max(1) as f64 / rate))
        } else {
            None
        };
        Pacer { period, next: None }
    }

    /// The time between two operations of this worker, if limited.
    pub fn period(&self) -> Option<Duration> {
        self.period
    }

    /// When the next operation may start, given the current time; advances the schedule.
    pub fn next_deadline(&mut self, now: Instant) -> Instant {
        let Some(period) = self.period else {
            return now;
        };
        let deadline = match self.next {
            // More than one period behind: resynchronise rather than burst.
            Some(next) if next + period >= now => next,
            _ => now,
        };
        self.next = Some(deadline + period);
        deadline
    }

    /// Waits until the next operation may start.
    pub async fn wait(&mut self) {
        let deadline = self.next_deadline(Instant::now());
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_spaced_by_concurrency_over_rate() {
        let mut p = Pacer::new(100.0, 10);
        assert_eq!(p.period(), Some(Duration::from_millis(100)));
        let t0 = Instant::now();
        let d: Vec<Instant> = (0..5).map(|_| p.next_deadline(t0)).collect();
        for (i, w) in d.windows(2).enumerate() {
            assert_eq!(w[1] - w[0], Duration::from_millis(100), "gap {i}");
        }
        // 5 ops from one of 10 workers at 100 ops/s take 0.4 s of schedule.
        assert_eq!(d[4] - d[0], Duration::from_millis(400));
    }

    #[test]
    fn unlimited_rate_never_waits() {
        let mut p = Pacer::new(0.0, 10);
        let now = Instant::now();
        assert_eq!(p.next_deadline(now), now);
        assert_eq!(p.period(), None);
    }

    #[test]
    fn a_long_stall_does_not_cause_a_burst() {
        let mut p = Pacer::new(10.0, 1);
        let t0 = Instant::now();
        p.next_deadline(t0);
        let late = t0 + Duration::from_secs(10);
        let d1 = p.next_deadline(late);
        let d2 = p.next_deadline(late);
        assert_eq!(d1, late);
        assert_eq!(d2 - d1, Duration::from_millis(100));
    }
}
