//! Who wrote each value: values are unique per key in both transactional
//! workloads, so a read names its writer, and a value written twice is
//! refused as input the inference cannot use.

use super::describe;
use super::error::TxnError;
use super::history::{MicroOp, TxnHistory};
use super::values::{Elem, Key};
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

/// The writer of each `(key, value)`: (transaction id, micro-op index).
pub(crate) type Writers = FxHashMap<(Key, Elem), (u32, u32)>;

/// Finds the writer of each `(key, value)`.
/// `written` picks the writes out of the micro-ops (appends, or blind
/// writes); a second write of one value is an error naming both lines.
pub(crate) fn writers(
    h: &TxnHistory,
    source: &str,
    written: impl Fn(&MicroOp) -> Option<(Key, Elem)>,
) -> Result<Writers, TxnError> {
    let mut writer = Writers::default();
    for txn in &h.txns {
        for (i, op) in txn.ops.iter().enumerate() {
            let Some(kv) = written(op) else {
                continue;
            };
            match writer.entry(kv) {
                Entry::Occupied(first) => {
                    return Err(TxnError::DuplicateWrite {
                        file: source.to_string(),
                        line: txn.line,
                        first_line: h.txns[first.get().0 as usize].line,
                        key: describe::key(h, kv.0),
                        value: describe::val(h, kv.1),
                    });
                }
                Entry::Vacant(v) => {
                    v.insert((txn.id as u32, i as u32));
                }
            }
        }
    }
    Ok(writer)
}
