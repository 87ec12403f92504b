//! Format detection and the readers' shapes: EDN with leading `;` comments or
//! as one vector/list of maps, faultline events as one JSON array, and
//! Knossos cas histories that are not independent `[k v]` tuples.

use faultline_checkers::{
    CheckOptions, Event, EventType, Format, ModelKind, OpFn, ProcessId, Validity,
    check_linearizable, parse_history, to_edn, to_edn_with_init,
};
use serde_json::json;

fn detect(text: &str) -> Option<Format> {
    Format::detect(text)
}

#[test]
fn edn_behind_comments_and_in_one_vector_or_list_is_detected() {
    assert_eq!(
        detect("; a Knossos history\n;; more\n{:process 0, :type :invoke, :f :read}\n"),
        Some(Format::Edn)
    );
    assert_eq!(detect("[{:process 0 :type :invoke}]"), Some(Format::Edn));
    assert_eq!(
        detect("[\n  {:process 0 :type :invoke}\n]"),
        Some(Format::Edn)
    );
    assert_eq!(detect("({:process 0 :type :invoke})"), Some(Format::Edn));
}

#[test]
fn a_json_array_is_json_not_edn() {
    assert_eq!(detect(r#"[{"process":0}]"#), Some(Format::Jsonl));
    assert_eq!(detect("[\n  {\"process\": 0}\n]"), Some(Format::Jsonl));
    assert_eq!(detect(r#"{"process":0}"#), Some(Format::Jsonl));
}

const EDN_LIST: &str = "; written by hand\n\
(\n\
 {:process 0, :type :invoke, :f :write, :value 1}\n\
 {:process 0, :type :ok, :f :write, :value 1}\n\
 {:process 1, :type :invoke, :f :read, :value nil}\n\
 {:process 1, :type :ok, :f :read, :value 1}\n\
)\n";

#[test]
fn a_commented_edn_list_of_maps_parses_with_auto() {
    let events = parse_history(EDN_LIST, "h.edn", Format::Auto).expect("parses");
    assert_eq!(events.len(), 4);
    assert_eq!(events[3].value, json!(1));
}

#[test]
fn a_json_array_of_events_reads_like_jsonl_and_names_lines() {
    let text = "[\n\
  {\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1},\n\
  {\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1},\n\
  {\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null},\n\
  {\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":2}\n\
]\n";
    let events = parse_history(text, "h.json", Format::Auto).expect("parses");
    assert_eq!(events.len(), 4);
    assert_eq!(
        events.iter().map(|e| e.index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let r = check_linearizable(&events, ModelKind::Register, &CheckOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Invalid, "read 2 that nobody wrote");

    let bad = "[\n  {\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1},\n  {\"process\":0,\"typo\":\"ok\"}\n]";
    let err = parse_history(bad, "h.json", Format::Auto).unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    let unclosed = "[\n  {\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n";
    let err = parse_history(unclosed, "h.json", Format::Auto).unwrap_err();
    assert!(err.message.contains("`,` or `]`"), "{err}");
}

/// Before, a history of cas operations only (every value a pair `[from to]`)
/// was split as independent `[k v]` tuples and refused with exit 3.
#[test]
fn a_cas_only_edn_history_is_not_taken_for_independent_tuples() {
    let text = "{:process 0, :type :invoke, :f :cas, :value [nil 1]}\n\
{:process 0, :type :ok, :f :cas, :value [nil 1]}\n\
{:process 1, :type :invoke, :f :cas, :value [1 2]}\n\
{:process 1, :type :ok, :f :cas, :value [1 2]}\n";
    let events = parse_history(text, "cas.edn", Format::Auto).expect("parses");
    assert!(events.iter().all(|e| e.key.is_none()), "{events:?}");
    assert_eq!(events[2].value, json!([1, 2]));
    let r = check_linearizable(&events, ModelKind::CasRegister, &CheckOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Valid);

    // Real tuples still split: `[k [from to]]` for cas, `[k v]` otherwise.
    let tuples = "{:process 0, :type :invoke, :f :cas, :value [\"x\" [nil 1]]}\n\
{:process 0, :type :ok, :f :cas, :value [\"x\" [nil 1]]}\n\
{:process 1, :type :invoke, :f :read, :value [\"x\" nil]}\n\
{:process 1, :type :ok, :f :read, :value [\"x\" 1]}\n";
    let events = parse_history(tuples, "t.edn", Format::Auto).expect("parses");
    assert!(events.iter().all(|e| e.key.as_deref() == Some("x")));
    assert_eq!(events[0].value, json!([null, 1]));
}

/// Before, lines out of time order were checked in line order, silently
/// disagreeing with the recorded times (and possibly flipping the verdict).
#[test]
fn events_whose_time_or_index_goes_backwards_are_refused_naming_the_line() {
    let text = "{\"index\":0,\"time\":100,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n\
{\"index\":1,\"time\":50,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n";
    let err = parse_history(text, "h.jsonl", Format::Auto).unwrap_err();
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains("time 50 is earlier"), "{err}");

    let text = "{\"index\":5,\"time\":100,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n\
{\"index\":4,\"time\":200,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n";
    let err = parse_history(text, "h.jsonl", Format::Auto).unwrap_err();
    assert!(err.message.contains("index 4 is earlier"), "{err}");

    // Equal times (a coarse clock) are in order.
    let text = "{\"time\":100,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n\
{\"time\":100,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n";
    assert!(parse_history(text, "h.jsonl", Format::Auto).is_ok());
}

/// Before, key 1 and key "1" were merged into one key.
#[test]
fn a_number_key_and_a_string_key_with_the_same_text_are_refused() {
    let text = "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":1,\"value\":1}\n\
{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":1,\"value\":1}\n\
{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"1\",\"value\":null}\n";
    let err = parse_history(text, "h.jsonl", Format::Auto).unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    assert!(
        err.message.contains("clashes with key 1 on line 1"),
        "{err}"
    );
    // One type throughout is fine, numbers or strings.
    let ok = text.replace("\"key\":\"1\"", "\"key\":1");
    assert!(parse_history(&ok, "h.jsonl", Format::Auto).is_ok());
}

/// Before, a write of 5 and a read of 5.0 were different values.
#[test]
fn numbers_compare_by_value() {
    let text = "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":5}\n\
{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":5}\n\
{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n\
{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":5.0}\n";
    let events = parse_history(text, "h.jsonl", Format::Auto).unwrap();
    let r = check_linearizable(&events, ModelKind::Register, &CheckOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Valid, "{}", r.summary());
    assert_eq!(
        faultline_checkers::Val::from_json(&json!(5.0)),
        faultline_checkers::Val::from_json(&json!(5))
    );
    assert_ne!(
        faultline_checkers::Val::from_json(&json!(5.5)),
        faultline_checkers::Val::from_json(&json!(5))
    );
}

fn ev(index: u64, process: u64, kind: EventType, f: &str, value: serde_json::Value) -> Event {
    Event {
        index,
        time: index * 1_000_000,
        process: ProcessId::Client(process),
        kind,
        f: OpFn::parse(f),
        key: None,
        value,
        node: None,
        error: None,
        detail: None,
    }
}

fn register(events: &[Event]) -> Validity {
    check_linearizable(events, ModelKind::Register, &CheckOptions::default())
        .expect("checks")
        .valid
}

#[test]
fn an_exported_read_of_the_absent_key_stays_an_observation() {
    // p1 reads nothing after p0's write of 1 finished: not linearizable.
    // Written as a nil read, Knossos semantics dropped it and the export was valid.
    let h = vec![
        ev(0, 0, EventType::Invoke, "write", json!(1)),
        ev(1, 0, EventType::Ok, "write", json!(1)),
        ev(2, 1, EventType::Invoke, "read", json!(null)),
        ev(3, 1, EventType::Ok, "read", json!(null)),
    ];
    assert_eq!(register(&h), Validity::Invalid);
    let edn = to_edn(&h);
    assert!(edn.starts_with("; "), "a header comment: {edn}");
    assert!(
        edn.contains(":type :ok, :f :read, :value :faultline/absent"),
        "{edn}"
    );
    // A read's invocation observes nothing and keeps Knossos's nil.
    assert!(edn.contains(":type :invoke, :f :read, :value nil"), "{edn}");
    let back = parse_history(&edn, "h.edn", Format::Auto).expect("parses");
    assert_eq!(back[3].value, json!(null));
    assert_eq!(back[3].kind, EventType::Ok);
    assert_eq!(register(&back), Validity::Invalid);
}

#[test]
fn a_foreign_nil_read_still_constrains_nothing() {
    let text = "{:process 0, :type :invoke, :f :write, :value 1}\n\
                {:process 0, :type :ok, :f :write, :value 1}\n\
                {:process 1, :type :invoke, :f :read, :value nil}\n\
                {:process 1, :type :ok, :f :read, :value nil}\n";
    let events = parse_history(text, "k.edn", Format::Auto).expect("parses");
    assert_eq!(register(&events), Validity::Valid);
}

#[test]
fn deletes_and_cas_from_nothing_round_trip_and_the_header_names_the_init() {
    let h = vec![
        ev(0, 0, EventType::Invoke, "cas", json!([null, 1])),
        ev(1, 0, EventType::Ok, "cas", json!([null, 1])),
        ev(2, 0, EventType::Invoke, "write", json!(null)),
        ev(3, 0, EventType::Ok, "write", json!(null)),
        ev(4, 1, EventType::Invoke, "read", json!(null)),
        ev(5, 1, EventType::Ok, "read", json!(null)),
    ];
    let edn = to_edn(&h);
    assert!(edn.contains(":value [:faultline/absent 1]"), "{edn}");
    assert!(edn.contains("cas-register :faultline/absent"), "{edn}");
    let back = parse_history(&edn, "h.edn", Format::Auto).expect("parses");
    let values: Vec<_> = back.iter().map(|e| e.value.clone()).collect();
    let want: Vec<_> = h.iter().map(|e| e.value.clone()).collect();
    assert_eq!(values, want);
    let with_init = to_edn_with_init(&h, Some(&json!(0)));
    assert!(with_init.contains("--init '0'"), "{with_init}");
    assert!(with_init.contains("cas-register 0)"), "{with_init}");
}

// ---------------------------------------------------------------------------
// Histories in the shape of Jepsen's workloads (tests/fixtures/jepsen): read
// as they are, judged by the checker Jepsen's test uses, with its verdict.

fn jepsen_fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/jepsen")
}

/// The manifest's rows: file, checker (`NAME` or `NAME:MODEL`), expected verdict.
fn jepsen_manifest() -> Vec<(String, String, Validity)> {
    let text = std::fs::read_to_string(jepsen_fixtures().join("manifest.tsv"))
        .expect("tests/fixtures/jepsen/manifest.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "bad manifest row {l:?}");
            let expected = match cols[2] {
                "valid" => Validity::Valid,
                "invalid" => Validity::Invalid,
                "unknown" => Validity::Unknown,
                other => panic!("unknown verdict {other}"),
            };
            (cols[0].to_string(), cols[1].to_string(), expected)
        })
        .collect()
}

#[test]
fn jepsen_shaped_histories_get_the_verdicts_of_jepsens_checkers() {
    use faultline_checkers::{CardOptions, CheckerKind, run_checkers};
    use faultline_checkers::{ConsistencyModel, Independence, parse_history_with};
    let rows = jepsen_manifest();
    assert!(rows.len() >= 18, "only {} fixtures", rows.len());
    let mut wrong = Vec::new();
    for (file, checker, expected) in rows {
        let path = jepsen_fixtures().join(&file);
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_history_with(&text, &file, Format::Auto, Independence::Auto)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let events = &parsed.events;
        let (name, model) = checker.split_once(':').unwrap_or((&checker, ""));
        let got = match name {
            "linearizable" => {
                let model: ModelKind = model.parse().unwrap();
                assert_eq!(
                    faultline_checkers::default_model_for(parsed.format, events),
                    model,
                    "{file}: the model chosen from the operations"
                );
                check_linearizable(events, model, &CheckOptions::default())
                    .unwrap()
                    .valid
            }
            _ => {
                let kind: CheckerKind = name.parse().unwrap();
                let mut opts = CardOptions::new(ModelKind::Kv);
                if kind == CheckerKind::Txn {
                    opts.txn.model = model.parse::<ConsistencyModel>().unwrap();
                    assert_eq!(
                        faultline_checkers::is_long_fork_history(events),
                        opts.txn.model == ConsistencyModel::Serializable,
                        "{file}: long-fork shape"
                    );
                }
                let v = run_checkers(events, &[kind], &opts);
                v[0].valid
            }
        };
        if got != expected {
            wrong.push(format!(
                "{file} ({checker}): expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn jepsen_history_records_and_transactions_without_f_are_read() {
    // Newer Jepsen writes history.edn as tagged records.
    let text = "#jepsen.history.Op{:index 0, :time 1, :type :invoke, :process 0, :f :txn, :value [[:append :x 1]]}\n\
                #jepsen.history.Op{:index 1, :time 2, :type :ok, :process 0, :f :txn, :value [[:append :x 1]]}\n";
    assert_eq!(detect(text), Some(Format::Edn));
    assert_eq!(detect(&format!("; a comment\n{text}")), Some(Format::Edn));
    let events = parse_history(text, "h.edn", Format::Auto).unwrap();
    assert_eq!(events[1].value, json!([["append", "x", 1]]));
    // A `#` that is not a tagged map is not EDN by itself.
    assert_eq!(detect("# a markdown title\n"), None);

    // Elle's examples leave :f out of transactions; EDN and JSON alike.
    let no_f = "{:process 0, :type :invoke, :value [[:r :x nil]]}\n\
                {:process 0, :type :ok, :value [[:r :x [1]]]}\n";
    let events = parse_history(no_f, "e.edn", Format::Auto).unwrap();
    assert!(events.iter().all(|e| e.f == OpFn::Txn));
    let json = "{\"process\":0,\"type\":\"invoke\",\"value\":[[\"w\",\"x\",1]]}\n\
                {\"process\":0,\"type\":\"ok\",\"value\":[[\"w\",\"x\",1]]}\n";
    let events = parse_history(json, "e.jsonl", Format::Auto).unwrap();
    assert!(events.iter().all(|e| e.f == OpFn::Txn));
    // Without micro-ops, a missing :f is still an error naming the line.
    let e = parse_history(
        "{:process 0, :type :invoke, :value 3}\n",
        "x.edn",
        Format::Auto,
    )
    .unwrap_err();
    assert!(e.message.contains("missing :f"), "{e}");
    let e = parse_history(
        "{\"process\":0,\"type\":\"invoke\",\"value\":3}\n",
        "x.jsonl",
        Format::Auto,
    )
    .unwrap_err();
    assert!(e.message.contains("missing \"f\""), "{e}");
}

#[test]
fn long_fork_reads_and_writes_are_transactions_and_their_completions_follow() {
    // Jepsen's long-fork names its transactions :read and :write; a failed
    // read may carry nil, and must still pair with its invocation.
    let text = "{:process 0, :type :invoke, :f :write, :value [[:w 0 1]]}\n\
                {:process 0, :type :ok, :f :write, :value [[:w 0 1]]}\n\
                {:process 1, :type :invoke, :f :read, :value [[:r 0 nil] [:r 1 nil]]}\n\
                {:process 1, :type :fail, :f :read, :value nil}\n\
                {:process 2, :type :invoke, :f :read, :value nil}\n\
                {:process 2, :type :ok, :f :read, :value 3}\n";
    let events = parse_history(text, "lf.edn", Format::Auto).unwrap();
    let fs: Vec<&OpFn> = events.iter().map(|e| &e.f).collect();
    assert_eq!(
        fs,
        vec![
            &OpFn::Txn,
            &OpFn::Txn,
            &OpFn::Txn,
            &OpFn::Txn,
            &OpFn::Read,
            &OpFn::Read
        ]
    );
}

#[test]
fn jepsen_bank_accounts_are_numbers_and_the_counter_model_takes_add() {
    use faultline_checkers::{BankOptions, TotalSource, check_bank};
    let text = std::fs::read_to_string(jepsen_fixtures().join("bank-valid.edn")).unwrap();
    let events = parse_history(&text, "bank-valid.edn", Format::Auto).unwrap();
    let r = check_bank(&events, &BankOptions::default()).unwrap();
    assert_eq!(r.valid, Validity::Valid, "{}", r.render_text());
    assert_eq!(r.accounts, vec!["0", "1", "2", "3"]);
    assert_eq!(
        (r.initial_total, r.total_source),
        (Some(40), Some(TotalSource::Reads))
    );
    // Jepsen's checker compares with the test's total: so does --bank-total.
    let given = BankOptions {
        total: Some(100),
        ..BankOptions::default()
    };
    let r = check_bank(&events, &given).unwrap();
    assert_eq!(r.valid, Validity::Invalid);
    assert_eq!(r.violations.len(), r.reads);

    // Jepsen's counter checker passes reads that no single order explains;
    // linearizability with the counter model (which reads `add` as `incr`) does not.
    let text = std::fs::read_to_string(jepsen_fixtures().join("counter-valid.edn")).unwrap();
    let events = parse_history(&text, "counter-valid.edn", Format::Auto).unwrap();
    assert_eq!(
        faultline_checkers::check_counter(&events).unwrap().valid,
        Validity::Valid
    );
    let lin = check_linearizable(&events, ModelKind::Counter, &CheckOptions::default()).unwrap();
    assert_eq!(lin.valid, Validity::Invalid, "{}", lin.summary());
}
