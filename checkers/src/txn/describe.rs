//! Transactions, micro-ops and lists in words, the way reports show them.

use super::anomaly::TxnRef;
use super::history::{MicroOp, Seen, Txn, TxnHistory};
use super::values::{Elem, Key};
use std::fmt::Write;

/// Elements shown of a long list: its first and its last few.
const LIST_HEAD: usize = 3;
const LIST_TAIL: usize = 4;

/// `T<id>`.
pub(crate) fn t(id: usize) -> String {
    format!("T{id}")
}

/// A key's name.
pub(crate) fn key(h: &TxnHistory, k: Key) -> String {
    h.key_name(k).to_string()
}

/// A value's name.
pub(crate) fn val(h: &TxnHistory, e: Elem) -> String {
    h.value_name(e).to_string()
}

/// A register value, `nil` for the initial state.
pub(crate) fn reg(h: &TxnHistory, e: Option<Elem>) -> String {
    e.map_or_else(|| "nil".to_string(), |e| val(h, e))
}

/// A list as `[1 2 3]`, long ones as `[1 2 3 … 40 41 42 43] (43 elements)`.
pub(crate) fn list(h: &TxnHistory, l: &[Elem]) -> String {
    let mut s = String::from("[");
    let names = |s: &mut String, part: &[Elem]| {
        for (i, e) in part.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&val(h, *e));
        }
    };
    if l.len() <= LIST_HEAD + LIST_TAIL + 1 {
        names(&mut s, l);
        s.push(']');
    } else {
        names(&mut s, &l[..LIST_HEAD]);
        s.push_str(" … ");
        names(&mut s, &l[l.len() - LIST_TAIL..]);
        let _ = write!(s, "] ({} elements)", l.len());
    }
    s
}

/// A micro-op as `[append x 3]`, `[r x [1 2]]`, `[w x 4]`, `[r x 4]`.
pub(crate) fn micro_op(h: &TxnHistory, op: &MicroOp) -> String {
    match op {
        MicroOp::Append { key: k, elem } => format!("[append {} {}]", key(h, *k), val(h, *elem)),
        MicroOp::Write { key: k, elem } => format!("[w {} {}]", key(h, *k), val(h, *elem)),
        MicroOp::Read { key: k, seen } => {
            let v = match seen {
                Seen::Unknown => "nil".to_string(),
                Seen::List(l) => list(h, l),
                Seen::Value(v) => reg(h, *v),
            };
            format!("[r {} {v}]", key(h, *k))
        }
    }
}

/// The transaction as the report names it.
pub(crate) fn txn_ref(h: &TxnHistory, txn: &Txn) -> TxnRef {
    let ops: Vec<String> = txn.ops.iter().map(|o| micro_op(h, o)).collect();
    TxnRef {
        id: txn.id,
        index: txn.invoke_index,
        complete_index: txn.complete_index,
        process: txn.process,
        status: txn.status,
        ops: ops.join(" "),
    }
}
