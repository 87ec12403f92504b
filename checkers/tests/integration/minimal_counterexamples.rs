//! Shrinking against brute force: the core of an invalid key's minimal
//! counterexample cannot be ordered whatever the key's other state-changing
//! operations did (so it proves the key invalid), and removing or weakening
//! any one operation of the core makes it linearizable. Shrinking never
//! changes a verdict.

use crate::support;

use faultline_checkers::{CasRegister, SearchOnly};
use faultline_checkers::{
    CheckOptions, Event, EventType, LinearizabilityReport, Model, ModelKind, OpFn, OpStatus,
    Operation, ProcessId, ShrinkBudget, Val, Validity, check_with_model, pair_operations,
};
use serde_json::json;
use std::time::Duration;
use support::brute_force::{brute_force, linearizable};
use support::histories::random_history;
use support::models::{WithModel, with_model};

fn options(shrink: ShrinkBudget) -> CheckOptions {
    CheckOptions {
        timeout: Some(Duration::from_secs(60)),
        shrink,
        ..CheckOptions::default()
    }
}

/// Budget generous enough that small keys always finish shrinking.
const GENEROUS: ShrinkBudget = ShrinkBudget::Within(Duration::from_secs(30));

struct Shrinks<'e> {
    events: &'e [Event],
    search_only: bool,
}

impl WithModel for Shrinks<'_> {
    /// How many invalid keys were shrunk and checked.
    type Out = usize;
    fn run<M: Model>(self, model: &M) -> usize {
        if self.search_only {
            check(&SearchOnly(model), self.events)
        } else {
            check(model, self.events)
        }
    }
}

/// The key with its core as recorded, every other observation removed and
/// every other operation's effect made unknown; `step_out` also takes that
/// one core operation out the same way.
fn shrunk_key<M: Model>(
    model: &M,
    key_ops: &[Operation],
    core: &[usize],
    step_out: Option<usize>,
) -> Vec<Operation> {
    key_ops
        .iter()
        .filter_map(|o| {
            let in_core = core.contains(&o.id) && step_out != Some(o.id);
            if in_core || o.is_crashed() {
                return Some(o.clone());
            }
            if model.is_read_only(&model.prepare(o).unwrap()) {
                return None;
            }
            let mut weak = o.clone();
            weak.status = OpStatus::Crashed;
            weak.output = serde_json::Value::Null;
            weak.complete_pos = None;
            Some(weak)
        })
        .collect()
}

/// Checks every invalid key's minimal counterexample by brute force.
fn check<M: Model>(model: &M, events: &[Event]) -> usize {
    let brute = brute_force(model, events);
    let report = check_with_model(events, model, &options(GENEROUS)).unwrap();
    assert_eq!(report.valid, brute, "the verdict agrees with brute force");
    let plain = check_with_model(events, model, &options(ShrinkBudget::Off)).unwrap();
    assert_eq!(
        plain.valid, report.valid,
        "shrinking never changes a verdict"
    );
    let all_ops = pair_operations(events, None, "generated").unwrap();
    let mut checked = 0;
    for p in report
        .partitions
        .iter()
        .filter(|p| p.valid == Validity::Invalid)
    {
        let cx = p
            .counterexample
            .as_ref()
            .expect("an invalid key explains itself");
        let m = cx.minimal.as_ref().expect("a small key always shrinks");
        assert!(m.one_minimal, "small keys shrink within the budget: {m:?}");
        assert!(m.core.len() <= p.ops && m.from_ops == p.ops);
        let key_ops: Vec<Operation> = all_ops.iter().filter(|o| o.key == p.key).cloned().collect();
        let shrunk = shrunk_key(model, &key_ops, &m.core, None);
        assert!(
            !linearizable(model, &shrunk),
            "the minimal counterexample is invalid: {shrunk:?}"
        );
        for &id in &m.core {
            let rest = shrunk_key(model, &key_ops, &m.core, Some(id));
            assert!(
                linearizable(model, &rest),
                "without op {id} the core is still invalid: {rest:?}"
            );
        }
        checked += 1;
    }
    checked
}

#[test]
fn minimal_counterexamples_are_invalid_and_one_minimal_by_brute_force() {
    for search_only in [false, true] {
        for &kind in ModelKind::ALL {
            let mut shrunk = 0;
            for seed in 0..150u64 {
                let n = 2 + (seed % 7) as usize;
                let events = random_history(kind, n, seed);
                shrunk += with_model(
                    kind,
                    Shrinks {
                        events: &events,
                        search_only,
                    },
                );
            }
            assert!(
                shrunk >= 20,
                "{kind}: only {shrunk} invalid keys were shrunk"
            );
        }
    }
}

fn ev(index: u64, process: u64, kind: EventType, f: OpFn, value: serde_json::Value) -> Event {
    Event {
        index,
        time: index * 1_000_000,
        process: ProcessId::Client(process),
        kind,
        f,
        key: None,
        value,
        node: None,
        error: None,
        detail: None,
    }
}

/// A stale read among noise: write 1, write 2 completes, later a read of 1,
/// with many linearizable operations around them.
fn stale_read_among_noise() -> Vec<Event> {
    use EventType::{Invoke, Ok};
    let mut e = Vec::new();
    let mut i = 0;
    let mut push = |p: u64, kind: EventType, f: OpFn, v: serde_json::Value| {
        e.push(ev(i, p, kind, f, v));
        i += 1;
    };
    for round in 0..20u64 {
        let v = json!(10 + round);
        push(1, Invoke, OpFn::Write, v.clone());
        push(1, Ok, OpFn::Write, v.clone());
        push(2, Invoke, OpFn::Read, json!(null));
        push(2, Ok, OpFn::Read, v);
    }
    push(1, Invoke, OpFn::Write, json!(1));
    push(1, Ok, OpFn::Write, json!(1));
    push(1, Invoke, OpFn::Write, json!(2));
    push(1, Ok, OpFn::Write, json!(2));
    push(3, Invoke, OpFn::Write, json!(3));
    push(2, Invoke, OpFn::Read, json!(null));
    push(2, Ok, OpFn::Read, json!(1));
    push(3, Ok, OpFn::Write, json!(3));
    for round in 0..20u64 {
        let v = json!(100 + round);
        push(1, Invoke, OpFn::Write, v.clone());
        push(1, Ok, OpFn::Write, v.clone());
    }
    e
}

/// The read of a replaced value is explained by the two writes and the read,
/// not by the read alone (which would blame it on a value nobody wrote).
#[test]
fn a_stale_read_shrinks_to_the_writes_it_needs() {
    let events = stale_read_among_noise();
    let model = CasRegister::new(Val::Nil);
    let report: LinearizabilityReport =
        check_with_model(&events, &model, &options(GENEROUS)).unwrap();
    assert_eq!(report.valid, Validity::Invalid);
    let cx = report.partitions[0].counterexample.as_ref().unwrap();
    let m = cx.minimal.as_ref().expect("shrunk");
    assert!(m.one_minimal);
    let shown: Vec<String> = m
        .operations
        .iter()
        .filter(|o| m.core.contains(&o.id))
        .map(|o| format!("{} {} {}", o.f, o.value, o.result))
        .collect();
    assert_eq!(
        shown,
        vec!["write 1 1", "write 2 2", "read null 1"],
        "{m:#?}"
    );
    assert_eq!(m.from_ops, 64);
    let text = faultline_checkers::render_text(&report);
    assert!(
        text.contains(
            "smallest counterexample: these 3 operations cannot be ordered (shrunk from 64 ops;"
        ),
        "{text}"
    );
    assert!(text.contains("read 1 but the register holds 2"), "{text}");
    let html = faultline_checkers::render_html(&report, "stale.jsonl");
    assert!(html.contains("Smallest counterexample: these 3 operations cannot be ordered"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["partitions"][0]["counterexample"]["minimal"]["operations"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

/// Off means off: no minimal counterexample, the same verdict.
#[test]
fn shrinking_can_be_switched_off() {
    let events = stale_read_among_noise();
    let model = CasRegister::new(Val::Nil);
    let report = check_with_model(&events, &model, &options(ShrinkBudget::Off)).unwrap();
    assert_eq!(report.valid, Validity::Invalid);
    assert!(
        report.partitions[0]
            .counterexample
            .as_ref()
            .unwrap()
            .minimal
            .is_none()
    );
}
