//! A store's transaction endpoint, as the optional `[txn]` table of a
//! description declares it: the request is a body template with `{ops}`
//! where the micro-operations go, each rendered by its own template (`read`,
//! `write`, `append`) and joined by `separator`; the answer holds an array of
//! results at `results`, one per micro-operation (or per read), each with a
//! read's value at `value`. The list-append workload needs `append`, the
//! rw-register workload `write`.

use super::encoding::ValueEncoding;
use super::error::DescriptionError;
use super::method::Method;
use super::route::Route;
use super::rule::{Outcome, Rule, decide};
use super::rule_file::rule;
use super::template::{Arguments, Fill, Placeholder, Template};
use super::toml_reader::Field;
use crate::op::Completion;
use crate::workload::Storage;
use crate::workload::txn::{APPEND, Micro, READ, WRITE};
use serde_json::{Value, json};

/// Which micro-operations the answer's results stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultsPer {
    /// One result per micro-operation, in order.
    #[default]
    Op,
    /// One result per read, in order (writes and appends have none).
    Read,
}

impl ResultsPer {
    fn parse(s: &str) -> Option<ResultsPer> {
        match s {
            "op" => Some(ResultsPer::Op),
            "read" => Some(ResultsPer::Read),
            _ => None,
        }
    }
}

/// What a read's result without anything at `value` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingValue {
    /// The answer cannot be read: the transaction's outcome is unknown (the
    /// safe guess: a pointer that does not fit the store must not turn every
    /// read into a read of nothing).
    #[default]
    Unknown,
    /// The key is absent (`[]` for list-append, `null` for rw-register).
    Absent,
}

impl MissingValue {
    fn parse(s: &str) -> Option<MissingValue> {
        match s {
            "unknown" => Some(MissingValue::Unknown),
            "absent" => Some(MissingValue::Absent),
            _ => None,
        }
    }
}

/// The `[txn]` table: a transaction endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnOperation {
    /// HTTP method.
    pub method: Method,
    /// URL template (`{endpoint}`, `{node}`).
    pub url: Template,
    /// Body template; `{ops}` stands for the rendered micro-operations.
    pub body: Template,
    /// Put between two rendered micro-operations (default `,`).
    pub separator: String,
    /// A read's template (`{key}`, `{key_b64}`).
    pub read: Template,
    /// A blind write's template (`{key}`, `{value}`, ...), for rw-register.
    pub write: Option<Template>,
    /// An append's template (`{key}`, `{value}`, ...), for list-append.
    pub append: Option<Template>,
    /// JSON pointer to the array of results in an ok answer.
    pub results: String,
    /// What the results stand for.
    pub results_per: ResultsPer,
    /// JSON pointer to a read's value inside its result.
    pub value: String,
    /// How that value is encoded.
    pub value_encoding: ValueEncoding,
    /// What a read result without a value means.
    pub missing_value: MissingValue,
    /// Outcome rules, first match wins (`ok`, `fail`, `unknown`).
    pub outcome: Vec<Rule>,
    /// Which node it is sent to.
    pub route: Route,
}

const TXN_KEYS: [&str; 14] = [
    "method",
    "endpoint",
    "url",
    "body",
    "separator",
    "read",
    "write",
    "append",
    "results",
    "results-per",
    "value",
    "value-encoding",
    "missing-value",
    "outcome",
];

/// A JSON pointer at `f` (empty or starting with `/`).
fn pointer(f: &Field<'_, '_>, what: &str) -> Result<String, DescriptionError> {
    let p = f.str(what)?;
    if !p.is_empty() && !p.starts_with('/') {
        return Err(f.error(format!(
            "a JSON pointer (empty or starting with /), found `{p}`"
        )));
    }
    Ok(p.to_string())
}

/// Reads and checks the `[txn]` table at `f`.
pub(super) fn txn_operation(f: &Field<'_, '_>) -> Result<TxnOperation, DescriptionError> {
    let t = f.table(&TXN_KEYS)?;
    const METHODS: &str = "one of GET, PUT, POST, PATCH, DELETE";
    let method_field = t.required("method", METHODS)?;
    let m = method_field.str(METHODS)?;
    let method =
        Method::parse(m).ok_or_else(|| method_field.error(format!("{METHODS}, found `{m}`")))?;
    let url_field = t.required("url", "a URL template such as \"{endpoint}/txn\"")?;
    let url_text = url_field.str("a URL template string")?;
    let url = Template::parse(url_text, Arguments::Txn).map_err(|e| url_field.error(e))?;
    if !url_text.starts_with("{endpoint}") && !url_text.starts_with("http://") {
        return Err(url_field.error(format!(
            "a URL template starting with {{endpoint}} or http://, found `{url_text}`"
        )));
    }
    let body_field = t.required(
        "body",
        "a body template with {ops} where the micro-operations go, e.g. '{\"ops\": [{ops}]}'",
    )?;
    let body_text = body_field.str("a body template string")?;
    let body = Template::parse(body_text, Arguments::Txn).map_err(|e| body_field.error(e))?;
    if body
        .placeholder_names()
        .iter()
        .filter(|n| **n == "ops")
        .count()
        != 1
    {
        return Err(body_field
            .error("a body template using {ops} exactly once (where the micro-operations go)"));
    }
    let separator = match t.get("separator") {
        Some(s) => s
            .str("a string put between two micro-operations")?
            .to_string(),
        None => ",".to_string(),
    };
    let micro = |field: &Field<'_, '_>, args: Arguments| -> Result<Template, DescriptionError> {
        let text = field.str("a micro-operation template string")?;
        let tpl = Template::parse(text, args).map_err(|e| field.error(e))?;
        if !tpl.uses(Placeholder::Key) && !tpl.uses(Placeholder::KeyB64) {
            return Err(field.error("a micro-operation template with {key} or {key_b64}"));
        }
        Ok(tpl)
    };
    let read = micro(
        &t.required(
            "read",
            "a read template such as '{\"f\": \"read\", \"key\": \"{key}\"}'",
        )?,
        Arguments::None,
    )?;
    let write = t
        .get("write")
        .map(|f| micro(&f, Arguments::Value))
        .transpose()?;
    let append = t
        .get("append")
        .map(|f| micro(&f, Arguments::Value))
        .transpose()?;
    if write.is_none() && append.is_none() {
        return Err(t.error(
            "a `write` template (rw-register) or an `append` template (list-append) in [txn]",
        ));
    }
    let results = pointer(
        &t.required(
            "results",
            "a JSON pointer to the array of results in the answer, e.g. \"/results\"",
        )?,
        "a JSON pointer string",
    )?;
    let results_per = match t.get("results-per") {
        Some(r) => {
            let s = r.str("one of op, read")?;
            ResultsPer::parse(s).ok_or_else(|| r.error(format!("one of op, read, found `{s}`")))?
        }
        None => ResultsPer::Op,
    };
    let value = pointer(
        &t.required(
            "value",
            "a JSON pointer to a read's value inside its result, e.g. \"/value\"",
        )?,
        "a JSON pointer string",
    )?;
    let value_encoding = match t.get("value-encoding") {
        Some(e) => {
            let s = e.str("one of json, json-text, base64-json")?;
            ValueEncoding::parse(s).ok_or_else(|| {
                e.error(format!("one of json, json-text, base64-json, found `{s}`"))
            })?
        }
        None => ValueEncoding::Json,
    };
    let missing_value = match t.get("missing-value") {
        Some(m) => {
            let s = m.str("one of unknown, absent")?;
            MissingValue::parse(s)
                .ok_or_else(|| m.error(format!("one of unknown, absent, found `{s}`")))?
        }
        None => MissingValue::Unknown,
    };
    let rules_field = t.required(
        "outcome",
        "an array of [[txn.outcome]] rules saying which answers are ok, fail or unknown",
    )?;
    let items = rules_field.array("an array of tables ([[txn.outcome]] rules)")?;
    if items.is_empty() {
        return Err(rules_field.error("at least one rule"));
    }
    let outcome = items
        .iter()
        .map(|item| rule(item, false, false))
        .collect::<Result<Vec<Rule>, _>>()?;
    if !outcome.iter().any(|r| r.result == Outcome::Ok) {
        return Err(rules_field.error("at least one rule with result = \"ok\""));
    }
    let route = match t.get("endpoint") {
        Some(e) => Route::parse(&e)?,
        None => Route::Any,
    };
    Ok(TxnOperation {
        route,
        method,
        url,
        body,
        separator,
        read,
        write,
        append,
        results,
        results_per,
        value,
        value_encoding,
        missing_value,
        outcome,
    })
}

impl TxnOperation {
    /// The URL and body for the transaction `micro` on the node at
    /// `endpoint` named `node`, or why the description cannot express it.
    pub fn request(
        &self,
        micro: &[Micro<'_>],
        endpoint: &str,
        node: &str,
    ) -> Result<(String, String), String> {
        let mut ops = Vec::with_capacity(micro.len());
        for m in micro {
            let (tpl, name) = match m.f {
                APPEND => (self.append.as_ref(), "append"),
                WRITE => (self.write.as_ref(), "write"),
                _ => (Some(&self.read), "read"),
            };
            let tpl = tpl.ok_or_else(|| {
                format!("the store description's [txn] table has no `{name}` template")
            })?;
            let value = if m.f == READ { &Value::Null } else { m.value };
            ops.push(tpl.render(&Fill {
                endpoint,
                node,
                key: m.key,
                value,
                from: &Value::Null,
                to: &Value::Null,
                ops: "",
            }));
        }
        let joined = ops.join(&self.separator);
        let fill = Fill {
            endpoint,
            node,
            key: "",
            value: &Value::Null,
            from: &Value::Null,
            to: &Value::Null,
            ops: &joined,
        };
        Ok((self.url.render(&fill), self.body.render(&fill)))
    }

    /// Maps an answer to a completion by the table's rules: an ok answer
    /// whose results cannot be read is `info` (it committed, but what it
    /// read is lost).
    pub fn classify(
        &self,
        micro: &[Micro<'_>],
        status: u16,
        body: &[u8],
        storage: Storage,
    ) -> Completion {
        let (outcome, json) = decide(&self.outcome, status, body);
        let detail = || {
            let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
            if text.is_empty() {
                status.to_string()
            } else {
                format!("{status}: {text}")
            }
        };
        match outcome {
            Outcome::Ok => match self.completed(micro, json.as_ref(), storage) {
                Ok(done) => Completion::ok(done),
                // The status first, as in every detail (the run's probe
                // tells a 2xx it cannot read from a timeout by it).
                Err(e) => Completion::info(format!(
                    "{status} with unreadable results ({e}): {}",
                    String::from_utf8_lossy(&body[..body.len().min(120)])
                )),
            },
            Outcome::Fail(reason) => Completion::fail(reason, detail()),
            // `absent` is refused in [txn] rules when the file is read.
            Outcome::Unknown | Outcome::Absent => Completion::info(detail()),
        }
    }

    /// The committed transaction from an ok answer: each read filled in
    /// with its result's value (an absent key as `storage` reads it), or
    /// why the answer cannot be read.
    pub fn completed(
        &self,
        micro: &[Micro<'_>],
        answer: Option<&Value>,
        storage: Storage,
    ) -> Result<Value, String> {
        let results = answer
            .and_then(|a| a.pointer(&self.results))
            .and_then(Value::as_array)
            .ok_or_else(|| format!("no array of results at {:?}", self.results))?;
        let expected = match self.results_per {
            ResultsPer::Op => micro.len(),
            ResultsPer::Read => micro.iter().filter(|m| m.f == READ).count(),
        };
        if results.len() != expected {
            return Err(format!(
                "{} results for {expected} {}",
                results.len(),
                match self.results_per {
                    ResultsPer::Op => "micro-operations",
                    ResultsPer::Read => "reads",
                }
            ));
        }
        let mut next = results.iter();
        let mut done = Vec::with_capacity(micro.len());
        for m in micro {
            let result = match self.results_per {
                ResultsPer::Op => next.next(),
                ResultsPer::Read if m.f == READ => next.next(),
                ResultsPer::Read => None,
            };
            if m.f != READ {
                done.push(json!([m.f, m.key, m.value]));
                continue;
            }
            let raw = match result.and_then(|r| r.pointer(&self.value)) {
                Some(v) => self.value_encoding.decode(v).map_err(|e| {
                    format!("the read of {:?}: value at {}: {e}", m.key, self.value)
                })?,
                None if self.missing_value == MissingValue::Absent => Value::Null,
                None => {
                    return Err(format!(
                        "the read of {:?} has no value at {:?} (set missing-value = \"absent\" if that means the key is absent)",
                        m.key, self.value
                    ));
                }
            };
            done.push(json!([m.f, m.key, storage.read_value(raw)]));
        }
        Ok(Value::Array(done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::described::StoreDescription;
    use crate::workload::txn::micro_ops;
    use std::path::Path;

    const BASE: &str = r#"
[read]
method = "GET"
url = "{endpoint}/kv/{key}"
value = "/value"
[[read.outcome]]
result = "ok"
[write]
method = "PUT"
url = "{endpoint}/kv/{key}"
body = '{"value": {value}}'
[[write.outcome]]
result = "ok"
"#;

    fn txn_of(table: &str) -> Result<TxnOperation, String> {
        let text = format!("{BASE}\n{table}");
        StoreDescription::parse(Path::new("s.toml"), &text)
            .map_err(|e| e.to_string())
            .map(|d| d.txn.expect("a [txn] table"))
    }

    const TXN: &str = r#"
[txn]
method = "POST"
url = "{endpoint}/txn"
body = '{"ops": [{ops}]}'
read = '{"f": "read", "key": "{key}"}'
write = '{"f": "write", "key": "{key}", "value": {value}}'
append = '{"f": "append", "key": "{key}", "value": {value}}'
results = "/results"
value = "/value"
[[txn.outcome]]
status = 200
result = "ok"
[[txn.outcome]]
status = 409
result = "fail"
reason = "aborted"
"#;

    #[test]
    fn requests_render_every_micro_operation_in_order() {
        let t = txn_of(TXN).unwrap();
        let v = json!([["append", "x", 3], ["r", "y", null], ["w", "z", 4]]);
        let micro = micro_ops(&v).unwrap();
        let (url, body) = t.request(&micro, "http://h:1", "n1").unwrap();
        assert_eq!(url, "http://h:1/txn");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({"ops": [
                {"f": "append", "key": "x", "value": 3},
                {"f": "read", "key": "y"},
                {"f": "write", "key": "z", "value": 4},
            ]})
        );
        let answer = json!({"results": [{"value": [3]}, {"value": null}, {}]});
        assert_eq!(
            t.completed(&micro, Some(&answer), Storage::List),
            Ok(json!([["append", "x", 3], ["r", "y", []], ["w", "z", 4]]))
        );
        // A read result without a value is unknown unless declared absent.
        let missing = json!({"results": [{}, {}, {}]});
        assert!(t.completed(&micro, Some(&missing), Storage::List).is_err());
        let short = json!({"results": [{}]});
        assert!(t.completed(&micro, Some(&short), Storage::List).is_err());
        assert!(t.completed(&micro, None, Storage::List).is_err());
    }

    #[test]
    fn results_per_read_and_encoded_values() {
        let table = TXN
            .replace("value = \"/value\"", "value = \"/v\"\nvalue-encoding = \"base64-json\"\nresults-per = \"read\"\nmissing-value = \"absent\"\nseparator = \" \"");
        let t = txn_of(&table).unwrap();
        let v = json!([["w", "x", 1], ["r", "x", null], ["r", "y", null]]);
        let micro = micro_ops(&v).unwrap();
        let answer = json!({"results": [{"v": crate::client::base64::encode(b"1")}, {}]});
        assert_eq!(
            t.completed(&micro, Some(&answer), Storage::Register),
            Ok(json!([["w", "x", 1], ["r", "x", 1], ["r", "y", null]]))
        );
        let (_, body) = t.request(&micro, "e", "n").unwrap();
        assert!(body.contains("} {"), "{body}");
    }

    #[test]
    fn mistakes_are_named_with_line_and_key() {
        let e = txn_of(&TXN.replace("body = '{\"ops\": [{ops}]}'", "body = '{\"ops\": []}'"))
            .unwrap_err();
        assert!(
            e.contains("key `txn.body`") && e.contains("{ops} exactly once"),
            "{e}"
        );
        let e = txn_of(&TXN.replace("url = \"{endpoint}/txn\"", "url = \"{endpoint}/txn/{key}\""))
            .unwrap_err();
        assert!(
            e.contains("key `txn.url`") && e.contains("found {key}"),
            "{e}"
        );
        let e = txn_of(&TXN.replace("read = '{\"f\": \"read\", \"key\": \"{key}\"}'\n", ""))
            .unwrap_err();
        assert!(e.contains("key `txn.read`") && e.contains("missing"), "{e}");
        let e = txn_of(&TXN.replace(
            "read = '{\"f\": \"read\", \"key\": \"{key}\"}'",
            "read = '{\"f\": \"read\", \"v\": {value}}'",
        ))
        .unwrap_err();
        assert!(
            e.contains("key `txn.read`") && e.contains("found {value}"),
            "{e}"
        );
        let e =
            txn_of(&TXN.replace("results = \"/results\"", "results = \"results\"")).unwrap_err();
        assert!(
            e.contains("s.toml:") && e.contains("key `txn.results`"),
            "{e}"
        );
        let e = txn_of(&TXN.replace("[txn]", "[txn]\nresults-per = \"every\"")).unwrap_err();
        assert!(
            e.contains("txn.results-per") && e.contains("found `every`"),
            "{e}"
        );
        let e =
            txn_of(&TXN.replace("reason = \"aborted\"", "reason = \"cas-mismatch\"")).unwrap_err();
        assert!(e.contains("txn.outcome[1].reason"), "{e}");
        let no_writes = TXN
            .lines()
            .filter(|l| !l.starts_with("write =") && !l.starts_with("append ="))
            .collect::<Vec<_>>()
            .join("\n");
        let e = txn_of(&no_writes).unwrap_err();
        assert!(e.contains("`write` template"), "{e}");
        let e = txn_of(&TXN.replace("[txn]", "[txn]\nmode = 1")).unwrap_err();
        assert!(e.contains("key `txn.mode`") && e.contains("unknown"), "{e}");
    }
}
