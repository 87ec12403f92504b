//! The bank workload's operations as docs/DESIGN.md's `POST /txn`: the setup
//! writes every account, a transfer is two `add`s (the store aborts it if
//! the debit would go negative), a whole-bank read reads every account.

use super::outcome::{Classified, classify_response};
use crate::op::{Completion, Op};
use faultline_checkers::OpFn;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// True for operations sent as one transaction: the bank's unkeyed ones.
pub fn is_txn(op: &Op) -> bool {
    op.key.is_none() && matches!(op.f, OpFn::Read | OpFn::Write | OpFn::Transfer)
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

/// Classifies the answer to a transaction: 2xx is `ok` (a read's value
/// becomes the map account → balance), anything else as for any write
/// (409 aborted = `fail`, timeouts and 5xx = `info`; a 404 here is no read miss).
pub fn classify(op: &Op, status: u16, body: &[u8]) -> Classified {
    if !(200..300).contains(&status) {
        return classify_response(&OpFn::Txn, &op.value, status, body);
    }
    if op.f != OpFn::Read {
        return Completion::ok(op.value.clone()).into();
    }
    let results = match serde_json::from_slice::<TxnResults>(body) {
        Ok(r) => r.results,
        Err(e) => return Completion::info(format!("unreadable txn response: {e}")).into(),
    };
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
        let c = classify(&read, 200, ok).completion;
        assert_eq!(c, Completion::ok(json!({"a": 3, "b": null})));
        assert_eq!(classify(&read, 404, b"").completion.kind, EventType::Fail);
        assert_eq!(classify(&read, 200, b"x").completion.kind, EventType::Info);
        let t = transfer();
        assert_eq!(classify(&t, 200, b"{}").completion.value, t.value);
        let aborted = br#"{"error":"aborted"}"#;
        assert_eq!(classify(&t, 409, aborted).completion.kind, EventType::Fail);
        assert_eq!(classify(&t, 504, b"").completion.kind, EventType::Info);
    }
}
