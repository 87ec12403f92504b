//! The lock checker on hand-made histories: each rule broken on its own,
//! and valid histories with crashed (`info`) operations.

use faultline_checkers::{Event, EventType, OpFn, ProcessId, Validity};
use faultline_checkers::{ViolationKind, check_lock};
use serde_json::{Value, json};

const MS: u64 = 1_000_000;

/// Builds a history from operations given as (process, f, invoke ms,
/// completion ms and type, invoke value, ok value), on lock `l`.
#[derive(Default)]
struct History(Vec<Event>);

impl History {
    fn op(
        mut self,
        process: u64,
        f: &str,
        (invoke, value): (u64, Value),
        (done, kind, output): (u64, EventType, Value),
    ) -> Self {
        let event = |time: u64, kind, value| Event {
            index: 0,
            time: time * MS,
            process: ProcessId::Client(process),
            kind,
            f: OpFn::parse(f),
            key: Some("l".into()),
            value,
            node: None,
            error: None,
            detail: None,
        };
        self.0.push(event(invoke, EventType::Invoke, value));
        self.0.push(event(done, kind, output));
        self
    }

    fn acquire(self, p: u64, ttl_ms: u64, at: (u64, u64), token: Option<u64>) -> Self {
        let done = match token {
            Some(t) => (at.1, EventType::Ok, json!(t)),
            None => (at.1, EventType::Info, Value::Null),
        };
        self.op(p, "acquire", (at.0, json!({ "ttl_ms": ttl_ms })), done)
    }

    fn release(self, p: u64, token: u64, at: (u64, u64), kind: EventType) -> Self {
        self.op(
            p,
            "release",
            (at.0, json!(token)),
            (at.1, kind, json!(token)),
        )
    }

    fn write(self, p: u64, token: u64, at: (u64, u64), kind: EventType) -> Self {
        let v = json!({"token": token, "value": token * 100});
        self.op(p, "write", (at.0, v.clone()), (at.1, kind, v))
    }

    fn read(self, p: u64, at: (u64, u64), seen: Value) -> Self {
        self.op(p, "read", (at.0, Value::Null), (at.1, EventType::Ok, seen))
    }

    fn events(mut self) -> Vec<Event> {
        self.0.sort_by_key(|e| e.time);
        for (i, e) in self.0.iter_mut().enumerate() {
            e.index = i as u64;
        }
        self.0
    }
}

fn kinds(events: &[Event]) -> Vec<ViolationKind> {
    let report = check_lock(events).unwrap();
    report.violations.iter().map(|v| v.kind).collect()
}

#[test]
fn holders_in_turn_with_crashed_operations_are_valid() {
    use EventType::{Info, Ok};
    let h = History::default()
        .acquire(0, 1000, (0, 10), Some(1))
        .write(0, 1, (20, 30), Ok)
        // A crashed acquire (process 1, then 3) may or may not have been granted.
        .acquire(1, 1000, (25, 40), None)
        .release(0, 1, (50, 60), Ok)
        .acquire(2, 100, (70, 80), Some(2))
        // A crashed write by the holder.
        .write(2, 2, (90, 95), Info)
        // Process 2's lease expires unreleased; process 3 takes over.
        .acquire(3, 1000, (200, 210), Some(3))
        .write(3, 3, (220, 230), Ok)
        .read(4, (240, 250), json!({"token": 3, "value": 300}))
        .release(3, 3, (260, 270), Info)
        .acquire(4, 1000, (280, 290), Some(4));
    let events = h.events();
    let report = check_lock(&events).unwrap();
    assert_eq!(report.valid, Validity::Valid, "{:?}", report.violations);
    assert_eq!((report.acquires, report.writes), (4, 2));
}

#[test]
fn two_certain_holders_are_caught() {
    let events = History::default()
        .acquire(0, 1000, (0, 10), Some(1))
        .acquire(1, 1000, (100, 110), Some(2))
        .events();
    assert_eq!(kinds(&events), vec![ViolationKind::TwoHolders]);
    let report = check_lock(&events).unwrap();
    let v = &report.violations[0];
    let procs: Vec<ProcessId> = v.ops.iter().map(|o| o.process).collect();
    assert_eq!(procs, vec![ProcessId::Client(0), ProcessId::Client(1)]);
    assert!(v.text.contains("process 0 acquire token 1"), "{}", v.text);
}

#[test]
fn an_acquire_slower_than_its_ttl_is_never_a_certain_holder() {
    // The grant may have happened at the invoke and expired before the
    // next one; nothing certain overlaps.
    let events = History::default()
        .acquire(0, 50, (0, 100), Some(1))
        .acquire(1, 1000, (60, 70), Some(2))
        .events();
    assert_eq!(kinds(&events), vec![]);
}

#[test]
fn tokens_that_go_down_or_repeat_are_caught() {
    use EventType::Ok;
    let down = History::default()
        .acquire(0, 1000, (0, 10), Some(5))
        .release(0, 5, (20, 30), Ok)
        .acquire(1, 1000, (40, 50), Some(3))
        .events();
    assert_eq!(kinds(&down), vec![ViolationKind::TokenOrder]);
    let again = History::default()
        .acquire(0, 1000, (0, 10), Some(5))
        .release(0, 5, (20, 30), Ok)
        .acquire(1, 1000, (40, 50), Some(5))
        .events();
    assert_eq!(kinds(&again), vec![ViolationKind::TokenOrder]);
}

#[test]
fn a_write_after_the_lease_was_taken_over_is_caught() {
    use EventType::Ok;
    // Process 0 pauses past its 100 ms lease; process 1 takes the lock;
    // process 0 then writes with its old token (no fencing stopped it).
    let events = History::default()
        .acquire(0, 100, (0, 10), Some(1))
        .acquire(1, 1000, (200, 210), Some(2))
        .write(0, 1, (300, 310), Ok)
        .events();
    assert_eq!(kinds(&events), vec![ViolationKind::StaleWrite]);
    // The same write rejected by fencing is fine.
    let fenced = History::default()
        .acquire(0, 100, (0, 10), Some(1))
        .acquire(1, 1000, (200, 210), Some(2))
        .write(0, 1, (300, 310), EventType::Fail)
        .events();
    assert_eq!(kinds(&fenced), vec![]);
}

#[test]
fn a_stale_write_landing_over_a_newer_one_is_caught() {
    use EventType::Ok;
    // Process 0's write was in flight (a pause) across the takeover, then
    // landed over process 1's: a later read sees the old token.
    let events = History::default()
        .acquire(0, 100, (0, 10), Some(1))
        .write(0, 1, (20, 500), Ok)
        .acquire(1, 1000, (200, 210), Some(2))
        .write(1, 2, (220, 230), Ok)
        .read(2, (600, 610), json!({"token": 1, "value": 100}))
        .events();
    assert_eq!(kinds(&events), vec![ViolationKind::Overwritten]);
}

#[test]
fn a_write_with_a_token_never_granted_is_caught() {
    let events = History::default()
        .acquire(0, 1000, (0, 10), Some(1))
        .write(1, 1, (20, 30), EventType::Ok)
        .events();
    assert_eq!(kinds(&events), vec![ViolationKind::UnheldWrite]);
}

#[test]
fn a_history_without_grants_is_unknown_and_the_card_has_a_lock_row() {
    use faultline_checkers::{CardOptions, CheckerKind, run_checkers};
    let none = History::default().acquire(0, 100, (0, 10), None).events();
    assert_eq!(check_lock(&none).unwrap().valid, Validity::Unknown);
    let events = History::default()
        .acquire(0, 1000, (0, 10), Some(1))
        .acquire(1, 1000, (100, 110), Some(2))
        .events();
    let kinds: Vec<CheckerKind> = CheckerKind::parse_list(&["lock"]).unwrap();
    let opts = CardOptions::new(faultline_checkers::ModelKind::Mutex);
    let verdicts = run_checkers(&events, &kinds, &opts);
    assert_eq!(verdicts.len(), 1);
    assert_eq!(
        (verdicts[0].checker.as_str(), verdicts[0].valid),
        ("lock", Validity::Invalid)
    );
}

#[test]
fn a_renewal_extends_the_certain_lease() {
    let renew = |h: History| {
        h.op(
            0,
            "renew",
            (50, json!({"token": 1, "ttl_ms": 1000})),
            (60, EventType::Ok, json!({"token": 1, "ttl_ms": 1000})),
        )
    };
    let base = || History::default().acquire(0, 100, (0, 10), Some(1));
    let takeover = |h: History| h.acquire(1, 1000, (200, 210), Some(2));
    assert_eq!(kinds(&takeover(base()).events()), vec![]);
    assert_eq!(
        kinds(&takeover(renew(base())).events()),
        vec![ViolationKind::TwoHolders]
    );
}
