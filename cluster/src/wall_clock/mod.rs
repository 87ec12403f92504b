//! The node's wall clock: the machine's clock plus an offset the harness
//! sets at runtime (`POST /admin/clock`, see [`admin`]), so a clock fault
//! skews one node's idea of the time without changing the machine's clock,
//! which the other nodes, the harness and every other program share.
//!
//! Everything in a node that reads wall time reads it here. Monotonic
//! timers (`Instant`: elections, heartbeats, cache leases) are left alone:
//! a real clock step does not move them either.
//!
//! A node is one process, so the offset is the process's.

pub mod admin;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds added to the machine's clock on this node (negative: behind).
static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// The offset in effect.
pub fn offset_ms() -> i64 {
    OFFSET_MS.load(Ordering::Relaxed)
}

/// Sets the offset: from now on this node's wall clock reads the machine's
/// clock plus `ms` (a step, as when an operator or NTP sets a clock).
pub fn set_offset_ms(ms: i64) {
    OFFSET_MS.store(ms, Ordering::Relaxed);
}

/// Microseconds since the Unix epoch on this node's (skewed) clock; 0 for
/// a time before the epoch, which only a broken machine or a huge negative
/// offset gives.
pub fn now_us() -> u64 {
    let machine = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_micros()).unwrap_or(i128::MAX));
    skewed(machine, offset_ms())
}

/// Milliseconds since the Unix epoch on this node's (skewed) clock.
pub fn now_ms() -> u64 {
    now_us() / 1000
}

/// `machine_us` moved by `offset_ms`, clamped to what a `u64` holds.
fn skewed(machine_us: i128, offset_ms: i64) -> u64 {
    let us = machine_us.saturating_add(i128::from(offset_ms) * 1000);
    u64::try_from(us.max(0)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_move_the_clock_both_ways_and_clamp_at_the_epoch() {
        assert_eq!(skewed(5_000_000, 0), 5_000_000);
        assert_eq!(skewed(5_000_000, 2_000), 7_000_000);
        assert_eq!(skewed(5_000_000, -2_000), 3_000_000);
        assert_eq!(skewed(5_000_000, -10_000), 0);
    }
}
