//! A deadline turns the partitions that did not finish into `Unknown`, saying why.

use faultline_checkers::{CheckOptions, ModelKind, Validity, check_linearizable, synth};
use std::time::{Duration, Instant};

#[test]
fn deadline_makes_undecided_partitions_unknown_with_the_reason() {
    // 30 processes all in flight at once: far more than 20 ms of search.
    let events = synth::synth_cas_history(3_000, 30, 0.0, false, 7);
    let opts = CheckOptions {
        timeout: Some(Duration::from_millis(20)),
        ..CheckOptions::default()
    };
    let start = Instant::now();
    let r = check_linearizable(&events, ModelKind::CasRegister, &opts).expect("checks");
    assert_eq!(r.valid, Validity::Unknown, "{}", r.summary());
    let reason = r.partitions[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("deadline"), "reason: {reason}");
    // Generous: the search polls the clock every few thousand steps.
    assert!(start.elapsed() < Duration::from_secs(20));
}
