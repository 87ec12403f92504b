//! Splitting a transaction's operations by the shard that owns each key,
//! and putting the shards' results back in the client's order.

use super::routing::shard_of;
use crate::kv::TxnOp;
use serde_json::Value;
use std::collections::BTreeMap;

/// One shard's share of a transaction: its ops and their positions in the
/// client's transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// The shard (0-based).
    pub shard: usize,
    /// Positions in the original transaction.
    pub positions: Vec<usize>,
    /// The ops, in their original relative order.
    pub ops: Vec<TxnOp>,
}

/// The shares of `ops` among `shards` shards, in shard order.
pub fn split(ops: Vec<TxnOp>, shards: usize) -> Vec<Share> {
    let mut by_shard: BTreeMap<usize, Share> = BTreeMap::new();
    for (pos, op) in ops.into_iter().enumerate() {
        let shard = shard_of(op.key(), shards);
        let share = by_shard.entry(shard).or_insert_with(|| Share {
            shard,
            positions: Vec::new(),
            ops: Vec::new(),
        });
        share.positions.push(pos);
        share.ops.push(op);
    }
    by_shard.into_values().collect()
}

/// The client's result list from each share's `results` array (as answered
/// by its shard); None if a shard answered fewer results than ops.
pub fn merge(shares: &[Share], answers: &[Value]) -> Option<Vec<Value>> {
    let total = shares.iter().map(|s| s.positions.len()).sum();
    let mut out = vec![Value::Null; total];
    for (share, answer) in shares.iter().zip(answers) {
        let results = answer["results"].as_array()?;
        if results.len() != share.positions.len() {
            return None;
        }
        for (&pos, r) in share.positions.iter().zip(results) {
            out[pos] = r.clone();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn split_then_merge_keeps_client_order() {
        let keys: Vec<String> = (0..6).map(|i| format!("acct{i}")).collect();
        let ops: Vec<TxnOp> = keys
            .iter()
            .map(|k| TxnOp::Read { key: k.clone() })
            .collect();
        let shares = split(ops, 2);
        assert!(shares.len() <= 2);
        let answers: Vec<Value> = shares
            .iter()
            .map(|s| {
                let results: Vec<Value> = s
                    .ops
                    .iter()
                    .map(|op| json!({"f": "read", "key": op.key(), "value": 1}))
                    .collect();
                json!({ "results": results })
            })
            .collect();
        let merged = merge(&shares, &answers).unwrap();
        let got: Vec<&str> = merged.iter().map(|r| r["key"].as_str().unwrap()).collect();
        assert_eq!(got, keys.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
