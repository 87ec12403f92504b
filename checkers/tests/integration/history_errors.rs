//! Malformed and inconsistent histories are rejected with the file, the line
//! and what was expected, in every input format.

use faultline_checkers::{Format, HistoryError, parse_history};

fn error(text: &str, format: Format) -> HistoryError {
    match parse_history(text, "h.txt", format) {
        Ok(events) => panic!("accepted a bad history: {events:?}"),
        Err(e) => e,
    }
}

fn jsonl(lines: &[&str]) -> String {
    lines.join("\n")
}

const INVOKE_W: &str = r#"{"index":0,"time":1,"process":0,"type":"invoke","f":"write","value":1}"#;
const OK_W: &str = r#"{"index":1,"time":2,"process":0,"type":"ok","f":"write","value":1}"#;

#[test]
fn completion_without_invoke_names_line() {
    let e = error(&jsonl(&[INVOKE_W, OK_W, OK_W]), Format::Jsonl);
    assert_eq!((e.file.as_str(), e.line), ("h.txt", 3), "{e}");
    assert!(e.message.contains("without a preceding invoke"), "{e}");
    assert!(e.to_string().starts_with("h.txt:3: "), "{e}");
}

#[test]
fn two_invokes_in_flight_on_one_process() {
    let e = error(&jsonl(&[INVOKE_W, INVOKE_W]), Format::Jsonl);
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("has not completed"), "{e}");
}

#[test]
fn unknown_event_type() {
    let bad = r#"{"index":0,"time":1,"process":0,"type":"maybe","f":"write","value":1}"#;
    let e = error(&jsonl(&[INVOKE_W, OK_W, bad]), Format::Jsonl);
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("maybe"), "{e}");
}

#[test]
fn crashed_process_must_not_issue_again() {
    let info = r#"{"index":1,"time":2,"process":0,"type":"info","f":"write","value":1}"#;
    let e = error(&jsonl(&[INVOKE_W, info, INVOKE_W]), Format::Jsonl);
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("crashed"), "{e}");
}

#[test]
fn completion_of_another_function() {
    let ok_read = r#"{"index":1,"time":2,"process":0,"type":"ok","f":"read","value":1}"#;
    let e = error(&jsonl(&[INVOKE_W, ok_read]), Format::Jsonl);
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("does not match"), "{e}");
}

#[test]
fn edn_errors_name_the_line() {
    let text = "{:process 0, :type :invoke, :f :write, :value 1}\n\
                {:process 0, :type :ok, :f :write, :value 1}\n\
                {:process 0, :type :ok, :f :write, :value 1}\n";
    let e = error(text, Format::Edn);
    assert_eq!(e.line, 3, "{e}");
    let e = error(
        "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :maybe, :f :write, :value 1}\n",
        Format::Edn,
    );
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn porcupine_etcd_errors_name_the_line() {
    let text = "INFO  jepsen.util - 1\t:invoke\t:write\t4\n\
                INFO  jepsen.util - 2\t:ok\t:write\t4\n";
    let e = error(text, Format::PorcupineEtcd);
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("without a preceding invoke"), "{e}");
}
