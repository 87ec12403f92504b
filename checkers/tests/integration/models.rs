//! Each built-in model on small hand-made histories: ones that are
//! linearizable and ones that are not, with the reason the checker gives.

use faultline_checkers::{
    CheckOptions, Event, EventType, FailReason, LinearizabilityReport, ModelKind, OpFn, ProcessId,
    Validity, check_linearizable,
};
use serde_json::{Value, json};

/// One history line: process, type, f, value (and `cas-mismatch` for failed cas).
type Line<'a> = (u64, &'a str, &'a str, Value);

fn history(lines: &[Line<'_>]) -> Vec<Event> {
    lines
        .iter()
        .enumerate()
        .map(|(i, (p, t, f, v))| {
            let (kind, error) = match *t {
                "invoke" => (EventType::Invoke, None),
                "ok" => (EventType::Ok, None),
                "fail" => (EventType::Fail, None),
                "mismatch" => (EventType::Fail, Some(FailReason::CasMismatch.to_string())),
                "info" => (EventType::Info, None),
                other => panic!("bad type {other}"),
            };
            Event {
                index: i as u64,
                time: i as u64,
                process: ProcessId::Client(*p),
                kind,
                f: OpFn::parse(f),
                key: None,
                value: v.clone(),
                node: None,
                error,
                detail: None,
            }
        })
        .collect()
}

fn check(model: ModelKind, lines: &[Line<'_>]) -> LinearizabilityReport {
    check_linearizable(&history(lines), model, &CheckOptions::default()).expect("checks")
}

fn assert_valid(model: ModelKind, lines: &[Line<'_>]) {
    let r = check(model, lines);
    assert_eq!(r.valid, Validity::Valid, "{model}: {}", r.summary());
}

/// Asserts the history is invalid and that some unplaceable operation's reason contains `why`.
fn assert_invalid(model: ModelKind, lines: &[Line<'_>], why: &str) {
    let r = check(model, lines);
    assert_eq!(r.valid, Validity::Invalid, "{model}: {}", r.summary());
    let cx = r.partitions[0]
        .counterexample
        .as_ref()
        .expect("an invalid partition has a counterexample");
    let reasons: Vec<&str> = cx.unplaceable.iter().map(|u| u.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains(why)),
        "{model}: expected a reason containing {why:?}, got {reasons:?}"
    );
}

const N: Value = Value::Null;

#[test]
fn register_reads_the_latest_write_or_a_concurrent_one() {
    assert_valid(
        ModelKind::Register,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (1, "invoke", "write", json!(2)),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!(2)), // the concurrent write may come first
            (1, "ok", "write", json!(2)),
        ],
    );
}

#[test]
fn register_stale_read_is_invalid() {
    assert_invalid(
        ModelKind::Register,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (1, "invoke", "write", json!(2)),
            (1, "ok", "write", json!(2)),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!(1)),
        ],
        "read 1",
    );
}

#[test]
fn cas_register_follows_successful_and_failed_cas() {
    assert_valid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (0, "invoke", "cas", json!([1, 2])),
            (0, "ok", "cas", json!([1, 2])),
            (1, "invoke", "cas", json!([1, 3])),
            (1, "mismatch", "cas", json!([1, 3])),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(2)),
        ],
    );
}

#[test]
fn cas_register_failed_comparison_against_the_value_held_is_invalid() {
    // Only the failed cas is wrong: the register held 1 throughout it.
    assert_invalid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (1, "invoke", "cas", json!([1, 3])),
            (1, "mismatch", "cas", json!([1, 3])),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!(1)),
        ],
        "cas expecting 1 failed but the register holds 1",
    );
    // Recorded the old way (free text), the failure is dropped and the history passes.
    assert_valid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (1, "invoke", "cas", json!([1, 3])),
            (1, "fail", "cas", json!([1, 3])),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!(1)),
        ],
    );
}

#[test]
fn cas_register_success_from_a_value_not_held_is_invalid() {
    assert_invalid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(1)),
            (0, "ok", "write", json!(1)),
            (0, "invoke", "write", json!(2)),
            (0, "ok", "write", json!(2)),
            (1, "invoke", "cas", json!([1, 3])),
            (1, "ok", "cas", json!([1, 3])),
        ],
        "cas 1->3",
    );
}

#[test]
fn cas_register_crashed_write_may_take_effect_later() {
    assert_valid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(7)),
            (0, "info", "write", json!(7)),
            (1, "invoke", "read", N),
            (1, "ok", "read", N),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(7)),
        ],
    );
}

#[test]
fn cas_register_failed_write_never_takes_effect() {
    assert_invalid(
        ModelKind::CasRegister,
        &[
            (0, "invoke", "write", json!(7)),
            (0, "fail", "write", json!(7)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(7)),
        ],
        "read 7",
    );
}

#[test]
fn kv_append_concatenates_in_order() {
    assert_valid(
        ModelKind::KvAppend,
        &[
            (0, "invoke", "write", json!("a")),
            (0, "ok", "write", json!("a")),
            (0, "invoke", "append", json!("b")),
            (0, "ok", "append", json!("b")),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!("ab")),
        ],
    );
    assert_invalid(
        ModelKind::KvAppend,
        &[
            (0, "invoke", "append", json!("a")),
            (0, "ok", "append", json!("a")),
            (0, "invoke", "append", json!("b")),
            (0, "ok", "append", json!("b")),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!("ba")),
        ],
        "ba",
    );
}

#[test]
fn append_list_reads_must_match_the_append_order() {
    assert_valid(
        ModelKind::AppendList,
        &[
            (0, "invoke", "append", json!(1)),
            (1, "invoke", "append", json!(2)),
            (0, "ok", "append", json!(1)),
            (1, "ok", "append", json!(2)),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!([2, 1])), // concurrent appends: either order
        ],
    );
    assert_invalid(
        ModelKind::AppendList,
        &[
            (0, "invoke", "append", json!(1)),
            (0, "ok", "append", json!(1)),
            (0, "invoke", "append", json!(2)),
            (0, "ok", "append", json!(2)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!([2, 1])),
        ],
        "[2, 1]",
    );
}

#[test]
fn set_reads_must_contain_completed_adds() {
    assert_valid(
        ModelKind::Set,
        &[
            (0, "invoke", "add", json!(1)),
            (0, "ok", "add", json!(1)),
            (1, "invoke", "add", json!(2)),
            (0, "invoke", "read", N),
            (0, "ok", "read", json!([1])),
            (1, "ok", "add", json!(2)),
        ],
    );
    assert_invalid(
        ModelKind::Set,
        &[
            (0, "invoke", "add", json!(1)),
            (0, "ok", "add", json!(1)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!([])),
        ],
        "",
    );
}

#[test]
fn counter_reads_between_bounds() {
    assert_valid(
        ModelKind::Counter,
        &[
            (0, "invoke", "incr", json!(2)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(0)),
            (0, "ok", "incr", json!(2)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(2)),
        ],
    );
    assert_invalid(
        ModelKind::Counter,
        &[
            (0, "invoke", "incr", json!(1)),
            (0, "ok", "incr", json!(1)),
            (1, "invoke", "read", N),
            (1, "ok", "read", json!(3)),
        ],
        "",
    );
}

#[test]
fn fifo_queue_dequeues_in_enqueue_order() {
    assert_valid(
        ModelKind::FifoQueue,
        &[
            (0, "invoke", "enqueue", json!(1)),
            (0, "ok", "enqueue", json!(1)),
            (0, "invoke", "enqueue", json!(2)),
            (0, "ok", "enqueue", json!(2)),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", json!(1)),
        ],
    );
    assert_invalid(
        ModelKind::FifoQueue,
        &[
            (0, "invoke", "enqueue", json!(1)),
            (0, "ok", "enqueue", json!(1)),
            (0, "invoke", "enqueue", json!(2)),
            (0, "ok", "enqueue", json!(2)),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", json!(2)),
        ],
        "head of the queue is 1",
    );
}

/// Before, a dequeue answering null always meant "empty", so an enqueued
/// null could never be dequeued and this history was called invalid.
#[test]
fn an_enqueued_null_can_be_dequeued_and_null_on_a_nonempty_queue_is_not_empty() {
    assert_valid(
        ModelKind::FifoQueue,
        &[
            (0, "invoke", "enqueue", N),
            (0, "ok", "enqueue", N),
            (0, "invoke", "enqueue", json!(1)),
            (0, "ok", "enqueue", json!(1)),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", N),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", json!(1)),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", N),
        ],
    );
    assert_invalid(
        ModelKind::FifoQueue,
        &[
            (0, "invoke", "enqueue", json!(1)),
            (0, "ok", "enqueue", json!(1)),
            (1, "invoke", "dequeue", N),
            (1, "ok", "dequeue", N),
        ],
        "but the head of the queue is 1",
    );
}

#[test]
fn mutex_excludes_a_second_holder() {
    assert_valid(
        ModelKind::Mutex,
        &[
            (0, "invoke", "acquire", N),
            (0, "ok", "acquire", N),
            (1, "invoke", "acquire", N),
            (0, "invoke", "release", N),
            (0, "ok", "release", N),
            (1, "ok", "acquire", N),
        ],
    );
    assert_invalid(
        ModelKind::Mutex,
        &[
            (0, "invoke", "acquire", N),
            (0, "ok", "acquire", N),
            (1, "invoke", "acquire", N),
            (1, "ok", "acquire", N),
        ],
        "lock is held",
    );
}

#[test]
fn kv_checks_each_key_on_its_own_and_names_the_bad_key() {
    let mut events = history(&[
        (0, "invoke", "write", json!(1)),
        (0, "ok", "write", json!(1)),
        (1, "invoke", "read", N),
        (1, "ok", "read", json!(1)),
        (1, "invoke", "read", N),
        (1, "ok", "read", json!(1)),
    ]);
    for (i, e) in events.iter_mut().enumerate() {
        // The write is to a; the first read is of a (fine), the second of b (never written).
        e.key = Some(if i < 4 { "a" } else { "b" }.to_string());
    }
    let r = check_linearizable(&events, ModelKind::Kv, &CheckOptions::default()).expect("checks");
    assert_eq!(r.valid, Validity::Invalid);
    let bad: Vec<_> = r
        .partitions
        .iter()
        .filter(|p| p.valid == Validity::Invalid)
        .map(|p| p.key.clone())
        .collect();
    assert_eq!(bad, vec![Some("b".to_string())]);
}

/// Sixty crashed operations of `f` with distinct values no read ever sees,
/// in flight from the start: without leaving them out, proving the rest
/// invalid means trying every subset of them.
fn unseen_crashed(f: &'static str) -> Vec<Line<'static>> {
    (0..60u64)
        .map(|i| (100 + i, "invoke", f, json!(1000 + i)))
        .collect()
}

fn decided_within_deadline(model: ModelKind, lines: &[Line<'_>]) -> LinearizabilityReport {
    let opts = CheckOptions {
        timeout: Some(std::time::Duration::from_secs(60)),
        ..CheckOptions::default()
    };
    check_linearizable(&history(lines), model, &opts).expect("checks")
}

#[test]
fn crashed_appends_no_read_sees_do_not_stall_an_invalid_verdict() {
    let mut lines = unseen_crashed("append");
    lines.extend([
        (0, "invoke", "append", json!(1)),
        (0, "ok", "append", json!(1)),
        (0, "invoke", "append", json!(2)),
        (0, "ok", "append", json!(2)),
        (0, "invoke", "read", json!(null)),
        (0, "ok", "read", json!([2, 1])),
    ]);
    let r = decided_within_deadline(ModelKind::AppendList, &lines);
    assert_eq!(r.valid, Validity::Invalid, "{}", r.summary());
    // The same with a read in append order is linearizable.
    let n = lines.len();
    lines[n - 1] = (0, "ok", "read", json!([1, 2]));
    let r = decided_within_deadline(ModelKind::AppendList, &lines);
    assert_eq!(r.valid, Validity::Valid, "{}", r.summary());
}

#[test]
fn crashed_adds_no_read_sees_do_not_stall_an_invalid_verdict() {
    let mut lines = unseen_crashed("add");
    lines.extend([
        (0, "invoke", "add", json!(1)),
        (0, "ok", "add", json!(1)),
        (0, "invoke", "add", json!(2)),
        (0, "ok", "add", json!(2)),
        (0, "invoke", "read", json!(null)),
        (0, "ok", "read", json!([1])),
    ]);
    let r = decided_within_deadline(ModelKind::Set, &lines);
    assert_eq!(r.valid, Validity::Invalid, "{}", r.summary());
}

#[test]
fn a_crashed_write_a_read_saw_is_kept() {
    // The crashed write of 3 is the only explanation for the read of 3.
    let lines = [
        (1, "invoke", "write", json!(3)),
        (0, "invoke", "write", json!(1)),
        (0, "ok", "write", json!(1)),
        (0, "invoke", "read", json!(null)),
        (0, "ok", "read", json!(3)),
    ];
    assert_valid(ModelKind::Register, &lines);
}
