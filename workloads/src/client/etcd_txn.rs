//! The transactional workloads (list-append, rw-register) as etcd Txns: one
//! transaction of the workload is one Txn of the v3 gateway, whose ranges
//! and puts run atomically at one revision.
//!
//! - Reads and blind writes map directly: a `range` per read, a `put` per
//!   written key.
//! - etcd has no append, so a transaction that appends first reads the
//!   appended keys (one read-only Txn, noting each key's `mod_revision`),
//!   then sends a Txn whose compare requires every appended key to still be
//!   at that revision and whose success branch puts each list with the new
//!   elements (JSON text) beside the ranges. A failed compare changed
//!   nothing; it is retried up to [`MAX_ATTEMPTS`] times in all, then the
//!   operation is a definite `fail` with reason `aborted`. Keys that are only
//!   read need no compare: their ranges are inside the same atomic Txn.
//! - etcd refuses two puts to one key in a Txn, so each written key is put
//!   once, at its last write, with its final value; a read between a key's
//!   first and last write in the transaction is answered with the
//!   transaction's own value (what etcd's sequential Txn semantics give),
//!   every other read is a range etcd answers.

use super::base64;
use super::etcd_read_mode::ReadMode;
use crate::workload::Storage;
use crate::workload::txn::{APPEND, Micro, READ, WRITE};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Attempts of an appending transaction whose compare keeps failing (other
/// transactions appended to its keys in between) before it is reported
/// `aborted`.
pub const MAX_ATTEMPTS: usize = 3;

/// A key as the appending transaction read it before its Txn.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The stored value (`None`: absent).
    pub value: Option<Value>,
    /// The key's `mod_revision` (0 when absent, which is what etcd compares
    /// an absent key's revision against).
    pub mod_revision: i64,
}

/// Where a read of the transaction takes its value from.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// A write or an append: echoed as invoked.
    Echo,
    /// The range at this position of the Txn's `success` requests.
    Range(usize),
    /// The transaction's own value for the key at this point (see the
    /// module documentation).
    Own(Value),
}

/// The Txn for one transaction and how its answer fills in the reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    compare: Vec<Value>,
    success: Vec<Value>,
    answers: Vec<Answer>,
}

/// The keys a transaction appends to, in first-append order: those the
/// transaction must read before its Txn.
pub fn appended_keys<'a>(micro: &[Micro<'a>]) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    for m in micro.iter().filter(|m| m.f == APPEND) {
        if !keys.contains(&m.key) {
            keys.push(m.key);
        }
    }
    keys
}

fn range(key: &str, read_mode: ReadMode) -> Value {
    let mut r = json!({ "key": base64::encode(key.as_bytes()) });
    if read_mode == ReadMode::Serializable {
        r["serializable"] = Value::Bool(true);
    }
    json!({ "request_range": r })
}

/// The read-only Txn that reads `keys` before an appending transaction.
pub fn pre_read_body(keys: &[&str], read_mode: ReadMode) -> Value {
    json!({
        "compare": [],
        "success": keys.iter().map(|k| range(k, read_mode)).collect::<Vec<_>>(),
        "failure": [],
    })
}

#[derive(Deserialize)]
struct TxnBody {
    // Omitted (not `false`) when the compare failed.
    #[serde(default)]
    succeeded: bool,
    #[serde(default)]
    responses: Vec<ResponseOp>,
}

#[derive(Deserialize)]
struct ResponseOp {
    #[serde(default)]
    response_range: Option<RangeBody>,
}

#[derive(Deserialize)]
struct RangeBody {
    // The gateway omits empty fields: an absent key has no `kvs`.
    #[serde(default)]
    kvs: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct KeyValue {
    #[serde(default)]
    value: String,
    // int64 fields travel as JSON strings in the gateway.
    #[serde(default)]
    mod_revision: Option<String>,
}

/// A value as etcd stores it: its JSON text, base64-encoded.
fn encode_value(v: &Value) -> String {
    base64::encode(v.to_string().as_bytes())
}

/// A stored value back as JSON; text that is not JSON (written by someone
/// else) comes back as a string.
fn decode_value(b64: &str) -> Result<Value, String> {
    let bytes = base64::decode(b64).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned())))
}

/// The `i`th range of a Txn answer, decoded: value (or `None`) and revision.
fn range_at(responses: &[ResponseOp], i: usize) -> Result<Observed, String> {
    let r = responses
        .get(i)
        .and_then(|r| r.response_range.as_ref())
        .ok_or_else(|| format!("no range response at position {i}"))?;
    match r.kvs.first() {
        None => Ok(Observed {
            value: None,
            mod_revision: 0,
        }),
        Some(kv) => {
            let rev = kv.mod_revision.as_deref().unwrap_or("0");
            let mod_revision = rev
                .parse::<i64>()
                .map_err(|_| format!("mod_revision {rev:?} is not an integer"))?;
            Ok(Observed {
                value: Some(decode_value(&kv.value)?),
                mod_revision,
            })
        }
    }
}

/// The keys of a pre-read, from its answer, in the order they were asked.
pub fn parse_pre_read(keys: &[&str], body: &[u8]) -> Result<Vec<Observed>, String> {
    let txn: TxnBody =
        serde_json::from_slice(body).map_err(|e| format!("unreadable txn response: {e}"))?;
    if !txn.succeeded {
        return Err("the read-only txn did not succeed".into());
    }
    (0..keys.len())
        .map(|i| range_at(&txn.responses, i))
        .collect()
}

/// Plans the Txn of a transaction; `observed` holds what the pre-read saw
/// of every appended key. An error says why the transaction cannot be sent.
pub fn plan(
    micro: &[Micro<'_>],
    observed: &HashMap<&str, Observed>,
    read_mode: ReadMode,
) -> Result<Plan, String> {
    // First and last write (append or w) of each key, and how it is written.
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut last: HashMap<&str, usize> = HashMap::new();
    let mut how: HashMap<&str, &str> = HashMap::new();
    for (i, m) in micro.iter().enumerate() {
        if m.f == READ {
            continue;
        }
        if let Some(prev) = how.insert(m.key, m.f)
            && prev != m.f
        {
            return Err(format!(
                "key {:?} is both appended to and written in one transaction",
                m.key
            ));
        }
        first.entry(m.key).or_insert(i);
        last.insert(m.key, i);
    }
    // The key's value as the transaction has made it so far.
    let mut current: HashMap<&str, Value> = HashMap::new();
    let mut compare = Vec::new();
    for (key, f) in &how {
        if *f != APPEND {
            continue;
        }
        let seen = observed
            .get(key)
            .ok_or_else(|| format!("key {key:?} was appended to but not read first"))?;
        let list = match &seen.value {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => {
                return Err(format!(
                    "key {key:?} holds {other}, not a list to append to"
                ));
            }
        };
        current.insert(key, Value::Array(list));
        compare.push(json!({
            "key": base64::encode(key.as_bytes()),
            "result": "EQUAL",
            "target": "MOD",
            "mod_revision": seen.mod_revision.to_string(),
        }));
    }
    // HashMap order is arbitrary; a stable order keeps requests reproducible.
    compare.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    let mut success = Vec::new();
    let mut answers = Vec::with_capacity(micro.len());
    for (i, m) in micro.iter().enumerate() {
        match m.f {
            APPEND | WRITE => {
                let now = if m.f == APPEND {
                    let mut list = match current.remove(m.key) {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    };
                    list.push(m.value.clone());
                    Value::Array(list)
                } else {
                    m.value.clone()
                };
                if last.get(m.key) == Some(&i) {
                    success.push(json!({ "request_put": {
                        "key": base64::encode(m.key.as_bytes()),
                        "value": encode_value(&now),
                    }}));
                }
                current.insert(m.key, now);
                answers.push(Answer::Echo);
            }
            _ => {
                let between = first.get(m.key).is_some_and(|&f| f < i)
                    && last.get(m.key).is_some_and(|&l| i < l);
                if between {
                    let own = current.get(m.key).cloned().unwrap_or(Value::Null);
                    answers.push(Answer::Own(own));
                } else {
                    answers.push(Answer::Range(success.len()));
                    success.push(range(m.key, read_mode));
                }
            }
        }
    }
    Ok(Plan {
        compare,
        success,
        answers,
    })
}

impl Plan {
    /// The Txn request body.
    pub fn body(&self) -> Value {
        json!({ "compare": self.compare, "success": self.success, "failure": [] })
    }

    /// True when the Txn only reads: etcd then serves it without a
    /// proposal, and an error leaves nothing behind.
    pub fn read_only(&self) -> bool {
        self.success
            .iter()
            .all(|r| r.get("request_range").is_some())
    }

    /// The committed transaction (reads filled in, an absent key as
    /// `storage` reads it), or `None` when the compare failed and nothing
    /// was applied.
    pub fn decode(
        &self,
        micro: &[Micro<'_>],
        body: &[u8],
        storage: Storage,
    ) -> Result<Option<Value>, String> {
        let txn: TxnBody =
            serde_json::from_slice(body).map_err(|e| format!("unreadable txn response: {e}"))?;
        if !txn.succeeded {
            return Ok(None);
        }
        let done = micro
            .iter()
            .zip(&self.answers)
            .map(|(m, a)| {
                Ok(match a {
                    Answer::Echo => json!([m.f, m.key, m.value]),
                    Answer::Own(v) => json!([m.f, m.key, v]),
                    Answer::Range(i) => {
                        let seen = range_at(&txn.responses, *i)?;
                        let v = storage.read_value(seen.value.unwrap_or(Value::Null));
                        json!([m.f, m.key, v])
                    }
                })
            })
            .collect::<Result<Vec<Value>, String>>()?;
        Ok(Some(Value::Array(done)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::txn::micro_ops;

    fn b64(s: &str) -> String {
        base64::encode(s.as_bytes())
    }

    fn kv(value: &str, rev: i64) -> Value {
        json!({"key": "x", "value": b64(value), "mod_revision": rev.to_string()})
    }

    #[test]
    fn reads_and_writes_are_one_txn_with_one_put_per_key() {
        let v = json!([
            ["r", "x", null],
            ["w", "x", 1],
            ["r", "x", null],
            ["w", "x", 2],
            ["r", "x", null],
            ["r", "y", null]
        ]);
        let micro = micro_ops(&v).unwrap();
        let p = plan(&micro, &HashMap::new(), ReadMode::Linearizable).unwrap();
        let body = p.body();
        assert_eq!(body["compare"], json!([]));
        let success = body["success"].as_array().unwrap();
        // range x, put x=2, range x, range y: the write of 1 is overwritten
        // within the transaction, so only the last is put.
        assert_eq!(success.len(), 4);
        assert_eq!(success[0]["request_range"]["key"], b64("x"));
        assert_eq!(success[1]["request_put"]["value"], b64("2"));
        assert_eq!(success[2]["request_range"]["key"], b64("x"));
        assert_eq!(success[3]["request_range"]["key"], b64("y"));
        assert!(!p.read_only());
        let answer = json!({"succeeded": true, "responses": [
            {"response_range": {"kvs": [kv("7", 3)]}},
            {"response_put": {}},
            {"response_range": {"kvs": [kv("2", 4)]}},
            {"response_range": {}},
        ]});
        let done = p
            .decode(&micro, answer.to_string().as_bytes(), Storage::Register)
            .unwrap()
            .unwrap();
        assert_eq!(
            done,
            json!([
                ["r", "x", 7],
                ["w", "x", 1],
                ["r", "x", 1],
                ["w", "x", 2],
                ["r", "x", 2],
                ["r", "y", null]
            ])
        );
    }

    #[test]
    fn appends_compare_revisions_and_put_whole_lists() {
        let v = json!([
            ["r", "x", null],
            ["append", "x", 5],
            ["r", "x", null],
            ["append", "x", 6],
            ["append", "y", 9],
            ["r", "x", null],
            ["r", "z", null]
        ]);
        let micro = micro_ops(&v).unwrap();
        assert_eq!(appended_keys(&micro), vec!["x", "y"]);
        let pre = pre_read_body(&["x", "y"], ReadMode::Serializable);
        assert_eq!(pre["success"][1]["request_range"]["key"], b64("y"));
        assert_eq!(pre["success"][1]["request_range"]["serializable"], true);
        let pre_answer = json!({"succeeded": true, "responses": [
            {"response_range": {"kvs": [kv("[1,2]", 8)]}},
            {"response_range": {}},
        ]});
        let seen = parse_pre_read(&["x", "y"], pre_answer.to_string().as_bytes()).unwrap();
        assert_eq!(seen[0].mod_revision, 8);
        assert_eq!(
            seen[1],
            Observed {
                value: None,
                mod_revision: 0
            }
        );
        let observed: HashMap<&str, Observed> = ["x", "y"].into_iter().zip(seen).collect();
        let p = plan(&micro, &observed, ReadMode::Linearizable).unwrap();
        let body = p.body();
        assert_eq!(
            body["compare"],
            json!([
                {"key": b64("x"), "result": "EQUAL", "target": "MOD", "mod_revision": "8"},
                {"key": b64("y"), "result": "EQUAL", "target": "MOD", "mod_revision": "0"},
            ])
        );
        let success = body["success"].as_array().unwrap();
        // range x (before the appends), put x, put y, range x, range z.
        assert_eq!(success.len(), 5);
        assert_eq!(success[1]["request_put"]["value"], b64("[1,2,5,6]"));
        assert_eq!(success[2]["request_put"]["value"], b64("[9]"));
        let answer = json!({"succeeded": true, "responses": [
            {"response_range": {"kvs": [kv("[1,2]", 8)]}},
            {"response_put": {}},
            {"response_put": {}},
            {"response_range": {"kvs": [kv("[1,2,5,6]", 9)]}},
            {"response_range": {}},
        ]});
        let done = p
            .decode(&micro, answer.to_string().as_bytes(), Storage::List)
            .unwrap()
            .unwrap();
        assert_eq!(
            done,
            json!([
                ["r", "x", [1, 2]],
                ["append", "x", 5],
                ["r", "x", [1, 2, 5]],
                ["append", "x", 6],
                ["append", "y", 9],
                ["r", "x", [1, 2, 5, 6]],
                ["r", "z", []]
            ])
        );
        // A failed compare: no `succeeded`, nothing applied.
        let failed = json!({"header": {"revision": "12"}});
        assert_eq!(
            p.decode(&micro, failed.to_string().as_bytes(), Storage::List),
            Ok(None)
        );
    }

    #[test]
    fn what_cannot_be_sent_is_named() {
        let v = json!([["append", "x", 1], ["w", "x", 2]]);
        let micro = micro_ops(&v).unwrap();
        let e = plan(&micro, &HashMap::new(), ReadMode::Linearizable).unwrap_err();
        assert!(e.contains("both appended to and written"), "{e}");
        let v = json!([["append", "x", 1]]);
        let micro = micro_ops(&v).unwrap();
        assert!(plan(&micro, &HashMap::new(), ReadMode::Linearizable).is_err());
        let not_a_list = HashMap::from([(
            "x",
            Observed {
                value: Some(json!(3)),
                mod_revision: 2,
            },
        )]);
        let e = plan(&micro, &not_a_list, ReadMode::Linearizable).unwrap_err();
        assert!(e.contains("not a list"), "{e}");
        let read_only = micro_ops(&json!([["r", "x", null]])).map(|m| {
            plan(&m, &HashMap::new(), ReadMode::Linearizable)
                .unwrap()
                .read_only()
        });
        assert_eq!(read_only, Ok(true));
        assert!(parse_pre_read(&["x"], b"nope").is_err());
        let short = json!({"succeeded": true, "responses": []});
        assert!(parse_pre_read(&["x"], short.to_string().as_bytes()).is_err());
    }
}
