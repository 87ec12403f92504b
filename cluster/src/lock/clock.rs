//! The state machine's notion of time for leases.
//!
//! Lease expiry must be decided identically on every replica, or two
//! replicas could disagree on whether a lock is free and hand out different
//! answers after a leader change. So a replica never reads its own clock
//! while applying: the leader stamps each lock command when it proposes it,
//! and every replica uses that stamp. The state machine keeps the highest
//! stamp seen, so time never runs backwards in it (a stamp behind it only
//! makes leases last longer, never shorter).
//!
//! What the leader stamps with is the whole safety argument of leases. A
//! lease is safe when the replicated clock never runs *faster* than real
//! time: then a lease lasts at least its TTL from its grant. So a leader
//! stamps through its [`LeaseBase`]: the clock's value once it has applied
//! everything its predecessors committed, plus the time since, measured on
//! its monotonic clock, which no clock step moves (the time between the
//! predecessor's last stamp and that moment is lost, which only makes
//! leases longer). The `lease-wall-clock` bug stamps [`wall_clock_ms`] instead, the
//! node's wall clock: correct while the nodes' clocks agree, but a leader
//! whose clock jumps ahead expires every lease at once, and a second client
//! is granted a lock the first still holds (fencing tokens still keep the
//! resource safe).

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

/// Reserved map key of the state machine's lease clock (ms).
const CLOCK_KEY: &str = "\u{1}lock/clock";

/// Where a leader's stamps count from; reset when it becomes leader.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeaseBase {
    /// The lease clock when the leader had caught up, and when that was.
    from: Option<(u64, Instant)>,
}

impl LeaseBase {
    /// The leader's stamp now: its base plus the milliseconds its monotonic
    /// clock counted since. The base is fixed at the first stamp after the
    /// leader `caught_up` (applied its own first entry), from the `current`
    /// lease clock; before that the stamp is 0, which moves no clock.
    pub fn stamp(&mut self, caught_up: bool, current: u64) -> u64 {
        match self.from {
            Some((base, at)) => {
                let elapsed = u64::try_from(at.elapsed().as_millis()).unwrap_or(u64::MAX);
                base.saturating_add(elapsed)
            }
            None if caught_up => {
                self.from = Some((current, Instant::now()));
                current
            }
            None => 0,
        }
    }
}

/// Milliseconds since the Unix epoch on this node's wall clock (which the
/// harness's clock faults skew): the stamp of the `lease-wall-clock` bug.
pub fn wall_clock_ms() -> u64 {
    crate::wall_clock::now_ms()
}

/// The state machine's lease clock (0 before the first lock command).
pub fn current(map: &BTreeMap<String, Value>) -> u64 {
    map.get(CLOCK_KEY).and_then(Value::as_u64).unwrap_or(0)
}

/// Advances the replicated clock to `stamp_ms` (never backwards) and
/// returns the state machine's current time.
pub fn advance(map: &mut BTreeMap<String, Value>, stamp_ms: u64) -> u64 {
    let now = current(map).max(stamp_ms);
    map.insert(CLOCK_KEY.to_string(), Value::from(now));
    now
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn time_never_goes_back() {
        let mut m = BTreeMap::new();
        assert_eq!(advance(&mut m, 100), 100);
        assert_eq!(advance(&mut m, 50), 100);
        assert_eq!(advance(&mut m, 150), 150);
        assert_eq!(current(&m), 150);
    }

    #[test]
    fn a_leaders_stamps_count_on_from_where_it_caught_up() {
        let mut base = LeaseBase::default();
        assert_eq!(base.stamp(false, 1_000), 0, "not caught up: no stamp");
        assert_eq!(base.stamp(true, 1_000), 1_000);
        std::thread::sleep(Duration::from_millis(20));
        // The base stays where it was fixed, whatever the clock says later.
        let stamp = base.stamp(true, 50_000);
        assert!((1_020..1_020 + 60_000).contains(&stamp), "{stamp}");
    }
}
