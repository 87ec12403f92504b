//! The state machine's notion of time for leases.
//!
//! Lease expiry must be decided identically on every replica, or two
//! replicas could disagree on whether a lock is free and hand out different
//! answers after a leader change. So a replica never reads its own clock
//! while applying: the leader stamps each lock command with its wall clock
//! when it proposes it, and every replica uses that stamp. The state machine
//! keeps the highest stamp seen, so time never runs backwards in it even if
//! a new leader's clock is behind the old one's (that only makes leases last
//! longer, never shorter). The stamp is taken before the command commits,
//! so it is never later than the real time of the grant: a lease lasts at
//! least its TTL from the client's point of view, as long as the nodes'
//! clocks agree (they share one machine here).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Reserved map key of the state machine's lease clock (ms since the epoch).
const CLOCK_KEY: &str = "\u{1}lock/clock";

/// Milliseconds since the Unix epoch on this node: the leader's stamp.
pub fn wall_clock_ms() -> u64 {
    // A clock before 1970 is a broken machine; 0 only makes leases longer.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Advances the replicated clock to `stamp_ms` (never backwards) and
/// returns the state machine's current time.
pub fn advance(map: &mut BTreeMap<String, Value>, stamp_ms: u64) -> u64 {
    let now = map
        .get(CLOCK_KEY)
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .max(stamp_ms);
    map.insert(CLOCK_KEY.to_string(), Value::from(now));
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_never_goes_back() {
        let mut m = BTreeMap::new();
        assert_eq!(advance(&mut m, 100), 100);
        assert_eq!(advance(&mut m, 50), 100);
        assert_eq!(advance(&mut m, 150), 150);
    }
}
