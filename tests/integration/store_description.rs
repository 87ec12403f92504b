//! The store-description parser: the shipped descriptions parse, and every
//! field is validated with an error naming the file, the line, the key and
//! what was expected.

use faultline_workloads::client::StoreDescription;
use faultline_workloads::client::described::{
    BodyCheck, DescriptionError, FieldError, Method, Outcome, StatusMatch, ValueEncoding,
};
use faultline_workloads::workload::WorkloadKind;
use std::path::{Path, PathBuf};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stores")
        .join(name)
}

const VALID: &str = r#"
name = "test store"
endpoints = ["http://127.0.0.1:1", "http://127.0.0.1:2"]

[headers]
X-Token = "abc"

[read]
method = "GET"
url = "{endpoint}/kv/{key}"
value = "/value"

[[read.outcome]]
status = 200
result = "ok"

[write]
method = "PUT"
url = "{endpoint}/kv/{key}"
body = '{"value": {value}}'

[[write.outcome]]
status = [200, 201]
result = "ok"

[cas]
method = "POST"
url = "{endpoint}/kv/{key}/cas"
body = '{"from": {from}, "to": {to}}'

[[cas.outcome]]
status = "2xx"
result = "ok"

[commands]
kill = ["kill", "-9", "{node}"]
start = ["true"]
timeout-secs = 5
"#;

fn parse(text: &str) -> Result<StoreDescription, DescriptionError> {
    StoreDescription::parse(Path::new("my-store.toml"), text)
}

/// Parses `text` expecting a field error; returns it.
fn field_error(text: &str) -> FieldError {
    match parse(text) {
        Err(DescriptionError::Field(e)) => e,
        other => panic!("expected a field error, got {other:?}"),
    }
}

/// `VALID` with the line starting `old` replaced by `new`.
fn with_line(old: &str, new: &str) -> String {
    let mut found = false;
    let out: Vec<String> = VALID
        .lines()
        .map(|l| {
            if !found && l.starts_with(old) {
                found = true;
                new.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "no line starting with {old:?}");
    out.join("\n")
}

/// Asserts the error names the file, the key, the line and says `expected`.
fn assert_error(text: &str, key: &str, line: usize, expected: &str) {
    let e = field_error(text);
    let shown = e.to_string();
    assert_eq!(e.key, key, "{shown}");
    assert_eq!(e.line, Some(line), "{shown}");
    assert!(e.expected.contains(expected), "{shown}");
    assert!(
        shown.starts_with("store description my-store.toml:"),
        "{shown}"
    );
    assert!(shown.contains(&format!("`{key}`")), "{shown}");
}

#[test]
fn the_shipped_descriptions_parse() {
    let bundled = StoreDescription::from_file(&shipped("bundled.toml")).unwrap();
    assert!(bundled.missing_for(WorkloadKind::CasRegister).is_empty());
    assert!(bundled.missing_for(WorkloadKind::Append).is_empty());
    assert!(bundled.missing_for(WorkloadKind::ListAppend).is_empty());
    assert!(bundled.missing_for(WorkloadKind::RwRegister).is_empty());
    assert_eq!(bundled.read.method, Method::Get);
    let etcd = StoreDescription::from_file(&shipped("etcd.toml")).unwrap();
    assert!(etcd.missing_for(WorkloadKind::CasRegister).is_empty());
    assert_eq!(etcd.missing_for(WorkloadKind::Set), vec!["append"]);
    // etcd's append is a read, a compare and a put: no template expresses
    // it, so list-append on etcd is the native client's.
    assert_eq!(etcd.missing_for(WorkloadKind::ListAppend), vec!["txn"]);
    assert_eq!(etcd.read.value_encoding, ValueEncoding::Base64Json);
    assert_eq!(etcd.endpoints.len(), 3);
    let absent = &etcd.read.outcome[0];
    assert_eq!(absent.result, Outcome::Absent);
    assert_eq!(
        absent.body,
        Some(("/kvs".to_string(), BodyCheck::Exists(false)))
    );
}

#[test]
fn a_full_description_reads_into_its_parts() {
    let d = parse(VALID).unwrap();
    assert_eq!(d.name, "test store");
    assert_eq!(d.headers, vec![("X-Token".to_string(), "abc".to_string())]);
    assert_eq!(
        d.write.as_ref().unwrap().outcome[0].status,
        vec![StatusMatch::Code(200), StatusMatch::Code(201)]
    );
    assert_eq!(
        d.cas.as_ref().unwrap().outcome[0].status,
        vec![StatusMatch::Class(2)]
    );
    let c = d.commands.unwrap();
    assert_eq!(c.kill.unwrap(), vec!["kill", "-9", "{node}"]);
    assert_eq!(c.timeout_secs, 5);
    assert!(c.pause.is_none());
}

#[test]
fn syntax_errors_name_the_file_and_position() {
    let e = parse("[read\nmethod = 1").unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, DescriptionError::Syntax { .. }), "{shown}");
    assert!(shown.contains("my-store.toml"), "{shown}");
    assert!(shown.contains("line 1"), "{shown}");
}

#[test]
fn a_missing_file_names_the_file() {
    let e = StoreDescription::from_file(Path::new("/nonexistent/store.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/store.toml"), "{e}");
}

#[test]
fn top_level_fields_are_checked() {
    assert_error(
        &with_line("name =", "name = 3"),
        "name",
        2,
        "a string, found an integer",
    );
    assert_error(
        &with_line("endpoints =", "endpoints = [\"127.0.0.1:1\"]"),
        "endpoints",
        3,
        "http:// URLs, found `127.0.0.1:1`",
    );
    assert_error(
        &with_line("endpoints =", "endpoints = \"http://x\""),
        "endpoints",
        3,
        "an array",
    );
    assert_error(
        &with_line("endpoints =", "endpoint = []"),
        "endpoint",
        3,
        "one of the keys name, endpoints",
    );
    assert_error(
        &with_line("X-Token", "X-Token = 5"),
        "headers.X-Token",
        6,
        "a string header value",
    );
    assert_error(
        &with_line("X-Token", "\"bad header\" = \"x\""),
        "headers.bad header",
        6,
        "a header name",
    );
}

#[test]
fn read_is_required_and_something_must_write() {
    let no_read = VALID.replace("[read]", "[reed]");
    let e = field_error(&no_read);
    assert_eq!(e.key, "reed", "{e}");
    let text: String = VALID.split("[read]").next().unwrap().to_string()
        + "[write]\nmethod = \"PUT\"\nurl = \"{endpoint}/kv/{key}\"\n[[write.outcome]]\nresult = \"ok\"\n";
    let e = field_error(&text);
    assert_eq!(e.key, "read", "{e}");
    assert!(e.expected.contains("the key is missing"), "{e}");
    let read_only = VALID.split("[write]").next().unwrap();
    let e = field_error(read_only);
    assert!(e.expected.contains("a `write` or an `append` table"), "{e}");
    assert!(
        e.to_string()
            .contains("my-store.toml:1: top level: expected"),
        "{e}"
    );
}

#[test]
fn operation_fields_are_checked() {
    assert_error(
        &with_line("method = \"GET\"", "method = \"FETCH\""),
        "read.method",
        9,
        "one of GET, PUT, POST, PATCH, DELETE, found `FETCH`",
    );
    assert_error(
        &with_line("method = \"GET\"", "method = 1"),
        "read.method",
        9,
        "found an integer",
    );
    assert_error(
        &with_line("url = \"{endpoint}/kv/{key}\"", "url = \"/kv/{key}\""),
        "read.url",
        10,
        "starting with {endpoint} or http://",
    );
    assert_error(
        &with_line(
            "url = \"{endpoint}/kv/{key}\"",
            "url = \"{endpoint}/kv/{kee}\"",
        ),
        "read.url",
        10,
        "found {kee}",
    );
    // A read has no value to send.
    assert_error(
        &with_line(
            "url = \"{endpoint}/kv/{key}\"",
            "url = \"{endpoint}/kv/{key}/{value}\"",
        ),
        "read.url",
        10,
        "found {value}",
    );
    assert_error(
        &with_line(
            "body = '{\"value\": {value}}'",
            "body = '{\"value\": {from}}'",
        ),
        "write.body",
        20,
        "found {from}",
    );
    assert_error(
        &with_line("body = '{\"value\": {value}}'", "body = ['x']"),
        "write.body",
        20,
        "a body template string, found an array",
    );
    assert_error(
        &with_line("value = \"/value\"", "value = \"value\""),
        "read.value",
        11,
        "a JSON pointer",
    );
    assert_error(
        &with_line("value = \"/value\"", "value-encoding = \"hex\""),
        "read.value",
        8,
        "the key is missing",
    );
    assert_error(
        &with_line(
            "value = \"/value\"",
            "value = \"/v\"\nvalue-encoding = \"hex\"",
        ),
        "read.value-encoding",
        12,
        "one of json, json-text, base64-json, found `hex`",
    );
    // Only reads have a value pointer.
    assert_error(
        &with_line("body = '{\"value\": {value}}'", "value = \"/x\""),
        "write.value",
        20,
        "this key is unknown",
    );
}

#[test]
fn outcome_rules_are_checked() {
    assert_error(
        &with_line("status = 200", "status = 700"),
        "read.outcome[0].status",
        14,
        "a status code (100-599) or a class such as \"4xx\", found 700",
    );
    assert_error(
        &with_line("status = 200", "status = \"2xy\""),
        "read.outcome[0].status",
        14,
        "found `2xy`",
    );
    assert_error(
        &with_line("status = [200, 201]", "status = [200, true]"),
        "write.outcome[0].status[1]",
        23,
        "found a boolean",
    );
    assert_error(
        &with_line("status = [200, 201]", "status = []"),
        "write.outcome[0].status",
        23,
        "found an empty array",
    );
    assert_error(
        &with_line("result = \"ok\"", "result = \"maybe\""),
        "read.outcome[0].result",
        15,
        "one of ok, fail, unknown, absent, found `maybe`",
    );
    // `absent` only makes sense for reads.
    let text = VALID.replacen(
        "status = [200, 201]\nresult = \"ok\"",
        "status = [200, 201]\nresult = \"ok\"\n[[write.outcome]]\nresult = \"absent\"",
        1,
    );
    let e = field_error(&text);
    assert_eq!(e.key, "write.outcome[1].result", "{e}");
    assert!(
        e.expected
            .contains("one of ok, fail, unknown, found `absent`"),
        "{e}"
    );
    assert_error(
        &with_line("status = 200", "pointer = \"x\""),
        "read.outcome[0].pointer",
        14,
        "a JSON pointer",
    );
    assert_error(
        &with_line("status = 200", "equals = 1"),
        "read.outcome[0].equals",
        14,
        "a `pointer` in the same rule",
    );
    assert_error(
        &with_line("status = 200", "pointer = \"/a\"\nexists = \"yes\""),
        "read.outcome[0].exists",
        15,
        "true or false, found a string",
    );
    assert_error(
        &with_line(
            "status = 200",
            "pointer = \"/a\"\nexists = true\nequals = 1",
        ),
        "read.outcome[0].equals",
        16,
        "either `exists` or `equals`",
    );
    assert_error(
        &with_line("status = 200", "body-contains = 1"),
        "read.outcome[0].body-contains",
        14,
        "a string, found an integer",
    );
    assert_error(
        &with_line("status = 200", "colour = 1"),
        "read.outcome[0].colour",
        14,
        "one of the keys status, pointer",
    );
    // Without a rule for ok nothing could ever succeed.
    let e = field_error(&VALID.replacen("result = \"ok\"", "result = \"fail\"", 1));
    assert_eq!(e.key, "read.outcome", "{e}");
    assert!(
        e.expected
            .contains("at least one rule with result = \"ok\""),
        "{e}"
    );
    let e =
        field_error(&VALID.replacen("[[read.outcome]]\nstatus = 200\nresult = \"ok\"\n", "", 1));
    assert_eq!(e.key, "read.outcome", "{e}");
    assert!(e.expected.contains("the key is missing"), "{e}");
}

#[test]
fn a_fail_rule_names_its_reason_and_only_cas_may_report_a_failed_comparison() {
    use faultline_checkers::FailReason;
    let cas_fail = "[[cas.outcome]]\nstatus = \"2xx\"\nresult = \"ok\"\n\n\
                    [[cas.outcome]]\nstatus = 409\nresult = \"fail\"\nreason = \"cas-mismatch\"\n\n\
                    [[cas.outcome]]\nstatus = \"4xx\"\nresult = \"fail\"\n";
    let text = VALID.replacen(
        "[[cas.outcome]]\nstatus = \"2xx\"\nresult = \"ok\"\n",
        cas_fail,
        1,
    );
    let d = parse(&text).unwrap();
    let cas = d.cas.as_ref().unwrap();
    assert_eq!(
        cas.outcome[1].result,
        Outcome::Fail(FailReason::CasMismatch)
    );
    // Without a reason a fail observed nothing.
    assert_eq!(cas.outcome[2].result, Outcome::Fail(FailReason::Rejected));
    // Only a cas can fail its comparison.
    let e = field_error(&VALID.replacen(
        "status = [200, 201]\nresult = \"ok\"",
        "status = [200, 201]\nresult = \"ok\"\n[[write.outcome]]\nresult = \"fail\"\nreason = \"cas-mismatch\"",
        1,
    ));
    assert_eq!(e.key, "write.outcome[1].reason", "{e}");
    assert!(e.expected.contains("only a cas rule"), "{e}");
    // A reason belongs to a fail rule.
    assert_error(
        &with_line("status = 200", "reason = \"not-leader\""),
        "read.outcome[0].reason",
        14,
        "only in a rule with result = \"fail\"",
    );
    assert_error(
        &with_line("status = 200", "reason = \"nope\""),
        "read.outcome[0].reason",
        14,
        "one of cas-mismatch, not-leader, unavailable, refused, locked, aborted, rejected, unsupported, found `nope`",
    );
}

#[test]
fn commands_are_checked() {
    assert_error(
        &with_line("kill =", "kill = \"kill -9\""),
        "commands.kill",
        36,
        "an argv array",
    );
    assert_error(
        &with_line("kill =", "kill = []"),
        "commands.kill",
        36,
        "found an empty array",
    );
    assert_error(
        &with_line("kill =", "kill = [\"{node}\"]"),
        "commands.kill",
        36,
        "a program name",
    );
    assert_error(
        &with_line("timeout-secs", "timeout-secs = 0"),
        "commands.timeout-secs",
        38,
        "a positive integer",
    );
    assert_error(
        &with_line("timeout-secs", "partiton = [\"x\"]"),
        "commands.partiton",
        38,
        "one of the keys kill, start, pause, resume, partition, heal, latency, latency-heal, leader, timeout-secs here (this key is unknown)",
    );
}

#[test]
fn command_placeholders_are_checked_when_the_file_is_read() {
    // `{port}` comes from each endpoint's URL; a typo is refused at load,
    // naming the command, the argument and what it may use.
    let ok = with_line(
        "kill =",
        "kill = [\"redis-cli\", \"-p\", \"{port}\", \"SHUTDOWN\"]",
    );
    let d = parse(&ok).unwrap();
    assert_eq!(d.commands.unwrap().kill.unwrap()[2], "{port}");
    assert_error(
        &with_line("kill =", "kill = [\"kill\", \"{nod}\"]"),
        "commands.kill",
        36,
        "placeholders among {node}, {host}, {port} in `kill`, found {nod} in argument 1 (`{nod}`)",
    );
    // A peer exists only for a cut link, a delay only for latency.
    assert_error(
        &with_line("kill =", "kill = [\"kill\", \"{peer}\"]"),
        "commands.kill",
        36,
        "found {peer}",
    );
    let partition = "partition = [\"nft\", \"add\", \"rule\", \"inet\", \"t\", \"c\", \"ip saddr { {peer_host} } tcp dport {port} drop\"]\nheal = [\"true\", \"{node}\"]";
    let d = parse(&with_line("timeout-secs", partition)).unwrap();
    assert!(d.commands.unwrap().partition.is_some());
    assert_error(
        &with_line(
            "timeout-secs",
            "partition = [\"x\", \"{delay_ms}\"]\nheal = [\"true\"]",
        ),
        "commands.partition",
        38,
        "placeholders among {node}, {host}, {port}, {peer}, {peer_host}, {peer_port}",
    );
    let latency = "latency = [\"tc\", \"{host}\", \"{delay_ms}ms\", \"{jitter_ms}ms\"]\nlatency-heal = [\"tc\", \"{host}\"]";
    assert!(parse(&with_line("timeout-secs", latency)).is_ok());
    assert_error(
        &with_line("timeout-secs", "leader = [\"who\", \"{node}\"]"),
        "commands.leader",
        38,
        "no placeholders in `leader`",
    );
    // A fault without its undo would outlive the run.
    assert_error(
        &with_line("timeout-secs", "partition = [\"x\"]"),
        "commands",
        35,
        "`heal` together with `partition`",
    );
    assert_error(
        &with_line("timeout-secs", "latency-heal = [\"x\"]"),
        "commands",
        35,
        "`latency` together with `latency-heal`",
    );
}

#[test]
fn the_annotated_example_in_the_docs_parses() {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/systems-under-test.md"),
    )
    .unwrap();
    // The first TOML block after the store-description section's heading.
    let section = readme
        .find("# Systems under test")
        .expect("the systems-under-test heading in docs/systems-under-test.md");
    let marker = "# Optional: a name for humans.";
    let at = section
        + readme[section..]
            .find(marker)
            .expect("the annotated example");
    let start = readme[..at].rfind("```toml\n").expect("its toml fence") + "```toml\n".len();
    let len = readme[start..].find("```").unwrap();
    let d = StoreDescription::parse(
        Path::new("docs/systems-under-test.md"),
        &readme[start..start + len],
    )
    .unwrap();
    assert_eq!(d.name, "etcd v3 JSON gateway");
    assert!(d.missing_for(WorkloadKind::CasRegister).is_empty());
    let c = d.commands.unwrap();
    assert!(c.kill.is_some() && c.start.is_some() && c.pause.is_some() && c.resume.is_some());
}

/// A `[txn]` table after `VALID`, one line per entry of `lines`.
fn with_txn(lines: &[&str]) -> String {
    format!("{VALID}\n[txn]\n{}\n", lines.join("\n"))
}

/// The 1-based line of the first line of `text` starting with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(start))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line starting with {start:?}"))
}

const TXN_LINES: [&str; 11] = [
    "method = \"POST\"",
    "url = \"{endpoint}/txn\"",
    "body = '{\"ops\": [{ops}]}'",
    "read = '{\"f\": \"read\", \"key\": \"{key}\"}'",
    "append = '{\"f\": \"append\", \"key\": \"{key}\", \"value\": {value}}'",
    "results = \"/results\"",
    "value = \"/value\"",
    "[[txn.outcome]]",
    "status = 200",
    "result = \"ok\"",
    "",
];

#[test]
fn a_txn_table_is_checked_and_says_which_workloads_it_serves() {
    let d = parse(&with_txn(&TXN_LINES)).unwrap();
    let t = d.txn.as_ref().unwrap();
    assert_eq!(t.results, "/results");
    assert!(d.missing_for(WorkloadKind::ListAppend).is_empty());
    // No `write` template: rw-register names what to add.
    assert_eq!(d.missing_for(WorkloadKind::RwRegister), vec!["txn.write"]);
    assert_eq!(d.missing_for(WorkloadKind::Bank), vec!["transfer"]);

    let replace = |i: usize, line: &str| {
        let mut lines = TXN_LINES.to_vec();
        lines[i] = line;
        with_txn(&lines)
    };
    let text = replace(2, "body = '{\"ops\": []}'");
    assert_error(
        &text,
        "txn.body",
        line_of(&text, "body = '{\"ops\": []}'"),
        "{ops} exactly once",
    );
    let text = replace(1, "url = \"{endpoint}/txn/{key}\"");
    assert_error(
        &text,
        "txn.url",
        line_of(&text, "url = \"{endpoint}/txn/"),
        "found {key}",
    );
    let text = replace(3, "read = '{\"f\": \"read\"}'");
    assert_error(
        &text,
        "txn.read",
        line_of(&text, "read = '"),
        "{key} or {key_b64}",
    );
    let text = replace(4, "append = '{\"key\": \"{key}\", \"v\": {from}}'");
    assert_error(
        &text,
        "txn.append",
        line_of(&text, "append = '"),
        "found {from}",
    );
    let text = replace(5, "results = 3");
    assert_error(
        &text,
        "txn.results",
        line_of(&text, "results = 3"),
        "found an integer",
    );
    let text = replace(6, "value-encoding = \"yaml\"");
    assert_error(
        &text,
        "txn.value",
        line_of(&text, "[txn]"),
        "the key is missing",
    );
    let text = replace(9, "result = \"absent\"");
    assert_error(
        &text,
        "txn.outcome[0].result",
        line_of(&text, "result = \"absent\""),
        "one of ok, fail, unknown",
    );
    let text = replace(4, "");
    assert_error(&text, "txn", line_of(&text, "[txn]"), "`write` template");
}

#[test]
fn the_txn_example_in_the_docs_parses() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/systems-under-test.md"),
    )
    .unwrap();
    let marker = "# A transaction endpoint";
    let at = doc.find(marker).expect("the [txn] example in the docs");
    let start = doc[..at].rfind("```toml\n").expect("its toml fence") + "```toml\n".len();
    let len = doc[start..].find("```").unwrap();
    let d = StoreDescription::parse(
        Path::new("docs/systems-under-test.md"),
        &doc[start..start + len],
    )
    .unwrap();
    let t = d.txn.as_ref().expect("the example declares [txn]");
    assert!(t.append.is_some() && t.write.is_some());
    assert!(d.missing_for(WorkloadKind::ListAppend).is_empty());
    assert!(d.missing_for(WorkloadKind::RwRegister).is_empty());
}

#[test]
fn operations_name_their_node_and_the_leader_is_found_by_a_query() {
    use faultline_workloads::client::described::{LeaderTest, Route};
    let routed = VALID
        .replacen(
            "[write]\nmethod = \"PUT\"",
            "[write]\nmethod = \"PUT\"\nendpoint = \"leader\"",
            1,
        )
        .replacen(
            "[read]\nmethod = \"GET\"",
            "[read]\nmethod = \"GET\"\nendpoint = \"n2\"",
            1,
        );
    let leader =
        "\n[leader]\nurl = \"{endpoint}/ROLE\"\npointer = \"/ROLE/0\"\nequals = \"master\"\n";
    let d = parse(&format!("{routed}{leader}")).unwrap();
    assert_eq!(d.read.route, Route::Node("n2".into()));
    assert_eq!(d.write.as_ref().unwrap().route, Route::Leader);
    assert_eq!(d.cas.as_ref().unwrap().route, Route::Any);
    let q = d.leader.unwrap();
    assert_eq!(q.pointer, "/ROLE/0");
    assert_eq!(q.test, LeaderTest::Equals(serde_json::json!("master")));

    // Routing to the leader without a way to find it is refused at load.
    let e = field_error(&routed);
    assert_eq!(e.key, "write", "{e}");
    assert!(e.expected.contains("a `[leader]` table"), "{e}");
    let e = field_error(&format!(
        "{}{leader}",
        routed.replacen("endpoint = \"n2\"", "endpoint = \"primary\"", 1)
    ));
    assert_eq!(e.key, "read.endpoint", "{e}");
    assert!(e.expected.contains("found `primary`"), "{e}");
    // The query asks about a node, so it has no key.
    let e = field_error(&format!(
        "{routed}{}",
        leader.replace("/ROLE\"", "/ROLE/{key}\"")
    ));
    assert_eq!(e.key, "leader.url", "{e}");
    assert!(e.expected.contains("{endpoint}, {node}"), "{e}");
    let e = field_error(&format!(
        "{routed}{}",
        leader.replace("equals = \"master\"\n", "")
    ));
    assert_eq!(e.key, "leader.equals", "{e}");
    assert!(e.expected.contains("equals-pointer"), "{e}");

    // etcd: a member whose status names itself as leader.
    let by_id = leader.replace(
        "equals = \"master\"",
        "equals-pointer = \"/header/member_id\"",
    );
    let q = parse(&format!("{routed}{by_id}")).unwrap().leader.unwrap();
    assert_eq!(q.test, LeaderTest::SameAs("/header/member_id".into()));
    let status = |own: &str, leader: &str| serde_json::json!({"header": {"member_id": own}, "ROLE": [leader]});
    assert!(q.holds(&status("17", "17")));
    assert!(!q.holds(&status("17", "18")));
    assert!(!q.holds(&serde_json::json!({"ROLE": [null]})));
    let e = field_error(&format!("{routed}{by_id}equals = \"master\"\n"));
    assert_eq!(e.key, "leader.equals-pointer", "{e}");
    assert!(e.expected.contains("not both"), "{e}");
    let e = field_error(&format!(
        "{routed}{}",
        by_id.replace("\"/header/member_id\"", "\"header\"")
    ));
    assert_eq!(e.key, "leader.equals-pointer", "{e}");
}

/// The first ```toml block after `marker` in the doc page `page`.
fn toml_block_after(page: &str, marker: &str) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap();
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {page}"));
    let start = at + text[at..].find("```toml\n").expect("a toml fence") + "```toml\n".len();
    let len = text[start..].find("```").unwrap();
    text[start..start + len].to_string()
}

#[test]
fn the_command_examples_in_the_docs_parse_as_they_are_shown() {
    // docs/nemeses.md once showed a [nemesis.commands] table that no file
    // faultline reads accepted; what it shows now is a description's table.
    for (page, marker) in [
        ("docs/nemeses.md", "### User commands"),
        ("docs/systems-under-test.md", "#### Faults through commands"),
    ] {
        let block = toml_block_after(page, marker);
        assert!(block.starts_with("[commands]\n"), "{page}: {block}");
        let d = parse(&VALID.replacen(
            "[commands]\nkill = [\"kill\", \"-9\", \"{node}\"]\nstart = [\"true\"]\ntimeout-secs = 5\n",
            &block,
            1,
        ))
        .unwrap_or_else(|e| panic!("{page}: {e}"));
        let c = d.commands.unwrap();
        assert!(c.partition.is_some() && c.heal.is_some(), "{page}");
        assert!(c.latency.is_some() && c.latency_heal.is_some(), "{page}");
    }
    let leader = toml_block_after("docs/systems-under-test.md", "#### Routing and the leader");
    let d = parse(&format!("{VALID}\n{leader}")).unwrap();
    assert_eq!(d.leader.unwrap().pointer, "/ROLE/0");
}

#[test]
fn the_redis_example_parses() {
    use faultline_workloads::client::described::Route;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/redis/redis.toml");
    let d = StoreDescription::from_file(&path).unwrap();
    assert_eq!(d.write.as_ref().unwrap().route, Route::Leader);
    assert_eq!(d.read.route, Route::Any);
    assert!(d.leader.is_some());
    assert!(d.missing_for(WorkloadKind::Register).is_empty());
    let c = d.commands.unwrap();
    assert!(c.partition.is_some() && c.heal.is_some());
}

#[test]
fn a_txn_table_is_routed_like_an_operation() {
    use faultline_workloads::client::described::Route;
    let mut lines = TXN_LINES.to_vec();
    lines.insert(0, "endpoint = \"n1\"");
    let d = parse(&with_txn(&lines)).unwrap();
    assert_eq!(d.txn.as_ref().unwrap().route, Route::Node("n1".into()));
    assert!(d.routes().contains(&("txn", &Route::Node("n1".into()))));
    lines[0] = "endpoint = \"leader\"";
    let e = field_error(&with_txn(&lines));
    assert_eq!(e.key, "txn", "{e}");
    assert!(e.expected.contains("a `[leader]` table"), "{e}");
}
