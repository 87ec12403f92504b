//! A test per switchable bug: default-length runs (20 s, the default
//! schedule) with nothing but `--bug` and the setup it needs (the workload,
//! and `--nemesis clock` for the one bug only a clock fault shows), up to six
//! fixed seeds each (see `SEEDS`), through
//! `faultline bench bugs` (which holds the one table of setups and exposing
//! faults). The bug must be caught on two of them,
//! and every run must have drawn a fault that exposes it: what makes a run
//! catch a bug in a user's store is the schedule getting round to the fault
//! that matters, so a schedule that stops doing so fails here.
//!
//! The correct cluster under the same setups and faults is checked valid
//! by the workload tests (`run_e2e`, `txn_run`, `twopc_run`, `lock_run`,
//! `cache_run`) and by `faultline bench bugs` itself.
//!
//! The first seeds of a bug run side by side: a run spends most of its 20 s
//! waiting (about 2.6 s of CPU, measured with `time -v`), so two or four at
//! once on two cores change little but the wall time, which was most of
//! CI's. Only the time to the first anomaly is measured, and it is asserted
//! only to lie within the run.

use serde_json::Value;
use std::process::{Command, Stdio};

/// Seeds a bug may use, and how many of them must catch it. Seeds after
/// the first two run only after misses. A bug shows only while its window
/// is open (a node that missed an invalidation read before the key's next
/// write, an acknowledged write read after the leader that acked it lost
/// it), and this suite's debug binary under CI's load reads less in that
/// window: `cache-stale` was caught on 1 of seeds 1-3 in one CI run,
/// `early-ack` on at most 1 of 3 in another, where the release binary on a
/// quiet machine caught cache-stale on 6 of 6. Up to six seeds keep "two
/// must catch it" without failing CI runs on a bad draw.
const SEEDS: usize = 6;
const MUST_CATCH: usize = 2;

/// `faultline bench bugs --bug BUG --seeds 1 --first-seed SEED --json`:
/// the run's entry.
fn bench(bug: &str, seed: usize) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["bench", "bugs", "--bug", bug, "--skip-correct", "--json"])
        .args(["--seeds", "1", "--first-seed", &seed.to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert_eq!(out.status.code(), Some(0), "bench bugs failed: {stderr}");
    let mut runs = serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.remove(0)
}

/// Seeds 1 to MUST_CATCH at once, then the others one by one until
/// MUST_CATCH caught the bug (a third seed runs only when one of the first
/// two missed, which keeps CI's time down).
fn caught_on_most_seeds(bug: &str) {
    let mut runs: Vec<Value> = std::thread::scope(|s| {
        let side_by_side: Vec<_> = (1..=MUST_CATCH)
            .map(|seed| s.spawn(move || bench(bug, seed)))
            .collect();
        side_by_side
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let seeds = SEEDS;
    for seed in MUST_CATCH + 1..=seeds {
        let caught = runs.iter().filter(|r| r["ending"] == "invalid").count();
        if caught >= MUST_CATCH || caught + (seeds - seed + 1) < MUST_CATCH {
            break;
        }
        runs.push(bench(bug, seed));
    }
    let caught: Vec<u64> = runs
        .iter()
        .filter(|r| r["ending"] == "invalid")
        .filter_map(|r| r["seed"].as_u64())
        .collect();
    assert!(
        caught.len() >= MUST_CATCH,
        "{bug} caught on seeds {caught:?} only, of {seeds}: {runs:#?}"
    );
    for r in runs.iter().filter(|r| r["ending"] == "invalid") {
        // Bisected from the run's own history: on record before the run
        // ended, after the setup phase's first operations.
        let first = r["first_anomaly_s"].as_f64();
        let total = r["seconds"].as_f64().unwrap_or(0.0);
        assert!(
            first.is_some_and(|t| t > 0.0 && t < total),
            "seed {}: first anomaly at {first:?} of a {total} s run",
            r["seed"]
        );
    }
    for r in &runs {
        // Null when the bug needs no fault (the workload alone shows it).
        assert_ne!(
            r["exposing_fault_drawn"], false,
            "seed {} never drew {}: {}",
            r["seed"], r["exposed_by"], r["targets"]
        );
    }
}

#[test]
fn stale_reads() {
    caught_on_most_seeds("stale-reads");
}

#[test]
fn early_ack() {
    caught_on_most_seeds("early-ack");
}

#[test]
fn no_fsync() {
    caught_on_most_seeds("no-fsync");
}

#[test]
fn no_term_check() {
    caught_on_most_seeds("no-term-check");
}

#[test]
fn lock_no_fencing() {
    caught_on_most_seeds("lock-no-fencing");
}

#[test]
fn lease_ignores_pause() {
    caught_on_most_seeds("lease-ignores-pause");
}

#[test]
fn lease_wall_clock() {
    caught_on_most_seeds("lease-wall-clock");
}

#[test]
fn cache_stale() {
    caught_on_most_seeds("cache-stale");
}

#[test]
fn two_pc_no_prepare() {
    caught_on_most_seeds("2pc-no-prepare");
}

#[test]
fn cas_local_check() {
    caught_on_most_seeds("cas-local-check");
}

#[test]
fn split_txn() {
    caught_on_most_seeds("split-txn");
}

#[test]
fn dirty_reads() {
    caught_on_most_seeds("dirty-reads");
}

/// Every bug the binary knows has a test here: a new bug must get one.
#[test]
fn every_bug_has_a_test() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["cluster", "up", "--bug", "no-such-bug"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let known = stderr
        .split("known: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no list of bugs in {stderr}"));
    let source = include_str!("bug_detection.rs");
    let bugs: Vec<&str> = known.split(", ").collect();
    assert!(bugs.len() >= 11, "{bugs:?}");
    for bug in bugs {
        assert!(
            source.contains(&format!("caught_on_most_seeds(\"{bug}\")")),
            "no test for --bug {bug}"
        );
    }
}
