//! Hand-made histories of a read-through cache (the bundled cluster's
//! `--cache`): what the linearizability and staleness checkers make of reads
//! served from a cache that an invalidation did or did not reach.
//!
//! Each history is a timeline on one key: `(invoke ms, complete ms, process,
//! op, value, node)`; a read's node says which node's cache answered.

use faultline_checkers::{
    CheckOptions, Event, EventType, ModelKind, OpFn, ProcessId, Validity, check_linearizable,
};
use faultline_checkers::{StalenessOptions, check_staleness};
use serde_json::{Value, json};

/// One completed operation on key `x`.
struct Op {
    invoke_ms: u64,
    complete_ms: u64,
    process: u64,
    f: &'static str,
    /// Written value, or the value a read returned (None = absent).
    value: Option<i64>,
    node: &'static str,
}

fn op(
    (invoke_ms, complete_ms): (u64, u64),
    process: u64,
    f: &'static str,
    value: Option<i64>,
    node: &'static str,
) -> Op {
    Op {
        invoke_ms,
        complete_ms,
        process,
        f,
        value,
        node,
    }
}

fn write(at: (u64, u64), p: u64, v: i64) -> Op {
    op(at, p, "write", Some(v), "n1")
}

fn read(at: (u64, u64), p: u64, v: Option<i64>, node: &'static str) -> Op {
    op(at, p, "read", v, node)
}

/// The events of `ops`, in time order, all ok.
fn history(ops: &[Op]) -> Vec<Event> {
    let mut raw: Vec<(u64, bool, &Op)> = Vec::new();
    for o in ops {
        raw.push((o.invoke_ms, false, o));
        raw.push((o.complete_ms, true, o));
    }
    raw.sort_by_key(|(t, done, _)| (*t, *done));
    raw.iter()
        .enumerate()
        .map(|(i, (t, done, o))| {
            let value = o.value.map_or(Value::Null, |v| json!(v));
            Event {
                index: i as u64,
                time: t * 1_000_000,
                process: ProcessId::Client(o.process),
                kind: if *done {
                    EventType::Ok
                } else {
                    EventType::Invoke
                },
                f: OpFn::parse(o.f),
                key: Some("x".into()),
                // A read's value is only known when it completes.
                value: if o.f == "read" && !done {
                    Value::Null
                } else {
                    value
                },
                node: done.then(|| o.node.to_string()),
                error: None,
                detail: None,
            }
        })
        .collect()
}

fn linearizable(events: &[Event]) -> Validity {
    check_linearizable(events, ModelKind::Kv, &CheckOptions::default())
        .unwrap()
        .valid
}

#[test]
fn a_cached_read_after_an_acked_write_is_not_linearizable_and_is_measured_stale() {
    // n3 cached x=1, was cut off, missed the invalidations of 2 and 3 and
    // served x=1 after both were acknowledged (the cache-stale bug).
    let h = history(&[
        write((0, 2), 0, 1),
        read((3, 4), 1, Some(1), "n3"),
        write((5, 7), 0, 2),
        write((8, 10), 0, 3),
        read((12, 13), 1, Some(1), "n3"),
    ]);
    assert_eq!(linearizable(&h), Validity::Invalid);
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!((r.reads, r.stale_reads), (2, 1));
    assert_eq!(r.versions.max, 2.0, "missed writes 2 and 3");
    // Write 2 was acknowledged at 7 ms, the stale read began at 12 ms.
    assert!((r.lag_ms.max - 5.0).abs() < 1e-9, "{:?}", r.lag_ms);
    let stalest = r.stalest.expect("a stale read");
    assert_eq!(stalest.value, json!(1));
}

#[test]
fn a_cached_read_during_the_invalidating_write_may_return_the_old_value() {
    // Write 2 is held back until n3's cache entry is invalidated or expired
    // (acked at 20 ms); a hit on n3 while it is in flight linearizes before it.
    let h = history(&[
        write((0, 2), 0, 1),
        read((3, 4), 1, Some(1), "n3"),
        write((5, 20), 0, 2),
        read((8, 9), 1, Some(1), "n3"),
        read((21, 22), 1, Some(2), "n3"),
        read((23, 24), 2, Some(2), "n1"),
    ]);
    assert_eq!(linearizable(&h), Validity::Valid);
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!((r.reads, r.stale_reads), (4, 0));
}

#[test]
fn an_old_cached_value_after_another_read_saw_the_new_one_is_not_linearizable() {
    // Write 2 is not acknowledged yet, but the leader already answered a read
    // with it; a later hit of n3's old entry cannot be ordered after that
    // read. This is why the leader holds back reads that reveal a write until
    // its invalidations settled. No acknowledged write was missed, so
    // staleness (which measures against acknowledged writes) sees nothing.
    let h = history(&[
        write((0, 2), 0, 1),
        read((3, 4), 1, Some(1), "n3"),
        write((5, 30), 0, 2),
        read((10, 11), 2, Some(2), "n1"),
        read((12, 13), 1, Some(1), "n3"),
    ]);
    assert_eq!(linearizable(&h), Validity::Invalid);
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!(r.stale_reads, 0);
}

#[test]
fn a_read_through_history_with_only_fresh_reads_is_valid() {
    // Misses fill each node's cache, hits return what the last acked write
    // left, and every write invalidated all caches before its ack.
    let h = history(&[
        read((0, 1), 1, None, "n2"),
        read((2, 3), 2, None, "n2"),
        write((4, 6), 0, 1),
        read((7, 8), 1, Some(1), "n2"),
        read((7, 9), 2, Some(1), "n3"),
        read((10, 11), 3, Some(1), "n3"),
        write((12, 15), 0, 2),
        read((13, 14), 3, Some(1), "n3"),
        read((16, 17), 1, Some(2), "n2"),
        read((16, 18), 2, Some(2), "n3"),
        read((19, 20), 3, Some(2), "n1"),
    ]);
    assert_eq!(linearizable(&h), Validity::Valid);
    let r = check_staleness(&h, &StalenessOptions::default()).unwrap();
    assert_eq!((r.reads, r.stale_reads), (9, 0));
    assert_eq!(r.versions.max, 0.0);
}
