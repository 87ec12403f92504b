//! The transactional checker (`checkers::txn`): one hand-made history per
//! anomaly with its models table, serial executions that must be clean,
//! agreement with a brute-force search over serial orders on small random
//! list-append histories, and EDN and JSONL giving the same report.

use faultline_checkers::{
    AnomalyKind as A, ConsistencyModel as M, TxnOptions, TxnReport, TxnWorkload, check_txn,
};
use faultline_checkers::{Event, EventType, Format, OpFn, ProcessId, Validity, parse_history};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- helpers

/// A history written event by event.
#[derive(Default)]
struct Hist {
    events: Vec<Event>,
}

/// The micro-ops with every read's result blanked, as an invocation carries them.
fn blank_reads(ops: &Value) -> Value {
    let Some(list) = ops.as_array() else {
        return ops.clone();
    };
    Value::Array(
        list.iter()
            .map(|op| match op.as_array() {
                Some(parts) if parts.first() == Some(&json!("r")) => {
                    json!(["r", parts[1].clone(), null])
                }
                _ => op.clone(),
            })
            .collect(),
    )
}

impl Hist {
    fn ev(&mut self, p: u64, kind: EventType, value: Value) {
        let i = self.events.len() as u64;
        self.events.push(Event {
            index: i,
            time: i * 10,
            process: ProcessId::Client(p),
            kind,
            f: OpFn::Txn,
            key: None,
            value,
            node: None,
            error: None,
            detail: None,
        });
    }
    fn invoke(&mut self, p: u64, ops: Value) -> &mut Self {
        self.ev(p, EventType::Invoke, blank_reads(&ops));
        self
    }
    fn ok(&mut self, p: u64, ops: Value) -> &mut Self {
        self.ev(p, EventType::Ok, ops);
        self
    }
    fn fail(&mut self, p: u64, ops: Value) -> &mut Self {
        self.ev(p, EventType::Fail, blank_reads(&ops));
        self
    }
    fn info(&mut self, p: u64, ops: Value) -> &mut Self {
        self.ev(p, EventType::Info, blank_reads(&ops));
        self
    }
    /// Invoked and committed with nothing in between.
    fn txn(&mut self, p: u64, ops: Value) -> &mut Self {
        self.invoke(p, ops.clone()).ok(p, ops)
    }
}

fn check_with(h: &Hist, model: M) -> TxnReport {
    let opts = TxnOptions {
        model,
        ..TxnOptions::default()
    };
    check_txn(&h.events, &opts).expect("the history is well formed")
}

fn check(h: &Hist) -> TxnReport {
    check_with(h, M::StrictSerializable)
}

/// Asserts the anomaly kinds found and exactly which models are ruled out.
fn assert_found(r: &TxnReport, kinds: &[A], ruled_out: &[M]) {
    let text = r.render_text();
    assert_eq!(r.anomaly_kinds(), kinds, "anomalies:\n{text}");
    for row in &r.models {
        assert_eq!(
            row.ruled_out,
            ruled_out.contains(&row.model),
            "model {} (ruled out by {:?}):\n{text}",
            row.model,
            row.by
        );
    }
    let expected = if ruled_out.contains(&r.model) {
        Validity::Invalid
    } else {
        Validity::Valid
    };
    assert_eq!(r.valid, expected, "{text}");
}

const EVERY: &[M] = &M::ALL;
/// Every model but read uncommitted.
const FROM_READ_COMMITTED: &[M] = &[
    M::StrictSerializable,
    M::StrongSessionSerializable,
    M::Serializable,
    M::StrongSnapshotIsolation,
    M::StrongSessionSnapshotIsolation,
    M::SnapshotIsolation,
    M::RepeatableRead,
    M::ReadCommitted,
];
/// Every model that forbids G-single: read committed and uncommitted allow it.
const FROM_REPEATABLE_READ: &[M] = &[
    M::StrictSerializable,
    M::StrongSessionSerializable,
    M::Serializable,
    M::StrongSnapshotIsolation,
    M::StrongSessionSnapshotIsolation,
    M::SnapshotIsolation,
    M::RepeatableRead,
];
/// The models that forbid write skew.
const SERIALIZABLE_AND_RR: &[M] = &[
    M::StrictSerializable,
    M::StrongSessionSerializable,
    M::Serializable,
    M::RepeatableRead,
];

/// The text of the first example of `kind`.
fn example(r: &TxnReport, kind: A) -> String {
    r.anomalies
        .iter()
        .find(|g| g.kind == kind)
        .and_then(|g| g.examples.first())
        .map(|a| a.text.clone())
        .unwrap_or_default()
}

// ------------------------------------------------ one history per anomaly

#[test]
fn write_cycle_is_g0_and_rules_out_every_model() {
    // T0 and T1 append to x and y in opposite orders, as a final read shows.
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .invoke(1, json!([["append", "x", 2], ["append", "y", 2]]))
        .ok(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .ok(1, json!([["append", "x", 2], ["append", "y", 2]]))
        .txn(2, json!([["r", "x", [1, 2]], ["r", "y", [2, 1]]]));
    let r = check(&h);
    assert_found(&r, &[A::G0], EVERY);
    let g0 = &r.anomalies[0].examples[0];
    assert_eq!(g0.cycle.len(), 2, "{}", r.render_text());
    assert!(
        g0.text
            .contains("T0 appended 1 to x and T1 appended 2 right after it"),
        "{}",
        g0.text
    );
    assert!(g0.text.contains("so T1 < T0 (ww)"), "{}", g0.text);
}

#[test]
fn aborted_read_is_g1a() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1]]))
        .fail(0, json!([["append", "x", 1]]))
        .txn(1, json!([["r", "x", [1]]]));
    let r = check(&h);
    assert_found(&r, &[A::G1a], FROM_READ_COMMITTED);
    assert!(example(&r, A::G1a).contains("T0, which aborted"));
}

#[test]
fn intermediate_register_read_is_g1b() {
    let mut h = Hist::default();
    h.invoke(0, json!([["w", "x", 1], ["w", "x", 2]]))
        .invoke(1, json!([["r", "x", null]]))
        .ok(1, json!([["r", "x", 1]]))
        .ok(0, json!([["w", "x", 1], ["w", "x", 2]]));
    let r = check(&h);
    assert_eq!(r.workload, TxnWorkload::RwRegister);
    assert_found(&r, &[A::G1b], FROM_READ_COMMITTED);
}

#[test]
fn intermediate_list_read_is_g1b_and_read_skew() {
    // Seeing T0's first append but not its second is G1b, and since a list
    // shows its order, the reader also precedes T0's second append: a
    // G-single cycle through T0.
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "x", 2]]))
        .invoke(1, json!([["r", "x", null]]))
        .ok(1, json!([["r", "x", [1]]]))
        .ok(0, json!([["append", "x", 1], ["append", "x", 2]]));
    let r = check(&h);
    assert_found(&r, &[A::G1b, A::GSingle], FROM_READ_COMMITTED);
}

#[test]
fn circular_information_flow_is_g1c() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["r", "y", null]]))
        .invoke(1, json!([["append", "y", 1], ["r", "x", null]]))
        .ok(0, json!([["append", "x", 1], ["r", "y", [1]]]))
        .ok(1, json!([["append", "y", 1], ["r", "x", [1]]]));
    let r = check(&h);
    assert_found(&r, &[A::G1c], FROM_READ_COMMITTED);
    let text = example(&r, A::G1c);
    assert!(
        text.contains("T1 read x = [1], ending in T0's append of 1, so T0 < T1 (wr)"),
        "{text}"
    );
}

#[test]
fn read_skew_is_g_single() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .invoke(1, json!([["r", "x", null], ["r", "y", null]]))
        .ok(1, json!([["r", "x", []], ["r", "y", [1]]]))
        .ok(0, json!([["append", "x", 1], ["append", "y", 1]]));
    let r = check(&h);
    assert_found(&r, &[A::GSingle], FROM_REPEATABLE_READ);
    let text = example(&r, A::GSingle);
    assert!(
        text.contains("T1 read x = [] without T0's append of 1, which no read shows"),
        "{text}"
    );
    assert!(text.contains("so T1 < T0 (rw)"), "{text}");
}

#[test]
fn register_read_skew_is_g_single() {
    let mut h = Hist::default();
    h.invoke(0, json!([["w", "x", 1], ["w", "y", 1]]))
        .invoke(1, json!([["r", "x", null], ["r", "y", null]]))
        .ok(1, json!([["r", "x", null], ["r", "y", 1]]))
        .ok(0, json!([["w", "x", 1], ["w", "y", 1]]));
    let r = check(&h);
    assert_eq!(r.workload, TxnWorkload::RwRegister);
    assert_found(&r, &[A::GSingle], FROM_REPEATABLE_READ);
    assert!(example(&r, A::GSingle).contains("the initial state"));
}

#[test]
fn write_skew_is_g2_item_which_snapshot_isolation_allows() {
    let mut h = Hist::default();
    h.invoke(
        0,
        json!([["r", "x", null], ["r", "y", null], ["append", "x", 1]]),
    )
    .invoke(
        1,
        json!([["r", "x", null], ["r", "y", null], ["append", "y", 1]]),
    )
    .ok(
        0,
        json!([["r", "x", []], ["r", "y", []], ["append", "x", 1]]),
    )
    .ok(
        1,
        json!([["r", "x", []], ["r", "y", []], ["append", "y", 1]]),
    );
    let r = check(&h);
    assert_found(&r, &[A::G2Item], SERIALIZABLE_AND_RR);
    assert_eq!(r.anomalies[0].examples[0].cycle.len(), 2);
}

#[test]
fn lost_update_is_found_and_rules_out_snapshot_isolation() {
    // Both read x empty and append to it: a lost update, which is also a
    // cycle of two anti-dependencies.
    let mut h = Hist::default();
    h.invoke(0, json!([["r", "x", null], ["append", "x", 1]]))
        .invoke(1, json!([["r", "x", null], ["append", "x", 2]]))
        .ok(0, json!([["r", "x", []], ["append", "x", 1]]))
        .ok(1, json!([["r", "x", []], ["append", "x", 2]]));
    let r = check(&h);
    assert_found(&r, &[A::G2Item, A::LostUpdate], FROM_REPEATABLE_READ);
    assert!(example(&r, A::LostUpdate).contains("T0, T1 all read x empty"));
}

#[test]
fn register_lost_update_is_found() {
    let mut h = Hist::default();
    h.invoke(0, json!([["r", "x", null], ["w", "x", 1]]))
        .invoke(1, json!([["r", "x", null], ["w", "x", 2]]))
        .ok(0, json!([["r", "x", null], ["w", "x", 1]]))
        .ok(1, json!([["r", "x", null], ["w", "x", 2]]));
    let r = check(&h);
    assert_found(&r, &[A::G2Item, A::LostUpdate], FROM_REPEATABLE_READ);
}

#[test]
fn reading_past_own_append_is_internal() {
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1], ["r", "x", []]]));
    let r = check(&h);
    assert_found(&r, &[A::Internal], EVERY);
    assert!(example(&r, A::Internal).contains("a list ending in [1]"));
}

#[test]
fn register_read_disagreeing_with_own_write_is_internal() {
    let mut h = Hist::default();
    h.txn(0, json!([["w", "x", 1]]))
        .txn(1, json!([["w", "x", 2], ["r", "x", 1]]));
    let r = check(&h);
    assert_found(&r, &[A::Internal], EVERY);
}

#[test]
fn element_read_twice_is_duplicate_elements() {
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(1, json!([["r", "x", [1, 1]]]));
    let r = check(&h);
    assert_found(&r, &[A::DuplicateElements], EVERY);
}

#[test]
fn lists_in_different_orders_are_incompatible() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1]]))
        .invoke(1, json!([["append", "x", 2]]))
        .ok(0, json!([["append", "x", 1]]))
        .ok(1, json!([["append", "x", 2]]))
        .txn(2, json!([["r", "x", [1, 2]]]))
        .txn(3, json!([["r", "x", [2, 1]]]));
    let r = check(&h);
    assert_found(&r, &[A::IncompatibleOrder], EVERY);
}

#[test]
fn own_appends_read_out_of_order_are_incompatible() {
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1], ["append", "x", 2]]))
        .txn(1, json!([["r", "x", [2, 1]]]));
    let r = check(&h);
    assert!(
        r.anomaly_kinds().contains(&A::IncompatibleOrder),
        "{}",
        r.render_text()
    );
    assert!(r.ruled_out(M::ReadUncommitted));
}

#[test]
fn value_nobody_wrote_is_a_garbage_read() {
    let mut h = Hist::default();
    h.txn(0, json!([["r", "x", [9]]]));
    let r = check(&h);
    assert_found(&r, &[A::GarbageRead], EVERY);
}

#[test]
fn stale_read_after_commit_is_g_single_realtime_only() {
    // T1 starts after T0 committed and still misses its append: fine for
    // serializability (T1 first), not in real time.
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(1, json!([["r", "x", []]]));
    let r = check(&h);
    assert_found(
        &r,
        &[A::GSingleRealtime],
        &[M::StrictSerializable, M::StrongSnapshotIsolation],
    );
    let text = example(&r, A::GSingleRealtime);
    assert!(
        text.contains(
            "T0 completed (index 1) before T1 was invoked (index 2), so T0 < T1 (realtime)"
        ),
        "{text}"
    );
    let serializable = check_with(&h, M::Serializable);
    assert_eq!(serializable.valid, Validity::Valid);
}

#[test]
fn stale_read_in_one_process_is_also_a_session_anomaly() {
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(0, json!([["r", "x", []]]));
    let r = check(&h);
    assert_found(
        &r,
        &[A::GSingleRealtime, A::GSingleProcess],
        &[
            M::StrictSerializable,
            M::StrongSessionSerializable,
            M::StrongSnapshotIsolation,
            M::StrongSessionSnapshotIsolation,
        ],
    );
}

#[test]
fn reading_the_future_is_g1c_realtime() {
    // T0 reads T1's append before T1 was even invoked.
    let mut h = Hist::default();
    h.invoke(0, json!([["r", "x", null]]))
        .ok(0, json!([["r", "x", [1]]]))
        .txn(1, json!([["append", "x", 1]]));
    let r = check(&h);
    assert_found(
        &r,
        &[A::G1cRealtime],
        &[M::StrictSerializable, M::StrongSnapshotIsolation],
    );
}

#[test]
fn write_order_against_real_time_is_g0_realtime() {
    // T0 commits before T1 starts, yet a read puts T1's append first.
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(1, json!([["append", "x", 2]]))
        .txn(2, json!([["r", "x", [2, 1]]]));
    let r = check(&h);
    assert_found(
        &r,
        &[A::G0Realtime],
        &[M::StrictSerializable, M::StrongSnapshotIsolation],
    );
}

#[test]
fn unknown_transactions_count_when_seen_and_are_dropped_otherwise() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1]]))
        .info(0, json!([["append", "x", 1]]))
        .invoke(1, json!([["append", "y", 1]]))
        .info(1, json!([["append", "y", 1]]))
        .txn(2, json!([["r", "x", [1]], ["r", "y", []]]));
    let r = check(&h);
    assert_found(&r, &[], &[]);
    assert_eq!(r.counts.unknown, 2);
    assert_eq!(r.counts.unknown_seen, 1);
    assert_eq!(r.graph.nodes, 2);
}

#[test]
fn bad_micro_ops_are_refused_with_their_line() {
    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(1, json!([["incr", "x", 1]]));
    let err = check_txn(&h.events, &TxnOptions::default()).expect_err("incr is no micro-op");
    let msg = err.to_string();
    assert!(
        msg.starts_with("history:4: transaction at index 3"),
        "{msg}"
    );
    assert!(msg.contains("expected append, r or w"), "{msg}");

    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1]]))
        .txn(1, json!([["append", "x", 1]]));
    let msg = check_txn(&h.events, &TxnOptions::default())
        .expect_err("values must be unique")
        .to_string();
    assert!(
        msg.contains("history:4: value 1 is written to key x a second time (first at line 2)"),
        "{msg}"
    );

    let mut h = Hist::default();
    h.txn(0, json!([["append", "x", 1], ["w", "y", 1]]));
    let msg = check_txn(&h.events, &TxnOptions::default())
        .expect_err("mixed workloads")
        .to_string();
    assert!(
        msg.contains("a w micro-op in a list-append history"),
        "{msg}"
    );
}

#[test]
fn report_renders_as_text_and_json() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .invoke(1, json!([["r", "x", null], ["r", "y", null]]))
        .ok(1, json!([["r", "x", []], ["r", "y", [1]]]))
        .ok(0, json!([["append", "x", 1], ["append", "y", 1]]));
    let r = check(&h);
    let text = r.render_text();
    assert!(
        text.starts_with("txn: strict-serializable ruled out by G-single (1)"),
        "{text}"
    );
    assert!(text.contains("read-committed"), "{text}");
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["valid"], "invalid");
    assert_eq!(json["anomalies"][0]["kind"], "G-single");
    assert_eq!(
        json["anomalies"][0]["examples"][0]["cycle"][0]["kind"],
        "wr"
    );
    let back: TxnReport = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, r);
    let v = r.to_verdict();
    assert_eq!(v.checker, "txn");
    assert_eq!(v.valid, Validity::Invalid);
}

// ------------------------------------------------------- EDN and JSONL

#[test]
fn elle_edn_history_reads_like_jsonl() {
    let edn = r#"
; an Elle list-append history with read skew
{:type :invoke, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0, :index 0, :time 0}
{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 1, :index 1, :time 1}
{:type :ok, :f :txn, :value [[:r :x []] [:r :y [1]]], :process 1, :index 2, :time 2}
{:type :ok, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0, :index 3, :time 3}
"#;
    let jsonl = r#"{"type":"invoke","f":"txn","value":[["append","x",1],["append","y",1]],"process":0,"index":0,"time":0}
{"type":"invoke","f":"txn","value":[["r","x",null],["r","y",null]],"process":1,"index":1,"time":1}
{"type":"ok","f":"txn","value":[["r","x",[]],["r","y",[1]]],"process":1,"index":2,"time":2}
{"type":"ok","f":"txn","value":[["append","x",1],["append","y",1]],"process":0,"index":3,"time":3}
"#;
    let a = parse_history(edn, "h.edn", Format::Auto).expect("EDN reads");
    let b = parse_history(jsonl, "h.jsonl", Format::Auto).expect("JSONL reads");
    let ra = check_txn(&a, &TxnOptions::default()).expect("checks");
    let rb = check_txn(&b, &TxnOptions::default()).expect("checks");
    assert_eq!(ra.anomaly_kinds(), vec![A::GSingle]);
    assert_eq!(ra, rb);
}

/// Writes a JSON value as EDN: micro-op names as keywords, null as nil.
fn edn(v: &Value, micro_op_head: bool) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::String(s) if micro_op_head => format!(":{s}"),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, x)| edn(x, i == 0 && x.is_string() && !micro_op_head))
                .collect();
            format!("[{}]", parts.join(" "))
        }
        other => other.to_string(),
    }
}

fn to_edn(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        let kind = serde_json::to_value(e.kind).expect("event type serializes");
        let value: Vec<String> = e
            .value
            .as_array()
            .map(|ops| ops.iter().map(|op| edn(op, false)).collect())
            .unwrap_or_default();
        s.push_str(&format!(
            "{{:type :{}, :f :txn, :value [{}], :process {}, :index {}, :time {}}}\n",
            kind.as_str().unwrap_or("invoke"),
            value.join(" "),
            e.process,
            e.index,
            e.time
        ));
    }
    s
}

fn to_jsonl(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| serde_json::to_string(e).expect("event serializes") + "\n")
        .collect()
}

#[test]
fn edn_and_jsonl_forms_give_the_same_report() {
    for seed in 0..60 {
        let (events, _) = random_concurrent(seed, seed % 2 == 1);
        let edn_text = to_edn(&events);
        let a = parse_history(&edn_text, "h.edn", Format::Auto)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{edn_text}"));
        let b = parse_history(&to_jsonl(&events), "h.jsonl", Format::Auto)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let ra = check_txn(&a, &TxnOptions::default()).expect("checks");
        let rb = check_txn(&b, &TxnOptions::default()).expect("checks");
        assert_eq!(ra, rb, "seed {seed}\n{edn_text}");
    }
}

// ------------------------------------------------------ serial executions

/// In-memory store for both workloads: lists for appends, the last write for registers.
#[derive(Default, Clone)]
struct Store {
    lists: BTreeMap<i64, Vec<i64>>,
    regs: BTreeMap<i64, i64>,
}

impl Store {
    /// Applies one append or write.
    fn write(&mut self, op: &Value) {
        let k = op[1].as_i64().unwrap_or(0);
        let v = op[2].as_i64().unwrap_or(0);
        if op[0] == "append" {
            self.lists.entry(k).or_default().push(v);
        } else {
            self.regs.insert(k, v);
        }
    }
}

/// One generated transaction: what it does and what happened to it.
#[derive(Debug, Clone)]
struct Gen {
    /// Micro-ops, reads with results where it committed.
    ops: Vec<Value>,
    outcome: EventType,
}

/// Random micro-ops over `keys` keys; values unique via `next`.
fn random_ops(rng: &mut ChaCha8Rng, keys: i64, register: bool, next: &mut i64) -> Vec<Value> {
    (0..rng.random_range(1..=4))
        .map(|_| {
            let k = rng.random_range(0..keys);
            if rng.random_bool(0.5) {
                *next += 1;
                json!([if register { "w" } else { "append" }, k, *next])
            } else {
                json!(["r", k, null])
            }
        })
        .collect()
}

/// Executes `ops` on `store`, filling reads (list-append or register).
fn execute(store: &mut Store, ops: &[Value], register: bool) -> Vec<Value> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let k = op[1].as_i64().unwrap_or(0);
        match op[0].as_str().unwrap_or("") {
            "r" if register => out.push(json!(["r", k, store.regs.get(&k)])),
            "r" => out.push(json!([
                "r",
                k,
                store.lists.get(&k).cloned().unwrap_or_default()
            ])),
            _ => {
                store.write(op);
                out.push(op.clone());
            }
        }
    }
    out
}

/// A history of transactions run one at a time: each completes before the
/// next is invoked. Some fail without effect; some end unknown, having
/// taken effect or not, and their process is replaced by a new one.
fn serial_history(seed: u64, register: bool) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let keys = rng.random_range(1..=4);
    let mut procs: Vec<u64> = (0..rng.random_range(1..=4)).collect();
    let mut fresh = procs.len() as u64;
    let mut next = 0;
    let mut store = Store::default();
    let mut h = Hist::default();
    for _ in 0..rng.random_range(1..=30) {
        let slot = rng.random_range(0..procs.len());
        let p = procs[slot];
        let ops = random_ops(&mut rng, keys, register, &mut next);
        h.invoke(p, Value::Array(ops.clone()));
        let roll = rng.random_range(0..100);
        if roll < 10 {
            h.fail(p, Value::Array(ops));
        } else if roll < 20 {
            if rng.random_bool(0.5) {
                execute(&mut store, &ops, register);
            }
            h.info(p, Value::Array(ops));
            procs[slot] = fresh;
            fresh += 1;
        } else {
            let done = execute(&mut store, &ops, register);
            h.ok(p, Value::Array(done));
        }
    }
    h.events
}

#[test]
fn serial_list_append_histories_are_strict_serializable() {
    for seed in 0..300 {
        let events = serial_history(seed, false);
        let r = check_txn(&events, &TxnOptions::default()).expect("checks");
        assert_eq!(
            r.anomaly_kinds(),
            vec![],
            "seed {seed}:\n{}",
            r.render_text()
        );
        assert_eq!(r.valid, Validity::Valid, "seed {seed}");
        assert!(r.models.iter().all(|m| !m.ruled_out), "seed {seed}");
    }
}

#[test]
fn serial_rw_register_histories_are_strict_serializable() {
    for seed in 0..300 {
        let events = serial_history(seed, true);
        let opts = TxnOptions {
            workload: Some(TxnWorkload::RwRegister),
            ..TxnOptions::default()
        };
        let r = check_txn(&events, &opts).expect("checks");
        assert_eq!(
            r.anomaly_kinds(),
            vec![],
            "seed {seed}:\n{}",
            r.render_text()
        );
        assert_eq!(r.valid, Validity::Valid, "seed {seed}");
    }
}

// ------------------------------------------ brute force over serial orders

/// A small concurrent list-append history: up to 6 transactions, each on
/// its own process, executed in a random serial order, invoked and
/// completed in a random interleaving (so real time says little), some
/// failed or unknown, and some read results perturbed. Every read returns
/// the whole list and every appended value is unique: the setting in which
/// Elle's inference is complete for serializability.
fn random_concurrent(seed: u64, register: bool) -> (Vec<Event>, Vec<Gen>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.random_range(2..=6);
    let keys = rng.random_range(1..=3);
    let mut next = 0;
    let planned: Vec<Vec<Value>> = (0..n)
        .map(|_| random_ops(&mut rng, keys, register, &mut next))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let mut store = Store::default();
    let mut gens: Vec<Option<Gen>> = vec![None; n];
    for &i in &order {
        let executed = rng.random_bool(0.85);
        let outcome = match (executed, rng.random_range(0..100)) {
            (true, r) if r < 80 => EventType::Ok,
            (true, r) if r < 93 => EventType::Info,
            (true, _) => EventType::Fail,
            (false, r) if r < 50 => EventType::Fail,
            (false, _) => EventType::Info,
        };
        let ops = if executed {
            execute(&mut store, &planned[i], register)
        } else {
            planned[i].clone()
        };
        gens[i] = Some(Gen { ops, outcome });
    }
    let mut gens: Vec<Gen> = gens.into_iter().flatten().collect();
    // Perturb some committed reads.
    let written: Vec<i64> = (1..=next).collect();
    if rng.random_bool(0.5) {
        for _ in 0..rng.random_range(1..=2) {
            let reads: Vec<(usize, usize)> = gens
                .iter()
                .enumerate()
                .filter(|(_, g)| g.outcome == EventType::Ok)
                .flat_map(|(i, g)| {
                    g.ops
                        .iter()
                        .enumerate()
                        .filter(|(_, op)| op[0] == "r")
                        .map(move |(j, _)| (i, j))
                })
                .collect();
            if reads.is_empty() {
                break;
            }
            let (i, j) = reads[rng.random_range(0..reads.len())];
            if register {
                let v = rng.random_range(0..=next);
                gens[i].ops[j][2] = if v == 0 { Value::Null } else { json!(v) };
                continue;
            }
            let mut list: Vec<i64> = gens[i].ops[j][2]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            match rng.random_range(0..5) {
                0 => {
                    list.pop();
                }
                1 if !list.is_empty() => {
                    list.remove(rng.random_range(0..list.len()));
                }
                2 if list.len() >= 2 => {
                    let a = rng.random_range(0..list.len() - 1);
                    list.swap(a, a + 1);
                }
                3 if !written.is_empty() => {
                    let v = written[rng.random_range(0..written.len())];
                    if !list.contains(&v) {
                        list.push(v);
                    }
                }
                _ => list.clear(),
            }
            gens[i].ops[j][2] = json!(list);
        }
    }
    // Each transaction on its own process, in a random interleaving.
    let mut state = vec![0u8; n];
    let mut h = Hist::default();
    while state.iter().any(|s| *s < 2) {
        let open: Vec<usize> = (0..n).filter(|&i| state[i] < 2).collect();
        let i = open[rng.random_range(0..open.len())];
        let ops = Value::Array(gens[i].ops.clone());
        if state[i] == 0 {
            h.invoke(i as u64, ops);
        } else {
            match gens[i].outcome {
                EventType::Ok => h.ok(i as u64, ops),
                EventType::Fail => h.fail(i as u64, ops),
                _ => h.info(i as u64, ops),
            };
        }
        state[i] += 1;
    }
    (h.events, gens)
}

/// Whether some serial order of the committed transactions, plus any
/// subset of the unknown ones, reproduces every committed read exactly.
fn brute_force_serializable(gens: &[Gen], register: bool) -> bool {
    let committed: Vec<usize> = (0..gens.len())
        .filter(|&i| gens[i].outcome == EventType::Ok)
        .collect();
    let unknown: Vec<usize> = (0..gens.len())
        .filter(|&i| gens[i].outcome == EventType::Info)
        .collect();
    (0..1u32 << unknown.len()).any(|mask| {
        let mut set = committed.clone();
        set.extend(
            unknown
                .iter()
                .enumerate()
                .filter(|(b, _)| mask & (1 << b) != 0)
                .map(|(_, &i)| i),
        );
        let mut used = vec![false; gens.len()];
        some_order(gens, &set, &mut used, &Store::default(), register)
    })
}

fn some_order(
    gens: &[Gen],
    set: &[usize],
    used: &mut [bool],
    store: &Store,
    register: bool,
) -> bool {
    let Some(_) = set.iter().find(|&&i| !used[i]) else {
        return true;
    };
    for &i in set {
        if used[i] {
            continue;
        }
        let mut next = store.clone();
        let planned: Vec<Value> = gens[i]
            .ops
            .iter()
            .map(|op| {
                if op[0] == "r" {
                    json!(["r", op[1], null])
                } else {
                    op.clone()
                }
            })
            .collect();
        let got = execute(&mut next, &planned, register);
        // Unknown transactions' reads are unknown: only committed ones must match.
        if gens[i].outcome == EventType::Ok && got != gens[i].ops {
            continue;
        }
        used[i] = true;
        let found = some_order(gens, set, used, &next, register);
        used[i] = false;
        if found {
            return true;
        }
    }
    false
}

#[test]
fn serializability_agrees_with_brute_force_on_small_histories() {
    let (mut serializable, mut not) = (0, 0);
    for seed in 0..3000 {
        let (events, gens) = random_concurrent(seed, false);
        let expected = brute_force_serializable(&gens, false);
        let opts = TxnOptions {
            model: M::Serializable,
            ..TxnOptions::default()
        };
        let r = check_txn(&events, &opts).expect("checks");
        assert_eq!(
            !r.ruled_out(M::Serializable),
            expected,
            "seed {seed}: brute force says serializable = {expected}\n{}\n{}",
            to_jsonl(&events),
            r.render_text()
        );
        assert_eq!(
            r.valid,
            if expected {
                Validity::Valid
            } else {
                Validity::Invalid
            }
        );
        if expected {
            serializable += 1;
        } else {
            not += 1;
        }
    }
    // Both answers must be well represented for the agreement to mean anything.
    assert!(serializable > 500 && not > 500, "{serializable} / {not}");
}

/// rw-register hides most of the version order, so the checker may miss
/// anomalies; but whatever it reports must be real: a history some serial
/// order explains is never ruled out serializable.
#[test]
fn rw_register_never_rules_out_a_serializable_history() {
    let (mut caught, mut missed, mut fine) = (0, 0, 0);
    for seed in 0..3000 {
        let (events, gens) = random_concurrent(seed, true);
        let serializable = brute_force_serializable(&gens, true);
        let opts = TxnOptions {
            model: M::Serializable,
            workload: Some(TxnWorkload::RwRegister),
            ..TxnOptions::default()
        };
        let r = check_txn(&events, &opts).expect("checks");
        if serializable {
            assert!(
                !r.ruled_out(M::Serializable),
                "seed {seed}: serializable by brute force\n{}\n{}",
                to_jsonl(&events),
                r.render_text()
            );
            fine += 1;
        } else if r.ruled_out(M::Serializable) {
            caught += 1;
        } else {
            missed += 1;
        }
    }
    assert!(fine > 500, "{fine}");
    // Most non-serializable histories are still caught (garbage, aborted,
    // intermediate and internal reads, cycles through nil and read-then-write).
    assert!(caught > 2 * missed, "caught {caught}, missed {missed}");
}

#[test]
fn report_card_runs_txn_with_a_row_per_model() {
    use faultline_checkers::{CardOptions, CheckerKind, ModelKind, ReportCard, run_checkers};
    assert_eq!(
        CheckerKind::parse_list(&["txn"]).expect("txn is a checker"),
        vec![CheckerKind::Txn]
    );
    assert!(!CheckerKind::ALL.contains(&CheckerKind::Txn));
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .invoke(1, json!([["r", "x", null], ["r", "y", null]]))
        .ok(1, json!([["r", "x", []], ["r", "y", [1]]]))
        .ok(0, json!([["append", "x", 1], ["append", "y", 1]]));
    assert!(faultline_checkers::is_txn_history(&h.events));
    let verdicts = run_checkers(
        &h.events,
        &[CheckerKind::Txn],
        &CardOptions::new(ModelKind::Kv),
    );
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].checker, "txn");
    assert_eq!(verdicts[0].valid, Validity::Invalid);
    let card = ReportCard::from_verdicts(&verdicts);
    let rows: Vec<(&str, Validity)> = card
        .rows
        .iter()
        .map(|r| (r.model.as_str(), r.valid))
        .collect();
    assert_eq!(rows.len(), M::ALL.len());
    assert_eq!(rows[0], ("txn: strict-serializable", Validity::Invalid));
    assert_eq!(rows[7], ("txn: read-committed", Validity::Valid));
    assert!(
        card.rows[0].note.starts_with("G-single: T1 read y = [1]"),
        "{}",
        card.rows[0].note
    );
    assert_eq!(card.rows[1].note, "ruled out by G-single");

    // A history without transactions is unknown, with the reason.
    let mut other = h.events.clone();
    for e in &mut other {
        e.f = OpFn::Write;
    }
    assert!(!faultline_checkers::is_txn_history(&other));
    let v = run_checkers(
        &other,
        &[CheckerKind::Txn],
        &CardOptions::new(ModelKind::Kv),
    );
    assert_eq!(v[0].valid, Validity::Unknown);
    assert_eq!(
        v[0].summary,
        "no transactions (f txn) in the history; 2 other operations left out"
    );
}

#[test]
fn html_draws_each_cycle_and_is_self_contained() {
    let mut h = Hist::default();
    h.invoke(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .invoke(1, json!([["r", "x", null], ["r", "y", null]]))
        .ok(1, json!([["r", "x", []], ["r", "y", [1]]]))
        .ok(0, json!([["append", "x", 1], ["append", "y", 1]]))
        .txn(2, json!([["r", "<x>", [9]]]));
    let r = check(&h);
    let page = r.render_html("h<1>.jsonl");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for external in ["http://", "https://", "src=", "<link", "@import"] {
        let outside_svg_ns = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!outside_svg_ns.contains(external), "{external}");
    }
    // One drawn cycle (the G-single), with an arc per step and a node per transaction.
    assert_eq!(page.matches("<svg class=\"cycle\"").count(), 1);
    assert_eq!(page.matches("class=\"arc ").count(), 2);
    assert_eq!(page.matches("class=\"node\"").count(), 2);
    assert!(page.contains("class=\"arc rw\""));
    assert!(page.contains("h&lt;1&gt;.jsonl"));
    assert!(
        page.contains("&lt;x&gt;"),
        "the garbage read's key is escaped"
    );
    assert!(!page.contains("<x>"));
}
