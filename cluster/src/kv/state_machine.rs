//! The deterministic state machine every replica applies committed commands to.

use super::command::{Command, TxnOp};
use super::txn_table::{Outcome, PreparedTxn, TxnTable};
use crate::apply::ApplyResult;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The key-value map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KvState {
    map: BTreeMap<String, Value>,
    txns: TxnTable,
}

impl KvState {
    /// A state from a map (e.g. a snapshot).
    pub fn from_map(map: BTreeMap<String, Value>) -> Self {
        KvState {
            map,
            txns: TxnTable::default(),
        }
    }

    /// The value at `key` as a prepared, undecided transaction would leave
    /// it, else as applied: what a read that ignores 2PC locks sees (the
    /// `dirty-reads` bug).
    pub fn dirty_get(&self, key: &str) -> Value {
        self.txns
            .prepared
            .values()
            .find_map(|p| p.writes.get(key).cloned())
            .or_else(|| self.map.get(key).cloned())
            .unwrap_or(Value::Null)
    }

    /// A state from a map and the two-phase-commit table (a snapshot).
    pub fn from_parts(map: BTreeMap<String, Value>, txns: TxnTable) -> Self {
        KvState { map, txns }
    }

    /// Prepared and finished two-phase-commit transactions.
    pub fn txns(&self) -> &TxnTable {
        &self.txns
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
        if let Some(conflict) = self.lock_conflict(cmd) {
            return conflict;
        }
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
            Command::Txn { ops } => match self.evaluate(ops) {
                Ok(Evaluated { writes, results }) => {
                    self.map.extend(writes);
                    ApplyResult::Ok(json!({"results": results}))
                }
                Err(conflict) => conflict,
            },
            Command::Prepare {
                txid,
                coordinator,
                ops,
            } => self.prepare(txid, coordinator, ops),
            Command::Commit { txid } => self.finish(txid, Outcome::Commit),
            Command::Abort { txid } => self.finish(txid, Outcome::Abort),
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

    /// A single-key command or plain transaction touching a key that a
    /// prepared transaction holds fails definitely: letting it through
    /// could change a value the prepared transaction already read or voted on.
    fn lock_conflict(&self, cmd: &Command) -> Option<ApplyResult> {
        let (key, holder) = match cmd {
            Command::Put { key, .. } | Command::Cas { key, .. } | Command::Append { key, .. } => {
                self.txns.first_locked([key.as_str()], None)?
            }
            Command::Txn { ops } => self.txns.first_locked(ops.iter().map(TxnOp::key), None)?,
            Command::Prepare { txid, ops, .. } => self
                .txns
                .first_locked(ops.iter().map(TxnOp::key), Some(txid))?,
            // Lock commands touch only the lock service's reserved keys,
            // which no transaction can name.
            Command::Noop
            | Command::Commit { .. }
            | Command::Abort { .. }
            | Command::Lease { .. }
            | Command::FencedWrite { .. } => return None,
        };
        Some(ApplyResult::Locked(
            json!({"error": "locked", "key": key, "txid": holder}),
        ))
    }

    /// Phase one: vote yes (lock and remember the writes) if every op can
    /// apply, no otherwise. A re-sent prepare gets the same yes.
    fn prepare(&mut self, txid: &str, coordinator: &str, ops: &[TxnOp]) -> ApplyResult {
        if let Some(p) = self.txns.prepared.get(txid) {
            return ApplyResult::Ok(json!({"vote": "yes", "results": p.results}));
        }
        if let Some(outcome) = self.txns.finished.get(txid) {
            // A late or duplicated prepare after the decision: voting again
            // would lock keys for a transaction that is already over.
            return ApplyResult::Conflict(
                json!({"error": "aborted", "reason": "finished", "outcome": outcome}),
            );
        }
        match self.evaluate(ops) {
            Ok(Evaluated { writes, results }) => {
                self.txns.prepared.insert(
                    txid.to_string(),
                    PreparedTxn {
                        coordinator: coordinator.to_string(),
                        keys: ops.iter().map(|op| op.key().to_string()).collect(),
                        writes: writes.into_iter().collect(),
                        results: results.clone(),
                    },
                );
                ApplyResult::Ok(json!({"vote": "yes", "results": results}))
            }
            Err(conflict) => {
                self.txns.finished.insert(txid.to_string(), Outcome::Abort);
                conflict
            }
        }
    }

    /// Phase two: apply the decision once; re-deliveries are acknowledged
    /// and change nothing.
    fn finish(&mut self, txid: &str, outcome: Outcome) -> ApplyResult {
        if let Some(done) = self.txns.finished.get(txid) {
            return ApplyResult::Ok(json!({"ok": true, "outcome": done}));
        }
        if let Some(p) = self.txns.prepared.remove(txid)
            && outcome == Outcome::Commit
        {
            self.map.extend(p.writes);
        }
        self.txns.finished.insert(txid.to_string(), outcome);
        ApplyResult::Ok(json!({"ok": true, "outcome": outcome}))
    }

    /// Runs the ops on a scratch copy of the touched keys: the writes to
    /// install and the per-op results, or the conflict if a compare failed.
    fn evaluate(&self, ops: &[TxnOp]) -> Result<Evaluated, ApplyResult> {
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
                        return Err(ApplyResult::Conflict(json!({
                            "error": "aborted", "op": i, "key": key, "value": v
                        })));
                    };
                    scratch.insert(key, json!(sum));
                    results.push(json!({"f": "add", "key": key, "value": sum}));
                }
                TxnOp::Cas { key, from, to } => {
                    let v = current(&scratch, &self.map, key);
                    if &v != from {
                        return Err(ApplyResult::Conflict(json!({
                            "error": "aborted", "op": i, "key": key, "value": v
                        })));
                    }
                    scratch.insert(key, to.clone());
                    results.push(json!({"f": "cas", "key": key, "value": [from, to]}));
                }
                TxnOp::Append { key, value } => {
                    let v = current(&scratch, &self.map, key);
                    scratch.insert(key, append_to(Some(&v), value));
                    results.push(json!({"f": "append", "key": key, "value": value}));
                }
            }
        }
        let writes = scratch
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Ok(Evaluated { writes, results })
    }
}

/// A transaction run on scratch: what it would write and what it returns.
struct Evaluated {
    writes: Vec<(String, Value)>,
    results: Vec<Value>,
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

    fn prepare(txid: &str, ops: Vec<TxnOp>) -> Command {
        Command::Prepare {
            txid: txid.into(),
            coordinator: "c1".into(),
            ops,
        }
    }

    fn add(key: &str, delta: i64) -> TxnOp {
        TxnOp::Add {
            key: key.into(),
            delta,
        }
    }

    #[test]
    fn prepare_locks_until_commit_then_installs_once() {
        let mut s = KvState::default();
        s.apply(&put("a", json!(10)));
        let yes = s.apply(&prepare(
            "t1",
            vec![add("a", -3), TxnOp::Read { key: "b".into() }],
        ));
        assert_eq!(
            yes,
            ApplyResult::Ok(json!({"vote": "yes", "results": [
                {"f": "add", "key": "a", "value": 7},
                {"f": "read", "key": "b", "value": null}
            ]}))
        );
        assert_eq!(s.get("a"), Some(&json!(10)), "prepare must not install");
        // Locked keys, also read-only ones, refuse other writers definitely.
        assert!(matches!(
            s.apply(&put("a", json!(1))),
            ApplyResult::Locked(_)
        ));
        assert!(matches!(
            s.apply(&put("b", json!(1))),
            ApplyResult::Locked(_)
        ));
        assert!(matches!(
            s.apply(&prepare("t2", vec![add("a", 1)])),
            ApplyResult::Locked(_)
        ));
        // A re-sent prepare gets the same vote.
        assert_eq!(s.apply(&prepare("t1", vec![add("a", -3)])), yes);
        let commit = Command::Commit { txid: "t1".into() };
        assert!(matches!(s.apply(&commit), ApplyResult::Ok(_)));
        assert_eq!(s.get("a"), Some(&json!(7)));
        // Re-delivered commit and a late prepare change nothing.
        assert!(matches!(s.apply(&commit), ApplyResult::Ok(_)));
        assert!(matches!(
            s.apply(&prepare("t1", vec![add("a", -3)])),
            ApplyResult::Conflict(_)
        ));
        assert!(matches!(s.apply(&commit), ApplyResult::Ok(_)));
        assert_eq!(s.get("a"), Some(&json!(7)));
        assert!(s.txns().prepared.is_empty());
        assert!(matches!(s.apply(&put("a", json!(8))), ApplyResult::Ok(_)));
    }

    #[test]
    fn abort_unlocks_and_installs_nothing() {
        let mut s = KvState::default();
        s.apply(&put("a", json!(5)));
        assert!(matches!(
            s.apply(&prepare("t1", vec![add("a", -5)])),
            ApplyResult::Ok(_)
        ));
        let abort = Command::Abort { txid: "t1".into() };
        assert!(matches!(s.apply(&abort), ApplyResult::Ok(_)));
        assert!(matches!(s.apply(&abort), ApplyResult::Ok(_)));
        assert!(matches!(
            s.apply(&Command::Commit { txid: "t1".into() }),
            ApplyResult::Ok(_)
        ));
        assert_eq!(
            s.get("a"),
            Some(&json!(5)),
            "an aborted txn must not commit later"
        );
        assert!(s.txns().locked_by("a").is_none());
    }

    #[test]
    fn prepare_votes_no_below_zero_and_holds_no_lock() {
        let mut s = KvState::default();
        s.apply(&put("a", json!(2)));
        assert!(matches!(
            s.apply(&prepare("t1", vec![add("a", -3)])),
            ApplyResult::Conflict(_)
        ));
        assert!(s.txns().prepared.is_empty());
        assert_eq!(s.txns().finished.get("t1"), Some(&Outcome::Abort));
        assert!(matches!(s.apply(&put("a", json!(3))), ApplyResult::Ok(_)));
    }
}
