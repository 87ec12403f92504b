//! The weaker-model checkers on hand-made histories: each invalid history
//! breaks exactly the property named, and the others are asserted to hold.

use faultline_checkers::check_sequential;
use faultline_checkers::{CardOptions, CheckerKind, ReportCard, run_checkers};
use faultline_checkers::{
    CheckOptions, Event, EventType, ModelKind, OpFn, ProcessId, Validity, check_linearizable,
};
use faultline_checkers::{EventualOptions, check_eventual};
use faultline_checkers::{Guarantee, check_session};
use faultline_checkers::{StalenessOptions, check_staleness};
use faultline_checkers::{synth_cas_history, synth_kv_history};
use serde_json::{Value, json};
use std::time::Duration;

/// Builds histories; each event is 1 ms after the previous one.
#[derive(Default)]
struct H {
    events: Vec<Event>,
}

impl H {
    fn push(
        &mut self,
        p: ProcessId,
        kind: EventType,
        f: &str,
        key: &str,
        value: Value,
    ) -> &mut Self {
        let i = self.events.len() as u64;
        self.events.push(Event {
            index: i,
            time: i * 1_000_000,
            process: p,
            kind,
            f: OpFn::parse(f),
            key: Some(key.to_string()),
            value,
            node: None,
            error: None,
            detail: None,
        });
        self
    }
    fn invoke(&mut self, p: u64, f: &str, key: &str, v: Value) -> &mut Self {
        self.push(ProcessId::Client(p), EventType::Invoke, f, key, v)
    }
    fn ok(&mut self, p: u64, f: &str, key: &str, v: Value) -> &mut Self {
        self.push(ProcessId::Client(p), EventType::Ok, f, key, v)
    }
    /// A cas by `p` whose completion is `fail` with `error` (arguments kept).
    fn failed_cas(&mut self, p: u64, key: &str, from: i64, to: i64, error: &str) -> &mut Self {
        self.invoke(p, "cas", key, json!([from, to]));
        self.push(
            ProcessId::Client(p),
            EventType::Fail,
            "cas",
            key,
            json!([from, to]),
        );
        if let Some(e) = self.events.last_mut() {
            e.error = Some(error.to_string());
        }
        self
    }
    fn info(&mut self, p: u64, f: &str, key: &str, v: Value) -> &mut Self {
        self.push(ProcessId::Client(p), EventType::Info, f, key, v)
    }
    /// A write that completes ok before anything else happens.
    fn write(&mut self, p: u64, key: &str, v: i64) -> &mut Self {
        self.invoke(p, "write", key, json!(v))
            .ok(p, "write", key, json!(v))
    }
    /// A write of null (a delete) that completes ok before anything else happens.
    fn delete(&mut self, p: u64, key: &str) -> &mut Self {
        self.invoke(p, "write", key, Value::Null)
            .ok(p, "write", key, Value::Null)
    }
    /// A read that completes ok (with `v`, `None` = absent) before anything else happens.
    fn read(&mut self, p: u64, key: &str, v: Option<i64>) -> &mut Self {
        let v = v.map_or(Value::Null, |v| json!(v));
        self.invoke(p, "read", key, Value::Null)
            .ok(p, "read", key, v)
    }
    /// A read served by `node`.
    fn read_at(&mut self, p: u64, key: &str, v: Option<i64>, node: &str) -> &mut Self {
        self.read(p, key, v);
        if let Some(e) = self.events.last_mut() {
            e.node = Some(node.to_string());
        }
        self
    }
    fn nemesis(&mut self, f: &str) -> &mut Self {
        self.push(ProcessId::Nemesis, EventType::Info, f, "", Value::Null);
        if let Some(e) = self.events.last_mut() {
            e.key = None;
        }
        self
    }
    fn done(&self) -> Vec<Event> {
        self.events.clone()
    }
}

fn linearizable(events: &[Event]) -> Validity {
    check_linearizable(events, ModelKind::Kv, &CheckOptions::default())
        .unwrap()
        .valid
}

fn sequential(events: &[Event]) -> Validity {
    check_sequential(events, ModelKind::Kv, &CheckOptions::default())
        .unwrap()
        .valid
}

/// Validity of each guarantee, in `Guarantee::ALL` order.
fn session(events: &[Event]) -> Vec<(Guarantee, Validity)> {
    let r = check_session(events).unwrap();
    r.guarantees
        .iter()
        .map(|g| (g.guarantee, g.valid))
        .collect()
}

/// Asserts that exactly `bad` is invalid and the other guarantees are valid.
fn only_violates(events: &[Event], bad: Guarantee) {
    for (g, v) in session(events) {
        let want = if g == bad {
            Validity::Invalid
        } else {
            Validity::Valid
        };
        assert_eq!(v, want, "{g} on a history that should only violate {bad}");
    }
}

// ---------- sequential ----------

#[test]
fn a_stale_read_is_sequential_but_not_linearizable() {
    // p1 reads the initial value after p0's write finished: fine if p1 simply comes first.
    let h = H::default().write(0, "x", 1).read(1, "x", None).done();
    assert_eq!(linearizable(&h), Validity::Invalid);
    assert_eq!(sequential(&h), Validity::Valid);
    // Per session it is fine too: p1 never wrote, read once.
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
}

#[test]
fn writes_seen_out_of_program_order_are_not_sequential() {
    let h = H::default()
        .write(0, "x", 1)
        .write(0, "x", 2)
        .read(1, "x", Some(2))
        .read(1, "x", Some(1))
        .done();
    let r = check_sequential(&h, ModelKind::Kv, &CheckOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Invalid);
    let w = r.smallest_witness().expect("a witness");
    assert_eq!(w.key.as_deref(), Some("x"));
    assert!(w.placed < w.total, "{w:?}");
    assert!(!w.stuck.is_empty());
    assert!(w.text.contains("key x"), "{}", w.text);
}

#[test]
fn a_crashed_write_may_or_may_not_have_happened() {
    let crashed = |reads: &[Option<i64>]| {
        let mut h = H::default();
        h.invoke(0, "write", "x", json!(1))
            .info(0, "write", "x", Value::Null);
        for r in reads {
            h.read(1, "x", *r);
        }
        sequential(&h.done())
    };
    assert_eq!(crashed(&[Some(1)]), Validity::Valid);
    assert_eq!(crashed(&[None, Some(1)]), Validity::Valid);
    assert_eq!(crashed(&[None]), Validity::Valid);
    assert_eq!(crashed(&[Some(1), None]), Validity::Invalid);
}

#[test]
fn sequential_agrees_on_linearizable_synthetic_histories_and_catches_impossible_reads() {
    for seed in 0..5 {
        let h = synth_cas_history(300, 5, 0.02, false, seed);
        let r = check_sequential(&h, ModelKind::CasRegister, &CheckOptions::default()).unwrap();
        assert_eq!(r.valid, Validity::Valid, "seed {seed}");
        let bad = synth_cas_history(300, 5, 0.02, true, seed);
        let r = check_sequential(&bad, ModelKind::CasRegister, &CheckOptions::default()).unwrap();
        assert_eq!(r.valid, Validity::Invalid, "seed {seed}");
    }
    let kv = synth_kv_history(4, 400, 6, 7);
    let r = check_sequential(&kv, ModelKind::Kv, &CheckOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Valid);
    assert_eq!(r.partitions.len(), 4);
}

#[test]
fn a_zero_deadline_makes_sequential_unknown_not_wrong() {
    let h = synth_cas_history(3000, 8, 0.05, false, 3);
    let opts = CheckOptions {
        timeout: Some(Duration::ZERO),
        ..CheckOptions::default()
    };
    let r = check_sequential(&h, ModelKind::CasRegister, &opts).unwrap();
    assert_ne!(r.valid, Validity::Invalid);
}

// ---------- session ----------

#[test]
fn read_your_writes_alone() {
    let h = H::default().write(0, "x", 1).read(0, "x", None).done();
    only_violates(&h, Guarantee::ReadYourWrites);
    let r = check_session(&h).unwrap();
    let w = r
        .guarantee(Guarantee::ReadYourWrites)
        .and_then(|g| g.witness.clone())
        .expect("witness");
    assert_eq!(w.steps.len(), 2, "{w:?}");
    assert_eq!(w.steps[0].process, Some(ProcessId::Client(0)));
    assert_eq!(
        w.steps[0].ops,
        vec![0, 2],
        "operations are named by invoke event"
    );
    assert!(
        w.text
            .contains("process 0 wrote 1 (event 0) then read nil (event 2)"),
        "{}",
        w.text
    );
}

#[test]
fn a_read_side_violation_is_not_blamed_on_the_write_side() {
    // Reading the initial value after two own writes breaks read-your-writes;
    // the writes' order itself is never contradicted.
    let h = H::default()
        .write(0, "x", 1)
        .write(0, "x", 2)
        .read(0, "x", None)
        .done();
    only_violates(&h, Guarantee::ReadYourWrites);
}

#[test]
fn reading_back_an_own_delete_keeps_every_session_guarantee() {
    // The null read is the delete, not the initial state from before the writes.
    let h = H::default()
        .write(0, "x", 1)
        .delete(0, "x")
        .read(0, "x", None)
        .done();
    assert!(
        session(&h).iter().all(|(_, v)| *v == Validity::Valid),
        "{:?}",
        session(&h)
    );
    let only_delete = H::default().delete(0, "x").read(0, "x", None).done();
    assert!(
        session(&only_delete)
            .iter()
            .all(|(_, v)| *v == Validity::Valid)
    );
    // Another session may read the delete or the initial state, in either order.
    let other = H::default()
        .write(0, "x", 1)
        .delete(0, "x")
        .read(1, "x", None)
        .read(1, "x", Some(1))
        .read(1, "x", None)
        .done();
    assert!(session(&other).iter().all(|(_, v)| *v == Validity::Valid));
}

#[test]
fn a_null_read_after_an_own_write_is_judged_against_the_delete() {
    // p1's delete may come after p0's write of 1, so p0's null read can be it.
    let h = H::default()
        .delete(1, "x")
        .write(0, "x", 1)
        .read(0, "x", None)
        .done();
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
    // Without a delete the null read is the initial state: read-your-writes breaks.
    let h = H::default().write(0, "x", 1).read(0, "x", None).done();
    only_violates(&h, Guarantee::ReadYourWrites);
    // p0 deleted, then wrote 1, then read null: its writes were applied out of order.
    let h = H::default()
        .delete(0, "x")
        .write(0, "x", 1)
        .read(0, "x", None)
        .done();
    only_violates(&h, Guarantee::MonotonicWrites);
}

/// A file whose indices repeat cannot name operations by them: they are
/// named by position instead, so that two operations never share a name.
#[test]
fn operations_are_named_by_position_where_indices_repeat() {
    let mut h = H::default().write(0, "x", 1).read(0, "x", None).done();
    for e in &mut h {
        e.index = 0;
    }
    let r = check_session(&h).unwrap();
    let w = r
        .guarantee(Guarantee::ReadYourWrites)
        .and_then(|g| g.witness.clone())
        .expect("witness");
    assert_eq!(w.steps[0].ops, vec![0, 2]);
}

#[test]
fn read_your_writes_has_no_look_back_limit() {
    // p0 writes 0, installs 1 over it by cas, writes 2..=40 and reads 0:
    // older than its own cas 40 writes back. Nobody else writes.
    let mut h = H::default();
    h.write(0, "x", 0)
        .invoke(0, "cas", "x", json!([0, 1]))
        .ok(0, "cas", "x", json!([0, 1]));
    for v in 2..=40 {
        h.write(0, "x", v);
    }
    h.read(0, "x", Some(0));
    let h = h.done();
    only_violates(&h, Guarantee::ReadYourWrites);
    let r = check_session(&h).unwrap();
    let w = r
        .guarantee(Guarantee::ReadYourWrites)
        .and_then(|g| g.witness.clone())
        .expect("witness");
    assert_eq!(w.steps.len(), 2, "{}", w.text);
    assert!(
        w.text
            .contains("process 0 wrote 1 (event 2) then read 0 (event 82)"),
        "{}",
        w.text
    );
}

#[test]
fn read_your_writes_scales_linearly_with_the_session() {
    // 20 000 own writes each followed by a read of it: pairwise relations
    // would be 2 * 10^8; the checker answers at once.
    let mut h = H::default();
    for v in 0..20_000 {
        h.write(0, "x", v).read(0, "x", Some(v));
    }
    let h = h.done();
    let start = std::time::Instant::now();
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn monotonic_reads_alone() {
    let h = H::default()
        .write(1, "x", 1)
        .read(0, "x", Some(1))
        .read(0, "x", None)
        .done();
    only_violates(&h, Guarantee::MonotonicReads);
}

#[test]
fn monotonic_writes_alone() {
    // p1 sees p0's second write, then its first: p0's writes were applied out of order.
    let h = H::default()
        .write(0, "x", 1)
        .write(0, "x", 2)
        .read(1, "x", Some(2))
        .read(1, "x", Some(1))
        .done();
    only_violates(&h, Guarantee::MonotonicWrites);
}

#[test]
fn writes_follow_reads_alone() {
    // p0 read 1 and then wrote 2; p1 sees 2 and afterwards 1.
    let h = H::default()
        .write(2, "x", 1)
        .read(0, "x", Some(1))
        .write(0, "x", 2)
        .read(1, "x", Some(2))
        .read(1, "x", Some(1))
        .done();
    only_violates(&h, Guarantee::WritesFollowReads);
}

#[test]
fn cas_chains_order_versions() {
    // cas 1->2 installed 2 over 1, so reading 2 then 1 goes backwards.
    let h = H::default()
        .write(0, "x", 1)
        .invoke(0, "cas", "x", json!([1, 2]))
        .ok(0, "cas", "x", json!([1, 2]))
        .read(1, "x", Some(2))
        .read(1, "x", Some(1))
        .done();
    let s = session(&h);
    assert_eq!(s[1], (Guarantee::MonotonicReads, Validity::Invalid));
    assert_eq!(s[0], (Guarantee::ReadYourWrites, Validity::Valid));
}

#[test]
fn a_failed_comparison_against_the_own_write_is_neither_linearizable_nor_sequential() {
    // p0 wrote 1 and nobody else wrote: its own cas expecting 1 cannot fail.
    let h = H::default()
        .write(0, "x", 1)
        .failed_cas(0, "x", 1, 2, "cas-mismatch")
        .done();
    assert_eq!(linearizable(&h), Validity::Invalid);
    assert_eq!(sequential(&h), Validity::Invalid);
    // No version is installed by a failed cas, so no session order breaks.
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
    // The same failure with free text (an old history) is dropped: valid.
    let old = H::default()
        .write(0, "x", 1)
        .failed_cas(0, "x", 1, 2, "409: precondition_failed")
        .done();
    assert_eq!(linearizable(&old), Validity::Valid);
    assert_eq!(sequential(&old), Validity::Valid);
    // Another typed reason observed nothing either.
    let not_leader = H::default()
        .write(0, "x", 1)
        .failed_cas(0, "x", 1, 2, "not-leader")
        .done();
    assert_eq!(linearizable(&not_leader), Validity::Valid);
}

#[test]
fn a_failed_comparison_after_another_process_wrote_is_sequential_but_not_linearizable() {
    // p1's cas saw "not 1" after p0's write of 1 finished: a real-time
    // violation, but in some sequential order p1 simply went first.
    let h = H::default()
        .write(0, "x", 1)
        .failed_cas(1, "x", 1, 2, "cas-mismatch")
        .done();
    assert_eq!(linearizable(&h), Validity::Invalid);
    assert_eq!(sequential(&h), Validity::Valid);
    // And a failed comparison that is true (the register held 1, not 5) is fine.
    let fine = H::default()
        .write(0, "x", 1)
        .failed_cas(1, "x", 5, 2, "cas-mismatch")
        .read(1, "x", Some(1))
        .done();
    assert_eq!(linearizable(&fine), Validity::Valid);
    assert_eq!(sequential(&fine), Validity::Valid);
}

#[test]
fn linearizable_histories_keep_every_session_guarantee() {
    let h = H::default()
        .write(0, "x", 1)
        .read(1, "x", Some(1))
        .write(1, "x", 2)
        .read(0, "x", Some(2))
        .write(0, "y", 3)
        .read(0, "y", Some(3))
        .done();
    assert_eq!(linearizable(&h), Validity::Valid);
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
    let r = check_session(&h).unwrap();
    assert_eq!(r.keys_checked, 2);
}

#[test]
fn repeated_values_make_session_unknown() {
    let h = synth_cas_history(100, 3, 0.0, false, 1);
    let r = check_session(&h).unwrap();
    assert_eq!(r.valid, Validity::Unknown);
    assert_eq!(r.keys_skipped.len(), 1);
}

// ---------- eventual ----------

fn eventual(events: &[Event]) -> faultline_checkers::EventualReport {
    check_eventual(events, &EventualOptions::default()).unwrap()
}

#[test]
fn converged_final_reads_are_eventually_consistent() {
    let h = H::default()
        .write(0, "x", 1)
        .nemesis("start-partition")
        .write(1, "x", 2)
        .nemesis("stop-partition")
        .read_at(0, "x", Some(2), "n1")
        .read_at(1, "x", Some(2), "n2")
        .read_at(2, "x", Some(2), "n3")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Valid, "{r:?}");
    assert_eq!(r.keys[0].final_reads.len(), 3);
}

#[test]
fn final_reads_that_disagree_are_not_eventually_consistent() {
    let h = H::default()
        .write(0, "x", 1)
        .write(1, "x", 2)
        .nemesis("stop-partition")
        .read_at(2, "x", Some(2), "n1")
        .read_at(3, "x", Some(1), "n2")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid);
    let w = r.witness().expect("witness");
    assert!(w.contains("n1 read 2") && w.contains("n2 read 1"), "{w}");
    // Readers read once and never wrote: session guarantees hold.
    assert!(session(&h).iter().all(|(_, v)| *v == Validity::Valid));
}

/// x = 1 acknowledged, then a write of 2 that timed out (unknown effect),
/// then the last heal: what the final reads below start from.
fn late_write_of_2() -> H {
    let mut h = H::default();
    h.write(0, "x", 1)
        .invoke(1, "write", "x", json!(2))
        .info(1, "write", "x", json!(2))
        .nemesis("stop-partition");
    h
}

/// A write of 2 timed out (unknown effect) and landed during the final
/// reads, as a Paxos read's full round does when it finds a value only a
/// minority accepted: n1 read 1 before, n2 and n3 read 2 after. The history
/// is linearizable; before this was judged, it was called a disagreement.
#[test]
fn a_write_of_unknown_effect_landing_during_the_final_reads_is_not_a_disagreement() {
    let h = late_write_of_2()
        .read_at(2, "x", Some(1), "n1")
        .read_at(3, "x", Some(2), "n2")
        .read_at(4, "x", Some(2), "n3")
        .done();
    assert_eq!(linearizable(&h), Validity::Valid);
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Valid, "{r:?}");
    assert!(r.keys[0].disagreement.is_none());
    let why = r.keys[0].settled_late.as_deref().unwrap_or("");
    assert!(why.contains("settled on 2"), "{why}");
}

/// The same late write, but a node read the old value again after the new
/// one had been read: no late write explains going back.
#[test]
fn going_back_after_a_late_write_is_still_a_disagreement() {
    let h = late_write_of_2()
        .read_at(2, "x", Some(2), "n1")
        .read_at(3, "x", Some(1), "n2")
        .done();
    assert_eq!(linearizable(&h), Validity::Invalid);
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid, "{r:?}");
    assert!(r.keys[0].disagreement.is_some());
}

/// Nodes that diverged for good, even around a write of unknown effect:
/// the second round of final reads shows n1 still on 1 after n2 read 2.
#[test]
fn divergence_shown_by_a_second_round_of_final_reads_is_a_disagreement() {
    let h = late_write_of_2()
        .read_at(2, "x", Some(1), "n1")
        .read_at(3, "x", Some(2), "n2")
        .read_at(4, "x", Some(1), "n1")
        .read_at(5, "x", Some(2), "n2")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid, "{r:?}");
    let w = r.witness().expect("witness");
    assert!(w.contains("n1 read 1") && w.contains("n2 read 2"), "{w}");
}

/// Concurrent last reads that differ around a late write: either value may
/// be the one the key kept, so convergence is not known (not valid, and
/// not a disagreement either).
#[test]
fn concurrent_last_reads_that_differ_around_a_late_write_are_unknown() {
    let mut h = late_write_of_2();
    h.invoke(2, "read", "x", Value::Null)
        .invoke(3, "read", "x", Value::Null)
        .ok(2, "read", "x", json!(1));
    h.events.last_mut().unwrap().node = Some("n1".to_string());
    h.ok(3, "read", "x", json!(2));
    h.events.last_mut().unwrap().node = Some("n2".to_string());
    let r = eventual(&h.done());
    assert_eq!(r.valid, Validity::Unknown, "{r:?}");
    assert!(r.keys[0].unsettled.is_some(), "{r:?}");
    assert!(
        r.summary().contains("concurrent last reads"),
        "{}",
        r.summary()
    );
}

/// A register with unique values whose timed-out writes take effect at
/// once, later (at any event, the final reads included) or never; then two
/// rounds of final reads on three nodes, each round's reads overlapping.
/// Every operation takes effect between its call and its return, so the
/// history is linearizable by construction.
fn late_writes_history(seed: u64) -> Vec<Event> {
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let mut h = H::default();
    let mut state: Option<i64> = None;
    let mut pending: Vec<i64> = Vec::new();
    let mut value = 0;
    for step in 0..12u64 {
        match next(3) {
            0 => {
                value += 1;
                h.write(0, "x", value);
                state = Some(value);
            }
            1 => {
                value += 1;
                let p = 10 + step;
                h.invoke(p, "write", "x", json!(value));
                match next(3) {
                    0 => state = Some(value),
                    1 => pending.push(value),
                    _ => {}
                }
                h.info(p, "write", "x", json!(value));
            }
            _ => {
                h.read(1, "x", state);
            }
        }
        if !pending.is_empty() && next(4) == 0 {
            state = Some(pending.remove(next(pending.len())));
        }
    }
    h.nemesis("stop-partition");
    for round in 0..2u64 {
        let procs = [100 + round * 3, 101 + round * 3, 102 + round * 3];
        for p in procs {
            h.invoke(p, "read", "x", Value::Null);
        }
        for (i, p) in procs.into_iter().enumerate() {
            if !pending.is_empty() && next(3) == 0 {
                state = Some(pending.remove(next(pending.len())));
            }
            h.ok(p, "read", "x", state.map_or(Value::Null, |v| json!(v)));
            h.events.last_mut().unwrap().node = Some(format!("n{}", i + 1));
        }
    }
    h.done()
}

/// Writes that land late never make linearizable final reads a
/// disagreement (nor the run invalid), over 500 generated histories.
#[test]
fn late_landing_writes_never_make_a_disagreement() {
    let mut settled_late = 0;
    for seed in 1..=500u64 {
        let h = late_writes_history(seed);
        assert_eq!(linearizable(&h), Validity::Valid, "seed {seed}: generator");
        let r = eventual(&h);
        assert!(
            r.keys.iter().all(|k| k.disagreement.is_none()),
            "seed {seed}: {r:?}"
        );
        assert_ne!(r.valid, Validity::Invalid, "seed {seed}: {r:?}");
        settled_late += r.keys.iter().filter(|k| k.settled_late.is_some()).count();
    }
    // The generator does land writes during the final reads.
    assert!(
        settled_late > 20,
        "only {settled_late} late landings judged"
    );
}

#[test]
fn an_acknowledged_write_overwritten_by_an_earlier_one_is_lost() {
    // Write 2 began after write 1 finished, yet everyone ends with 1.
    let h = H::default()
        .write(0, "x", 1)
        .write(1, "x", 2)
        .nemesis("stop-partition")
        .read_at(0, "x", Some(1), "n1")
        .read_at(1, "x", Some(1), "n2")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid);
    let lost = &r.keys[0].lost_writes;
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].value, json!(2));
    assert_eq!(lost[0].survivor, Some(0));
    // The final reads agree, so the only problem is the lost write.
    assert!(r.keys[0].disagreement.is_none());
}

#[test]
fn concurrent_writes_may_overwrite_each_other() {
    // Writes 1 and 2 overlap: 1 may carry the later timestamp.
    let h = H::default()
        .invoke(0, "write", "x", json!(1))
        .invoke(1, "write", "x", json!(2))
        .ok(1, "write", "x", json!(2))
        .ok(0, "write", "x", json!(1))
        .nemesis("stop-partition")
        .read_at(0, "x", Some(1), "n1")
        .read_at(1, "x", Some(1), "n2")
        .done();
    assert_eq!(eventual(&h).valid, Validity::Valid);
}

#[test]
fn reads_before_the_quiet_period_ends_are_not_final() {
    let h = H::default()
        .write(0, "x", 1)
        .nemesis("stop-partition")
        .read_at(0, "x", None, "n1")
        .read_at(1, "x", Some(1), "n2")
        .done();
    assert_eq!(eventual(&h).valid, Validity::Invalid);
    // The nemesis event is at 4 ms; with a 10 ms quiet period no read is final.
    let quiet = EventualOptions {
        quiet_period: Duration::from_millis(10),
    };
    let r = check_eventual(&h, &quiet).unwrap();
    assert_eq!(r.valid, Validity::Unknown);
}

// ---------- staleness ----------

#[test]
fn staleness_counts_versions_and_lag() {
    let h = H::default()
        .write(0, "x", 1) // ops at 0-1 ms
        .write(0, "x", 2) // 2-3 ms
        .write(0, "x", 3) // 4-5 ms
        .read(1, "x", Some(1)) // invoked at 6 ms: misses 2 and 3; 2 acked 3 ms earlier
        .read(1, "x", Some(3))
        .done();
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Valid);
    assert_eq!(r.reads, 2);
    assert_eq!(r.stale_reads, 1);
    assert_eq!(r.versions.max, 2.0);
    assert!((r.lag_ms.max - 3.0).abs() < 1e-9, "{:?}", r.lag_ms);
    let s = r.stalest.expect("stalest");
    assert_eq!((s.op, s.versions, s.missed_op), (6, 2, 2));

    let strict = StalenessOptions {
        max_versions: Some(1),
        max_lag_ms: None,
    };
    assert_eq!(
        check_staleness(&h, &strict).unwrap().valid,
        Validity::Invalid
    );
}

#[test]
fn a_read_of_the_delete_is_not_behind() {
    let h = H::default()
        .write(0, "x", 1)
        .delete(0, "x")
        .read(1, "x", None)
        .done();
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!(r.reads, 1);
    assert_eq!(r.versions.max, 0.0, "{:?}", r.stalest);
    assert_eq!(r.stale_reads, 0);
    // Before the delete began, null is the initial state: one version behind.
    let h = H::default()
        .write(0, "x", 1)
        .read(1, "x", None)
        .delete(0, "x")
        .done();
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!(r.versions.max, 1.0, "{:?}", r.stalest);
}

#[test]
fn linearizable_histories_have_no_stale_reads() {
    let h = synth_kv_history(3, 500, 5, 11);
    // synth values repeat; rewrite them to be unique per key for this measure.
    let h = uniquify(h);
    assert_eq!(linearizable(&h), Validity::Valid);
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert!(r.reads > 0);
    assert_eq!(r.stale_reads, 0, "{:?}", r.stalest);
}

/// A register history whose writes are unique: reads and writes only, values
/// replaced by the position of the write that installed them.
fn uniquify(events: Vec<Event>) -> Vec<Event> {
    // Simplest unique history: a sequential run of writes and reads per key.
    let mut h = H::default();
    let keys: Vec<String> = events.iter().filter_map(|e| e.key.clone()).collect();
    for (i, k) in keys.iter().enumerate().take(200) {
        let p = (i % 4) as u64;
        if i % 2 == 0 {
            h.write(p, k, i as i64);
        } else {
            let last = (0..i).rev().find(|j| j % 2 == 0 && keys[*j] == *k);
            h.read(p, k, last.map(|j| j as i64));
        }
    }
    h.done()
}

// ---------- card ----------

#[test]
fn the_card_has_one_row_per_model_and_session_guarantee() {
    let h = H::default().write(0, "x", 1).read(1, "x", None).done();
    let verdicts = run_checkers(
        &h,
        &CheckerKind::parse_list(&["all"]).unwrap(),
        &CardOptions::new(ModelKind::Kv),
    );
    let card = ReportCard::from_verdicts(&verdicts);
    let models: Vec<&str> = card.rows.iter().map(|r| r.model.as_str()).collect();
    assert_eq!(
        models,
        [
            "linearizable",
            "sequential",
            "session: read-your-writes",
            "session: monotonic-reads",
            "session: monotonic-writes",
            "session: writes-follow-reads",
            "eventual",
            "staleness"
        ]
    );
    assert_eq!(card.rows[0].valid, Validity::Invalid);
    assert!(card.rows[0].note.contains("key x"), "{}", card.rows[0].note);
    assert_eq!(card.rows[1].valid, Validity::Valid);
    assert!(card.rows[2..6].iter().all(|r| r.valid == Validity::Valid));
    assert_eq!(card.rows[7].valid, Validity::Valid);
    assert!(
        card.rows[7].note.contains("1 of 1 reads stale"),
        "{}",
        card.rows[7].note
    );
}

#[test]
fn checker_names_parse() {
    assert!(CheckerKind::parse_list(&["linearizable", "bogus"]).is_err());
    let l = CheckerKind::parse_list(&["session", "linearizability", "session"]).unwrap();
    assert_eq!(l, [CheckerKind::Session, CheckerKind::Linearizable]);
}

// ---------- sequential: the unique-value block check agrees with the search ----------

/// A random small register history with unique written values: random reads
/// of written values (or nil), some crashed writes, operations of different
/// processes overlapping.
fn random_unique_history(seed: u64) -> Vec<Event> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let procs = rng.random_range(2..4u64);
    let mut h = H::default();
    let mut next_value = 1i64;
    let mut pending: Vec<Option<(String, Value, bool)>> = vec![None; procs as usize];
    let mut ids: Vec<u64> = (0..procs).collect();
    for _ in 0..rng.random_range(6..14) {
        let p = rng.random_range(0..procs) as usize;
        match pending[p].take() {
            None => {
                if rng.random_bool(0.5) {
                    h.invoke(ids[p], "write", "x", json!(next_value));
                    pending[p] = Some(("write".into(), json!(next_value), rng.random_bool(0.15)));
                    next_value += 1;
                } else {
                    h.invoke(ids[p], "read", "x", Value::Null);
                    let v = rng.random_range(0..next_value);
                    let v = if v == 0 { Value::Null } else { json!(v) };
                    pending[p] = Some(("read".into(), v, false));
                }
            }
            Some((f, v, crash)) => {
                if crash {
                    h.info(ids[p], &f, "x", Value::Null);
                    ids[p] += procs;
                } else {
                    h.ok(ids[p], &f, "x", v);
                }
            }
        }
    }
    h.done()
}

#[test]
fn the_unique_value_check_agrees_with_the_general_search() {
    let mut invalid = 0;
    for seed in 0..300 {
        let h = random_unique_history(seed);
        let fast = check_sequential(&h, ModelKind::Register, &CheckOptions::default()).unwrap();
        let general = faultline_checkers::check_sequential_with(
            &h,
            &faultline_checkers::Register::new(faultline_checkers::Val::Nil),
            &CheckOptions::default(),
        )
        .unwrap();
        assert_eq!(fast.valid, general.valid, "seed {seed}: {h:#?}");
        if fast.valid == Validity::Invalid {
            invalid += 1;
        }
    }
    // The generator must produce both answers for the comparison to mean anything.
    assert!(invalid > 20 && invalid < 280, "{invalid} invalid of 300");
}

#[test]
fn a_final_value_nobody_wrote_or_an_absent_one_is_invalid() {
    let h = H::default()
        .write(0, "x", 1)
        .nemesis("stop-partition")
        .read_at(1, "x", Some(9), "n1")
        .read_at(2, "x", Some(9), "n2")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid);
    assert!(r.keys[0].unexplained_final.is_some());

    let h = H::default()
        .write(0, "x", 1)
        .nemesis("stop-partition")
        .read_at(1, "x", None, "n1")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid);
    assert_eq!(r.keys[0].lost_writes.len(), 1);
    assert_eq!(r.keys[0].lost_writes[0].survivor, None);
}

/// Before, an acknowledged delete (`write null`) read back as absent on every
/// node was called a lost write, so `--checker all` said INVALID on a
/// linearizable history.
#[test]
fn an_acknowledged_delete_read_back_as_absent_loses_nothing() {
    let h = H::default()
        .write(0, "x", 1)
        .invoke(0, "write", "x", Value::Null)
        .ok(0, "write", "x", Value::Null)
        .nemesis("stop-partition")
        .read_at(1, "x", None, "n1")
        .read_at(2, "x", None, "n2")
        .done();
    assert_eq!(linearizable(&h), Validity::Valid);
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Valid, "{r:?}");
    assert!(r.keys[0].lost_writes.is_empty());

    // A write that began after the delete had finished is still lost.
    let h = H::default()
        .invoke(0, "write", "x", Value::Null)
        .ok(0, "write", "x", Value::Null)
        .write(1, "x", 2)
        .nemesis("stop-partition")
        .read_at(1, "x", None, "n1")
        .done();
    let r = eventual(&h);
    assert_eq!(r.valid, Validity::Invalid);
    assert_eq!(r.keys[0].lost_writes.len(), 1);
    assert_eq!(r.keys[0].lost_writes[0].value, json!(2));
    assert_eq!(r.keys[0].lost_writes[0].survivor, Some(0));
}

#[test]
fn a_crashed_write_that_was_read_took_effect() {
    // p0's write of 1 crashed, but p1 read 1 and then nil: going backwards.
    let h = H::default()
        .invoke(0, "write", "x", json!(1))
        .info(0, "write", "x", Value::Null)
        .read(1, "x", Some(1))
        .read(1, "x", None)
        .done();
    only_violates(&h, Guarantee::MonotonicReads);
    assert_eq!(sequential(&h), Validity::Invalid);
    // Nothing acknowledged, so nothing is lost; the final read is all there is.
    assert_eq!(eventual(&h).valid, Validity::Valid);
}

#[test]
fn other_models_use_the_general_search_and_other_checkers_say_why_not() {
    let list = |reads: &[Value]| {
        let mut h = H::default();
        h.invoke(0, "append", "x", json!(1))
            .ok(0, "append", "x", json!(1));
        h.invoke(1, "append", "x", json!(2))
            .ok(1, "append", "x", json!(2));
        for r in reads {
            h.invoke(2, "read", "x", Value::Null)
                .ok(2, "read", "x", r.clone());
        }
        h.done()
    };
    let seq = |h: &[Event]| {
        check_sequential(h, ModelKind::AppendList, &CheckOptions::default())
            .unwrap()
            .valid
    };
    // [2, 1] is not linearizable (1 was appended first, in real time) but is sequential.
    let h = list(&[json!([2, 1])]);
    assert_eq!(
        check_linearizable(&h, ModelKind::AppendList, &CheckOptions::default())
            .unwrap()
            .valid,
        Validity::Invalid
    );
    assert_eq!(seq(&h), Validity::Valid);
    assert_eq!(seq(&list(&[json!([1, 2]), json!([1])])), Validity::Invalid);

    let verdicts = run_checkers(
        &h,
        &[CheckerKind::Session, CheckerKind::Eventual],
        &CardOptions::new(ModelKind::AppendList),
    );
    for v in verdicts {
        assert_eq!(v.valid, Validity::Unknown, "{v:?}");
        assert!(v.summary.contains("read, write and cas"), "{}", v.summary);
    }
}
