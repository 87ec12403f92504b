//! The deterministic state machine every replica applies committed commands to.

use super::command::{Command, TxnOp};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The outcome of applying one command.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyResult {
    /// Took effect; the body to return to the client.
    Ok(Value),
    /// Definitely did not take effect (precondition failed); body to return.
    Conflict(Value),
}

/// The key-value map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KvState {
    map: BTreeMap<String, Value>,
}

impl KvState {
    /// A state from a map (e.g. a snapshot).
    pub fn from_map(map: BTreeMap<String, Value>) -> Self {
        KvState { map }
    }

    /// The whole map (for snapshots).
    pub fn map(&self) -> &BTreeMap<String, Value> {
        &self.map
    }

    /// The value of a key, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Applies a command and says what happened.
    pub fn apply(&mut self, cmd: &Command) -> ApplyResult {
        match cmd {
            Command::Noop => ApplyResult::Ok(Value::Null),
            Command::Put { key, value } => {
                self.map.insert(key.clone(), value.clone());
                ApplyResult::Ok(json!({"ok": true}))
            }
            Command::Cas { key, from, to } => {
                let current = self.map.get(key).cloned().unwrap_or(Value::Null);
                if &current == from {
                    self.map.insert(key.clone(), to.clone());
                    ApplyResult::Ok(json!({"ok": true}))
                } else {
                    ApplyResult::Conflict(json!({"error": "precondition_failed", "value": current}))
                }
            }
            Command::Append { key, value } => {
                let list = append_to(self.map.get(key), value);
                self.map.insert(key.clone(), list.clone());
                ApplyResult::Ok(json!({"value": list}))
            }
            Command::Txn { ops } => self.apply_txn(ops),
            Command::Lease {
                lock,
                stamp_ms,
                action,
            } => crate::lock::apply_lease(&mut self.map, lock, *stamp_ms, action),
            Command::FencedWrite {
                resource,
                write,
                fenced,
            } => crate::lock::apply_fenced_write(&mut self.map, resource, write, *fenced),
        }
    }

    /// Runs the transaction on a scratch copy of the touched keys and
    /// installs the writes only if every compare held.
    fn apply_txn(&mut self, ops: &[TxnOp]) -> ApplyResult {
        let mut scratch: BTreeMap<&str, Value> = BTreeMap::new();
        let mut results = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            match op {
                TxnOp::Read { key } => {
                    let v = current(&scratch, &self.map, key);
                    results.push(json!({"f": "read", "key": key, "value": v}));
                }
                TxnOp::Write { key, value } => {
                    scratch.insert(key, value.clone());
                    results.push(json!({"f": "write", "key": key, "value": value}));
                }
                TxnOp::Add { key, delta } => {
                    let v = current(&scratch, &self.map, key);
                    let sum = match &v {
                        Value::Null => Some(*delta),
                        other => other.as_i64().and_then(|n| n.checked_add(*delta)),
                    };
                    let Some(sum) = sum.filter(|s| *s >= 0) else {
                        return ApplyResult::Conflict(json!({
                            "error": "aborted", "op": i, "key": key, "value": v
                        }));
                    };
                    scratch.insert(key, json!(sum));
                    results.push(json!({"f": "add", "key": key, "value": sum}));
                }
                TxnOp::Cas { key, from, to } => {
                    let v = current(&scratch, &self.map, key);
                    if &v != from {
                        return ApplyResult::Conflict(json!({
                            "error": "aborted", "op": i, "key": key, "value": v
                        }));
                    }
                    scratch.insert(key, to.clone());
                    results.push(json!({"f": "cas", "key": key, "value": [from, to]}));
                }
            }
        }
        for (key, value) in scratch {
            self.map.insert(key.to_string(), value);
        }
        ApplyResult::Ok(json!({"results": results}))
    }
}

fn current(scratch: &BTreeMap<&str, Value>, map: &BTreeMap<String, Value>, key: &str) -> Value {
    scratch
        .get(key)
        .or_else(|| map.get(key))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A list with `value` appended; a non-list value becomes the first element,
/// so append never fails (the protocol has no definite failure for it).
fn append_to(existing: Option<&Value>, value: &Value) -> Value {
    let mut list = match existing {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    };
    list.push(value.clone());
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(k: &str, v: Value) -> Command {
        Command::Put {
            key: k.into(),
            value: v,
        }
    }

    #[test]
    fn put_then_get() {
        let mut s = KvState::default();
        assert_eq!(
            s.apply(&put("a", json!(1))),
            ApplyResult::Ok(json!({"ok": true}))
        );
        assert_eq!(s.get("a"), Some(&json!(1)));
        assert_eq!(s.get("b"), None);
    }

    #[test]
    fn cas_succeeds_only_on_match_and_reports_current() {
        let mut s = KvState::default();
        let cas = |from, to| Command::Cas {
            key: "k".into(),
            from,
            to,
        };
        // Absent compares equal to null.
        assert!(matches!(
            s.apply(&cas(Value::Null, json!(1))),
            ApplyResult::Ok(_)
        ));
        assert_eq!(
            s.apply(&cas(json!(2), json!(3))),
            ApplyResult::Conflict(json!({"error": "precondition_failed", "value": 1}))
        );
        assert!(matches!(
            s.apply(&cas(json!(1), json!(3))),
            ApplyResult::Ok(_)
        ));
        assert_eq!(s.get("k"), Some(&json!(3)));
    }

    #[test]
    fn append_builds_a_list() {
        let mut s = KvState::default();
        let app = |v| Command::Append {
            key: "l".into(),
            value: v,
        };
        s.apply(&app(json!(1)));
        assert_eq!(
            s.apply(&app(json!(2))),
            ApplyResult::Ok(json!({"value": [1, 2]}))
        );
    }

    #[test]
    fn txn_is_all_or_nothing() {
        let mut s = KvState::default();
        s.apply(&put("x", json!(1)));
        let aborted = Command::Txn {
            ops: vec![
                TxnOp::Write {
                    key: "y".into(),
                    value: json!(5),
                },
                TxnOp::Cas {
                    key: "x".into(),
                    from: json!(9),
                    to: json!(2),
                },
            ],
        };
        assert!(matches!(s.apply(&aborted), ApplyResult::Conflict(_)));
        assert_eq!(s.get("y"), None, "write of an aborted txn must not land");
        let ok = Command::Txn {
            ops: vec![
                TxnOp::Cas {
                    key: "x".into(),
                    from: json!(1),
                    to: json!(2),
                },
                TxnOp::Read { key: "x".into() },
            ],
        };
        match s.apply(&ok) {
            ApplyResult::Ok(body) => assert_eq!(body["results"][1]["value"], json!(2)),
            other => panic!("txn failed: {other:?}"),
        }
        assert_eq!(s.get("x"), Some(&json!(2)));
    }

    #[test]
    fn add_never_goes_below_zero() {
        let mut s = KvState::default();
        let add = |key: &str, delta: i64| TxnOp::Add {
            key: key.into(),
            delta,
        };
        let transfer = |amount: i64| Command::Txn {
            ops: vec![add("a", -amount), add("b", amount)],
        };
        s.apply(&Command::Txn {
            ops: vec![add("a", 10)],
        });
        assert!(matches!(s.apply(&transfer(4)), ApplyResult::Ok(_)));
        assert!(matches!(s.apply(&transfer(7)), ApplyResult::Conflict(_)));
        assert_eq!(s.get("a"), Some(&json!(6)));
        assert_eq!(s.get("b"), Some(&json!(4)));
        s.apply(&put("c", json!("text")));
        assert!(matches!(
            s.apply(&Command::Txn {
                ops: vec![add("c", 1)]
            }),
            ApplyResult::Conflict(_)
        ));
    }
}
