//! Lock: each worker loops acquire → work → write the protected resource
//! with its fencing token → release → read the resource. Sometimes it
//! pauses for longer than its lease, like a GC pause, either before it
//! checks its lease (a correct client then notices the lease may be gone
//! and skips the write) or with the write already on its way (only fencing
//! can stop that one). The resource on each key is guarded by the lock of
//! the same name.

use crate::op::Op;
use crate::workload::UniqueValues;
use rand::{Rng, RngExt};
use serde_json::{Value, json};
use std::time::Duration;

/// How lock clients behave.
#[derive(Debug, Clone, PartialEq)]
pub struct LockOptions {
    /// Lease length asked for on acquire.
    pub ttl: Duration,
    /// Typical pause length (each pause is 0.75..1.25 times this).
    pub pause: Duration,
    /// Chance that a cycle pauses.
    pub pause_probability: f64,
    /// Whether the client checks that its lease is still valid before
    /// writing (false under the `lease-ignores-pause` bug).
    pub check_lease: bool,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            ttl: Duration::from_millis(300),
            pause: Duration::from_millis(450),
            pause_probability: 0.2,
            check_lease: true,
        }
    }
}

impl LockOptions {
    /// Whether a lease acquired `held_for` ago may still be relied on: a
    /// quarter of the TTL is kept in reserve for the time between this
    /// check and the write's arrival.
    pub fn lease_still_valid(&self, held_for: Duration) -> bool {
        !self.check_lease || held_for + self.ttl / 4 < self.ttl
    }
}

/// Where a cycle pauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePoint {
    /// After the acquire, before the lease check.
    BeforeCheck,
    /// After the lease check, with the write invoked but not yet sent.
    InFlight,
}

/// One acquire-write-release cycle, decided up front from the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct LockCycle {
    /// The lock and the resource it guards.
    pub key: String,
    /// The value to write (unique in the test).
    pub value: u64,
    /// Work inside the critical section before writing.
    pub work: Duration,
    /// A pause, if this cycle has one: where and how long.
    pub pause: Option<(PausePoint, Duration)>,
}

impl LockCycle {
    /// Draws a cycle on `key`.
    pub fn draw<R: Rng + ?Sized>(
        rng: &mut R,
        key: String,
        values: &mut UniqueValues,
        opts: &LockOptions,
    ) -> LockCycle {
        let work = opts.ttl.mul_f64(rng.random_range(0.0..0.33));
        let pause = (rng.random_bool(opts.pause_probability.clamp(0.0, 1.0))).then(|| {
            let at = if rng.random_bool(0.5) {
                PausePoint::BeforeCheck
            } else {
                PausePoint::InFlight
            };
            (at, opts.pause.mul_f64(rng.random_range(0.75..1.25)))
        });
        LockCycle {
            key,
            value: values.next_value(),
            work,
            pause,
        }
    }

    /// `acquire` with the lease length (and the holder's name, for humans).
    pub fn acquire(&self, opts: &LockOptions, holder: &str) -> Op {
        Op {
            f: faultline_checkers::OpFn::Acquire,
            key: Some(self.key.clone()),
            value: json!({"ttl_ms": opts.ttl.as_millis() as u64, "holder": holder}),
        }
    }

    /// The resource write with `token`.
    pub fn write(&self, token: u64) -> Op {
        Op {
            f: faultline_checkers::OpFn::Write,
            key: Some(self.key.clone()),
            value: json!({"token": token, "value": self.value}),
        }
    }

    /// `release` of `token`.
    pub fn release(&self, token: u64) -> Op {
        Op {
            f: faultline_checkers::OpFn::Release,
            key: Some(self.key.clone()),
            value: Value::from(token),
        }
    }
}

/// One operation for callers that want single operations (tests, mixes):
/// an acquire or a read of the resource.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String, values: &mut UniqueValues) -> Op {
    let opts = LockOptions::default();
    let cycle = LockCycle::draw(rng, key.clone(), values, &opts);
    if rng.random_bool(0.5) {
        cycle.acquire(&opts, "")
    } else {
        Op::read(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn cycles_pause_at_both_points_and_for_longer_than_the_lease() {
        let opts = LockOptions::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut values = UniqueValues::new(0, 1);
        let cycles: Vec<LockCycle> = (0..200)
            .map(|_| LockCycle::draw(&mut rng, "k0".into(), &mut values, &opts))
            .collect();
        let pauses: Vec<_> = cycles.iter().filter_map(|c| c.pause).collect();
        assert!(pauses.iter().any(|p| p.0 == PausePoint::BeforeCheck));
        assert!(pauses.iter().any(|p| p.0 == PausePoint::InFlight));
        assert!(pauses.iter().all(|p| p.1 > opts.ttl));
        assert!(cycles.iter().all(|c| c.work < opts.ttl / 2));
    }

    #[test]
    fn a_correct_client_stops_trusting_its_lease_early() {
        let mut opts = LockOptions::default();
        assert!(opts.lease_still_valid(Duration::from_millis(100)));
        assert!(!opts.lease_still_valid(Duration::from_millis(250)));
        opts.check_lease = false;
        assert!(opts.lease_still_valid(Duration::from_secs(10)));
    }
}
