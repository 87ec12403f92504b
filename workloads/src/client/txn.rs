//! Transactions as docs/DESIGN.md's `POST /txn`. The bank's: the setup
//! writes every account, a transfer is two `add`s (the store aborts it if
//! the debit would go negative), a whole-bank read reads every account. The
//! list-append and rw-register workloads': each micro-operation is one op of
//! the request, and the answer's results fill in what the reads saw.

use super::outcome::{Classified, classify_response};
use crate::op::{Completion, Op};
use crate::workload::Storage;
use crate::workload::txn::{APPEND, READ, WRITE, micro_ops};
use faultline_checkers::OpFn;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// True for operations sent as one transaction: the bank's unkeyed ones and
/// the transactional workloads'.
pub fn is_txn(op: &Op) -> bool {
    op.key.is_none() && matches!(op.f, OpFn::Read | OpFn::Write | OpFn::Transfer | OpFn::Txn)
}

/// The `{"ops":[...]}` body for `op`, or why it has none.
pub fn body(op: &Op) -> Result<Value, String> {
    let ops: Vec<Value> = match op.f {
        OpFn::Write => op
            .value
            .as_object()
            .ok_or("the setup write needs a map of account to balance")?
            .iter()
            .map(|(k, v)| json!({"f": "write", "key": k, "value": v}))
            .collect(),
        OpFn::Read => op
            .value
            .as_array()
            .ok_or("a whole-bank read needs the list of accounts")?
            .iter()
            .map(|k| json!({"f": "read", "key": k}))
            .collect(),
        OpFn::Transfer => {
            let v = &op.value;
            let (Some(from), Some(to), Some(amount)) =
                (v["from"].as_str(), v["to"].as_str(), v["amount"].as_i64())
            else {
                return Err("a transfer needs {from, to, amount}".into());
            };
            vec![
                json!({"f": "add", "key": from, "delta": -amount}),
                json!({"f": "add", "key": to, "delta": amount}),
            ]
        }
        OpFn::Txn => micro_ops(&op.value)?
            .into_iter()
            .map(|m| match m.f {
                APPEND => json!({"f": "append", "key": m.key, "value": m.value}),
                WRITE => json!({"f": "write", "key": m.key, "value": m.value}),
                _ => json!({"f": "read", "key": m.key}),
            })
            .collect(),
        ref other => return Err(format!("`{other}` is not a transaction")),
    };
    Ok(json!({ "ops": ops }))
}

#[derive(Deserialize)]
struct TxnResults {
    results: Vec<TxnResult>,
}

#[derive(Deserialize)]
struct TxnResult {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Value,
}

/// The transaction as it committed: each read's `null` replaced by the
/// value its result carries, as `storage` reads it (an absent list is `[]`);
/// results come one per micro-operation, in order.
fn completed_txn(
    invoked: &Value,
    results: &[TxnResult],
    storage: Storage,
) -> Result<Value, String> {
    let micro = micro_ops(invoked)?;
    if micro.len() != results.len() {
        return Err(format!(
            "{} results for {} micro-operations",
            results.len(),
            micro.len()
        ));
    }
    let done = micro
        .iter()
        .zip(results)
        .map(|(m, r)| {
            if r.key.as_deref().is_some_and(|k| k != m.key) {
                return Err(format!(
                    "a result for key {:?} where {:?} was asked",
                    r.key, m.key
                ));
            }
            Ok(match m.f {
                READ => json!([m.f, m.key, storage.read_value(r.value.clone())]),
                _ => json!([m.f, m.key, m.value]),
            })
        })
        .collect::<Result<Vec<Value>, String>>()?;
    Ok(Value::Array(done))
}

/// Classifies the answer to a transaction: 2xx is `ok` (a read's value
/// becomes the map account → balance), anything else as for any write
/// (409 aborted = `fail`, timeouts and 5xx = `info`; a 404 here is no read miss).
pub fn classify(op: &Op, status: u16, body: &[u8], storage: Storage) -> Classified {
    if !(200..300).contains(&status) {
        return classify_response(&OpFn::Txn, &op.value, status, body);
    }
    if op.f != OpFn::Read && op.f != OpFn::Txn {
        return Completion::ok(op.value.clone()).into();
    }
    let results = match serde_json::from_slice::<TxnResults>(body) {
        Ok(r) => r.results,
        // The status first, so that a 2xx the client cannot read is told
        // apart from a timeout (the run's probe relies on it).
        Err(e) => {
            return Completion::info(format!("{status} with an unreadable txn response: {e}"))
                .into();
        }
    };
    if op.f == OpFn::Txn {
        return match completed_txn(&op.value, &results, storage) {
            Ok(value) => Completion::ok(value).into(),
            // It committed, but what it read is lost: unknown to a checker.
            Err(e) => {
                Completion::info(format!("{status} with an unreadable txn response: {e}")).into()
            }
        };
    }
    let mut balances = Map::new();
    for r in results {
        if let Some(k) = r.key {
            balances.insert(k, r.value);
        }
    }
    Completion::ok(Value::Object(balances)).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::EventType;

    fn transfer() -> Op {
        Op {
            f: OpFn::Transfer,
            key: None,
            value: json!({"from": "a", "to": "b", "amount": 5}),
        }
    }

    #[test]
    fn a_transfer_is_two_adds() {
        assert_eq!(
            body(&transfer()).unwrap(),
            json!({"ops": [
                {"f": "add", "key": "a", "delta": -5},
                {"f": "add", "key": "b", "delta": 5},
            ]})
        );
        let read = Op {
            f: OpFn::Read,
            key: None,
            value: json!(["a", "b"]),
        };
        assert_eq!(
            body(&read).unwrap(),
            json!({"ops": [{"f": "read", "key": "a"}, {"f": "read", "key": "b"}]})
        );
    }

    #[test]
    fn answers_map_to_completions() {
        let read = Op {
            f: OpFn::Read,
            key: None,
            value: json!(["a", "b"]),
        };
        let ok = br#"{"results":[{"f":"read","key":"a","value":3},{"f":"read","key":"b","value":null}]}"#;
        let c = classify(&read, 200, ok, Storage::Register).completion;
        assert_eq!(c, Completion::ok(json!({"a": 3, "b": null})));
        assert_eq!(
            classify(&read, 404, b"", Storage::Register).completion.kind,
            EventType::Fail
        );
        assert_eq!(
            classify(&read, 200, b"x", Storage::Register)
                .completion
                .kind,
            EventType::Info
        );
        let t = transfer();
        assert_eq!(
            classify(&t, 200, b"{}", Storage::Register).completion.value,
            t.value
        );
        let aborted = br#"{"error":"aborted"}"#;
        assert_eq!(
            classify(&t, 409, aborted, Storage::Register)
                .completion
                .kind,
            EventType::Fail
        );
        assert_eq!(
            classify(&t, 504, b"", Storage::Register).completion.kind,
            EventType::Info
        );
    }

    #[test]
    fn a_list_append_transaction_is_sent_whole_and_filled_in() {
        let op = Op {
            f: OpFn::Txn,
            key: None,
            value: json!([["append", "x", 3], ["r", "x", null], ["r", "y", null]]),
        };
        assert_eq!(
            body(&op).unwrap(),
            json!({"ops": [
                {"f": "append", "key": "x", "value": 3},
                {"f": "read", "key": "x"},
                {"f": "read", "key": "y"},
            ]})
        );
        let ok = br#"{"results":[{"f":"append","key":"x","value":3},{"f":"read","key":"x","value":[1,3]},{"f":"read","key":"y","value":null}]}"#;
        let c = classify(&op, 200, ok, Storage::List).completion;
        assert_eq!(
            c,
            Completion::ok(json!([
                ["append", "x", 3],
                ["r", "x", [1, 3]],
                ["r", "y", []]
            ]))
        );
        // rw-register: an absent register reads null.
        let rw = Op {
            f: OpFn::Txn,
            key: None,
            value: json!([["w", "x", 3], ["r", "y", null]]),
        };
        let ok = br#"{"results":[{"f":"write","key":"x","value":3},{"f":"read","key":"y","value":null}]}"#;
        assert_eq!(
            classify(&rw, 200, ok, Storage::Register).completion,
            Completion::ok(json!([["w", "x", 3], ["r", "y", null]]))
        );
        // Results that do not match the request leave the outcome unknown.
        let short = br#"{"results":[{"f":"write","key":"x","value":3}]}"#;
        assert_eq!(
            classify(&rw, 200, short, Storage::Register).completion.kind,
            EventType::Info
        );
        assert_eq!(
            classify(&rw, 409, br#"{"error":"aborted"}"#, Storage::Register)
                .completion
                .kind,
            EventType::Fail
        );
    }
}
