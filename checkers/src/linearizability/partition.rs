//! Splits a history's operations by key (P-compositionality: a history is
//! linearizable iff each key's sub-history is).

use crate::history::{Operation, key_cmp};
use std::collections::BTreeMap;

/// Operations grouped by key (`None` for unkeyed operations), each group in
/// invocation order, keys in natural order (`k2` before `k10`).
pub(crate) fn by_key(ops: Vec<Operation>) -> Vec<(Option<String>, Vec<Operation>)> {
    let mut parts: BTreeMap<Option<String>, Vec<Operation>> = BTreeMap::new();
    for op in ops {
        parts.entry(op.key.clone()).or_default().push(op);
    }
    let mut parts: Vec<_> = parts.into_iter().collect();
    parts.sort_by(|(a, _), (b, _)| key_cmp(a, b));
    parts
}
