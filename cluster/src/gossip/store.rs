//! The last-write-wins map: every key carries the timestamp of the write that
//! set it, and a merge keeps whichever version has the greater timestamp.

use super::clock::Timestamp;
use crate::apply::ApplyResult;
use crate::kv::{Command, KvState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One key's value and the timestamp of the write that set it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versioned {
    /// The key.
    pub key: String,
    /// Its value.
    pub value: Value,
    /// When (and where) it was written.
    pub ts: Timestamp,
}

/// The node's local key-value state.
#[derive(Clone, Debug, Default)]
pub struct LwwStore {
    map: BTreeMap<String, (Value, Timestamp)>,
}

impl LwwStore {
    /// The value of a key, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).map(|(v, _)| v)
    }

    /// The timestamp of a key's current version.
    pub fn version(&self, key: &str) -> Option<&Timestamp> {
        self.map.get(key).map(|(_, ts)| ts)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key is present.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every key with its version, in key order.
    pub fn entries(&self) -> Vec<Versioned> {
        self.map
            .iter()
            .map(|(k, (v, ts))| Versioned {
                key: k.clone(),
                value: v.clone(),
                ts: ts.clone(),
            })
            .collect()
    }

    /// Keeps `entry` if it is newer than what the key holds; says whether it did.
    pub fn merge(&mut self, entry: &Versioned) -> bool {
        match self.map.get(&entry.key) {
            Some((_, ts)) if *ts >= entry.ts => false,
            _ => {
                self.map
                    .insert(entry.key.clone(), (entry.value.clone(), entry.ts.clone()));
                true
            }
        }
    }

    /// Runs a client command against the local state as a read-modify-write
    /// and keeps its result; see [`LwwStore::plan_local`].
    pub fn apply_local(&mut self, cmd: &Command, ts: &Timestamp) -> (ApplyResult, Vec<Versioned>) {
        let (result, changed) = self.plan_local(cmd, ts);
        for v in &changed {
            self.merge(v);
        }
        (result, changed)
    }

    /// What a client command does to the local state as a read-modify-write,
    /// without doing it: the client's answer and the new versions, each key
    /// it changes stamped with `ts` (to persist, then merge and gossip).
    pub fn plan_local(&self, cmd: &Command, ts: &Timestamp) -> (ApplyResult, Vec<Versioned>) {
        let keys = cmd.touched_keys();
        let before: BTreeMap<String, Value> = keys
            .iter()
            .filter_map(|k| self.get(k).map(|v| (k.to_string(), v.clone())))
            .collect();
        // The Raft state machine's semantics, run on just the touched keys.
        let mut scratch = KvState::from_map(before.clone());
        let result = scratch.apply(cmd);
        let blind_write = matches!(cmd, Command::Put { .. });
        let mut changed = Vec::new();
        for (key, value) in scratch.map() {
            if blind_write || before.get(key) != Some(value) {
                changed.push(Versioned {
                    key: key.clone(),
                    value: value.clone(),
                    ts: ts.clone(),
                });
            }
        }
        (result, changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::clock::HybridClock;
    use serde_json::json;

    fn ts(wall_us: u64, node: &str) -> Timestamp {
        Timestamp {
            wall_us,
            logical: 0,
            node: node.parse().unwrap(),
        }
    }

    fn entry(key: &str, value: Value, t: Timestamp) -> Versioned {
        Versioned {
            key: key.into(),
            value,
            ts: t,
        }
    }

    #[test]
    fn merge_keeps_the_greater_timestamp_in_any_order() {
        let older = entry("k", json!(1), ts(10, "n2"));
        let newer = entry("k", json!(2), ts(11, "n1"));
        let mut a = LwwStore::default();
        assert!(a.merge(&older));
        assert!(a.merge(&newer));
        let mut b = LwwStore::default();
        assert!(b.merge(&newer));
        assert!(
            !b.merge(&older),
            "an older version must not replace a newer one"
        );
        assert_eq!(a.get("k"), Some(&json!(2)));
        assert_eq!(a.entries(), b.entries());
    }

    #[test]
    fn merge_is_idempotent_and_ties_break_by_node() {
        let mut s = LwwStore::default();
        let from_n1 = entry("k", json!("a"), ts(5, "n1"));
        let from_n2 = entry("k", json!("b"), ts(5, "n2"));
        assert!(s.merge(&from_n2));
        assert!(!s.merge(&from_n2));
        assert!(!s.merge(&from_n1));
        assert_eq!(s.get("k"), Some(&json!("b")));
    }

    #[test]
    fn local_cas_and_append_are_stamped_read_modify_writes() {
        let mut clock = HybridClock::new("n1".parse().unwrap());
        let mut s = LwwStore::default();
        let put = Command::Put {
            key: "r".into(),
            value: json!(1),
        };
        let (_, changed) = s.apply_local(&put, &clock.tick_at(1));
        assert_eq!(changed.len(), 1);
        let failing = Command::Cas {
            key: "r".into(),
            from: json!(7),
            to: json!(8),
        };
        let (res, changed) = s.apply_local(&failing, &clock.tick_at(2));
        assert!(matches!(res, ApplyResult::Conflict(_)));
        assert!(changed.is_empty(), "a failed cas writes nothing");
        let cas = Command::Cas {
            key: "r".into(),
            from: json!(1),
            to: json!(2),
        };
        let t3 = clock.tick_at(3);
        let (res, changed) = s.apply_local(&cas, &t3);
        assert!(matches!(res, ApplyResult::Ok(_)));
        assert_eq!(changed, vec![entry("r", json!(2), t3.clone())]);
        assert_eq!(s.version("r"), Some(&t3));
        let app = Command::Append {
            key: "l".into(),
            value: json!(9),
        };
        s.apply_local(&app, &clock.tick_at(4));
        s.apply_local(&app, &clock.tick_at(5));
        assert_eq!(s.get("l"), Some(&json!([9, 9])));
    }

    #[test]
    fn concurrent_appends_on_two_nodes_keep_only_one_list() {
        // Last-write-wins on whole values: the point of the mode's anomalies.
        let (mut c1, mut c2) = (
            HybridClock::new("n1".parse().unwrap()),
            HybridClock::new("n2".parse().unwrap()),
        );
        let (mut s1, mut s2) = (LwwStore::default(), LwwStore::default());
        let app = |v| Command::Append {
            key: "l".into(),
            value: json!(v),
        };
        let (_, e1) = s1.apply_local(&app(1), &c1.tick_at(10));
        let (_, e2) = s2.apply_local(&app(2), &c2.tick_at(11));
        for e in &e2 {
            s1.merge(e);
        }
        for e in &e1 {
            s2.merge(e);
        }
        assert_eq!(s1.get("l"), Some(&json!([2])));
        assert_eq!(s1.entries(), s2.entries());
    }
}
