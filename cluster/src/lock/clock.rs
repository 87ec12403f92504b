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
//! stamps [`monotonic_stamp`]: the clock's value when it took over plus the
//! time since, measured on its monotonic clock, which no clock step moves
//! (a new leader that starts from an older value only stalls the clock for
//! a while). The `lease-wall-clock` bug stamps [`wall_clock_ms`] instead, the
//! node's wall clock: correct while the nodes' clocks agree, but a leader
//! whose clock jumps ahead expires every lease at once, and a second client
//! is granted a lock the first still holds (fencing tokens still keep the
//! resource safe).

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

/// Reserved map key of the state machine's lease clock (ms).
const CLOCK_KEY: &str = "\u{1}lock/clock";

/// The leader's stamp: `base_ms` (the lease clock when it became leader)
/// plus the milliseconds its monotonic clock counted since `leader_since`.
pub fn monotonic_stamp(base_ms: u64, leader_since: Instant) -> u64 {
    let elapsed = u64::try_from(leader_since.elapsed().as_millis()).unwrap_or(u64::MAX);
    base_ms.saturating_add(elapsed)
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
    fn a_leaders_stamp_counts_on_from_its_base() {
        let since = Instant::now() - Duration::from_millis(40);
        let stamp = monotonic_stamp(1_000, since);
        assert!((1_040..1_040 + 60_000).contains(&stamp), "{stamp}");
    }
}
