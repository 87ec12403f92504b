//! docs/DESIGN.md's `POST /txn` semantics over a [`Map`]: reads, writes and
//! adds that abort the whole transaction when a balance would go below zero.

use super::map::Map;
use serde_json::{Value, json};

/// Applies transaction operations to `m`; returns one result per
/// operation, or `None` when it aborted, and `m` is then unchanged.
/// Unknown or missing fields read as a read of key `""` rather than an
/// error: the fake store answers whatever a client sends.
pub(super) fn apply_txn(m: &mut Map, ops: &[Value]) -> Option<Vec<Value>> {
    // Applied to a copy first so that an abort halfway leaves `m` untouched.
    let mut scratch = m.clone();
    let mut results = Vec::new();
    for op in ops {
        let key = op["key"].as_str().unwrap_or_default().to_string();
        let current = scratch.get(&key).cloned().unwrap_or(Value::Null);
        let value = match op["f"].as_str() {
            Some("write") => op["value"].clone(),
            Some("add") => {
                let sum = current.as_i64().unwrap_or(0) + op["delta"].as_i64().unwrap_or(0);
                if sum < 0 {
                    return None;
                }
                json!(sum)
            }
            _ => {
                results.push(json!({"f": op["f"], "key": key, "value": current}));
                continue;
            }
        };
        scratch.insert(key.clone(), value.clone());
        results.push(json!({"f": op["f"], "key": key, "value": value}));
    }
    *m = scratch;
    Some(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_earlier_writes_of_the_same_transaction() {
        let mut m = Map::new();
        let ops = [
            json!({"f": "write", "key": "a", "value": 5}),
            json!({"f": "add", "key": "a", "delta": -2}),
            json!({"f": "read", "key": "a"}),
            json!({"f": "read", "key": "b"}),
        ];
        let results = apply_txn(&mut m, &ops).unwrap();
        let values: Vec<&Value> = results.iter().map(|r| &r["value"]).collect();
        assert_eq!(values, [&json!(5), &json!(3), &json!(3), &Value::Null]);
        assert_eq!(m["a"], json!(3));
    }

    #[test]
    fn an_add_below_zero_aborts_and_changes_nothing() {
        let mut m = Map::from([("a".to_string(), json!(1))]);
        let ops = [
            json!({"f": "write", "key": "b", "value": 9}),
            json!({"f": "add", "key": "a", "delta": -2}),
        ];
        assert_eq!(apply_txn(&mut m, &ops), None);
        assert_eq!(m, Map::from([("a".to_string(), json!(1))]));
    }
}
