//! A deadline turns the partitions that did not finish into `Unknown`, saying why.

use faultline_checkers::{
    CheckOptions, ModelKind, Validity, check_linearizable, synth_cas_history,
};
use std::time::{Duration, Instant};

#[test]
fn deadline_makes_undecided_partitions_unknown_with_the_reason() {
    // About 0.2 s of search in a release build, and far more in a debug one.
    let events = synth_cas_history(20_000, 30, 0.05, false, 7);
    let opts = CheckOptions {
        timeout: Some(Duration::from_millis(1)),
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
