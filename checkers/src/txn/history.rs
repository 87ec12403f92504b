//! The transactional view of a history: each `txn` operation with its
//! outcome and its micro-ops, keys and values interned.
//!
//! A committed (`ok`) transaction's micro-ops are taken from its completion,
//! where the reads carry what they returned; an aborted (`fail`) or unknown
//! (`info`, or never completed) one's from its invocation, whose reads are
//! nil and say nothing.

use super::error::TxnError;
use super::values::{Elem, Interner, Key, Scalar};
use super::workload::TxnWorkload;
use crate::history::{Event, EventType, HistoryError, OpFn, ProcessId};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxnStatus {
    /// `ok`: committed, and its reads are known.
    Committed,
    /// `fail`: definitely not applied.
    Aborted,
    /// `info` or never completed: may or may not have been applied.
    Unknown,
}

impl TxnStatus {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TxnStatus::Committed => "committed",
            TxnStatus::Aborted => "aborted",
            TxnStatus::Unknown => "unknown",
        }
    }
}

/// What a read returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not known: the read of an invocation, or of a transaction that did not commit.
    Unknown,
    /// A list-append read: the whole list (nil reads as empty).
    List(Vec<Elem>),
    /// A register read: the value, `None` for nil (the initial state).
    Value(Option<Elem>),
}

/// One step of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MicroOp {
    /// `[append k v]`.
    Append {
        /// The key.
        key: Key,
        /// The element appended.
        elem: Elem,
    },
    /// `[w k v]`.
    Write {
        /// The key.
        key: Key,
        /// The value written.
        elem: Elem,
    },
    /// `[r k ...]`.
    Read {
        /// The key.
        key: Key,
        /// What it returned.
        seen: Seen,
    },
}

/// One transaction of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txn {
    /// Dense number, in invocation order, from 0.
    pub id: usize,
    /// Issuing process.
    pub process: ProcessId,
    /// How it ended.
    pub status: TxnStatus,
    /// Its micro-ops, in order.
    pub ops: Vec<MicroOp>,
    /// Position of the invocation among the events.
    pub invoke_pos: usize,
    /// Position of the `ok` completion, for committed transactions.
    pub complete_pos: Option<usize>,
    /// `index` of the invocation.
    pub invoke_index: u64,
    /// `index` of the completion, if any.
    pub complete_index: Option<u64>,
    /// Source line of the event its micro-ops were taken from.
    pub line: usize,
}

/// The transactions of a history and the names of their keys and values.
#[derive(Debug, Clone)]
pub struct TxnHistory {
    /// Every `txn` operation, in invocation order.
    pub txns: Vec<Txn>,
    /// Key names.
    pub keys: Interner,
    /// Value names.
    pub values: Interner,
    /// The workload, given or detected.
    pub workload: TxnWorkload,
    /// Client operations other than `txn`, left out.
    pub ignored_ops: usize,
}

impl TxnHistory {
    /// The name of a key.
    pub fn key_name(&self, k: Key) -> &Scalar {
        self.keys.name(k.0)
    }

    /// The name of a value.
    pub fn value_name(&self, e: Elem) -> &Scalar {
        self.values.name(e.0)
    }

    /// Reads the transactions of `events`; `lines[i]` is the source line of
    /// `events[i]` (position + 1 without it).
    pub fn from_events(
        events: &[Event],
        lines: Option<&[usize]>,
        source: &str,
        workload: Option<TxnWorkload>,
    ) -> Result<TxnHistory, TxnError> {
        let line_of = |i: usize| lines.and_then(|l| l.get(i).copied()).unwrap_or(i + 1);
        let workload = match workload {
            Some(w) => w,
            None => detect(events),
        };
        let mut parser = Parser {
            source,
            workload,
            keys: Interner::default(),
            values: Interner::default(),
        };
        let mut pending: FxHashMap<u64, usize> = FxHashMap::default();
        // (invoke position, transaction) so the result can be put in invocation order.
        let mut txns: Vec<Txn> = Vec::new();
        let mut ignored_ops = 0;
        for (pos, ev) in events.iter().enumerate() {
            let ProcessId::Client(p) = ev.process else {
                continue;
            };
            if ev.f != OpFn::Txn {
                if ev.kind == EventType::Invoke {
                    ignored_ops += 1;
                }
                continue;
            }
            let line = line_of(pos);
            match ev.kind {
                EventType::Invoke => {
                    if let Some(&prev) = pending.get(&p) {
                        return Err(HistoryError::new(
                            source,
                            line,
                            format!(
                                "process {p} invokes a txn while its txn at line {} has not completed; expected a completion first",
                                line_of(prev)
                            ),
                        )
                        .into());
                    }
                    pending.insert(p, pos);
                }
                EventType::Ok | EventType::Fail | EventType::Info => {
                    let Some(inv) = pending.remove(&p) else {
                        return Err(HistoryError::new(
                            source,
                            line,
                            format!(
                                "txn completion of process {p} without a preceding invoke; expected an invoke first"
                            ),
                        )
                        .into());
                    };
                    let invoke = &events[inv];
                    let (status, from, from_line) = match ev.kind {
                        // A committed transaction whose completion carries no
                        // micro-ops is read from its invocation (reads unknown).
                        EventType::Ok if ev.value.is_array() => (TxnStatus::Committed, ev, line),
                        EventType::Ok => (TxnStatus::Committed, invoke, line_of(inv)),
                        EventType::Fail => (TxnStatus::Aborted, invoke, line_of(inv)),
                        _ => (TxnStatus::Unknown, invoke, line_of(inv)),
                    };
                    let ops = parser.micro_ops(from, from_line, status == TxnStatus::Committed)?;
                    txns.push(Txn {
                        id: 0,
                        process: ev.process,
                        status,
                        ops,
                        invoke_pos: inv,
                        complete_pos: (status == TxnStatus::Committed).then_some(pos),
                        invoke_index: invoke.index,
                        complete_index: Some(ev.index),
                        line: from_line,
                    });
                }
            }
        }
        // Never completed: unknown, like info.
        let mut open: Vec<usize> = pending.into_values().collect();
        open.sort_unstable();
        for inv in open {
            let invoke = &events[inv];
            let ops = parser.micro_ops(invoke, line_of(inv), false)?;
            txns.push(Txn {
                id: 0,
                process: invoke.process,
                status: TxnStatus::Unknown,
                ops,
                invoke_pos: inv,
                complete_pos: None,
                invoke_index: invoke.index,
                complete_index: None,
                line: line_of(inv),
            });
        }
        txns.sort_by_key(|t| t.invoke_pos);
        for (id, t) in txns.iter_mut().enumerate() {
            t.id = id;
        }
        Ok(TxnHistory {
            txns,
            keys: parser.keys,
            values: parser.values,
            workload,
            ignored_ops,
        })
    }
}

/// List-append if any transaction appends or reads a list, else rw-register
/// if any writes or reads a scalar; list-append when nothing tells.
fn detect(events: &[Event]) -> TxnWorkload {
    let mut register = false;
    for ev in events.iter().filter(|e| e.f == OpFn::Txn) {
        let Some(ops) = ev.value.as_array() else {
            continue;
        };
        for op in ops {
            let Some(parts) = op.as_array() else {
                continue;
            };
            match parts.first().and_then(Value::as_str).map(fn_name) {
                Some("append") => return TxnWorkload::ListAppend,
                Some("r") if parts.get(2).is_some_and(Value::is_array) => {
                    return TxnWorkload::ListAppend;
                }
                Some("w") => register = true,
                Some("r") if parts.get(2).is_some_and(|v| !v.is_null()) => register = true,
                _ => {}
            }
        }
    }
    if register {
        TxnWorkload::RwRegister
    } else {
        TxnWorkload::ListAppend
    }
}

/// A micro-op's function without EDN's colon, in its short form.
fn fn_name(f: &str) -> &str {
    match f.strip_prefix(':').unwrap_or(f) {
        "read" => "r",
        "write" => "w",
        other => other,
    }
}

struct Parser<'a> {
    source: &'a str,
    workload: TxnWorkload,
    keys: Interner,
    values: Interner,
}

impl Parser<'_> {
    fn micro_ops(
        &mut self,
        ev: &Event,
        line: usize,
        reads_known: bool,
    ) -> Result<Vec<MicroOp>, TxnError> {
        let shape = |message: String| TxnError::Shape {
            file: self.source.to_string(),
            line,
            index: ev.index,
            message,
        };
        let list = match &ev.value {
            Value::Array(a) => a,
            // An unknown transaction recorded without its micro-ops did nothing we can see.
            Value::Null if !reads_known => return Ok(Vec::new()),
            other => {
                return Err(shape(format!(
                    "expected a list of micro-ops such as [[\"append\", k, v], [\"r\", k, null]], found {other}"
                )));
            }
        };
        let mut ops = Vec::with_capacity(list.len());
        for (i, op) in list.iter().enumerate() {
            let parts = op.as_array().filter(|p| p.len() == 2 || p.len() == 3);
            let Some(parts) = parts else {
                return Err(shape(format!(
                    "micro-op {i} is {op}; expected [f key value] with f append, r or w"
                )));
            };
            let f = parts[0].as_str().map(fn_name).unwrap_or("");
            let key = self.scalar_key(&parts[1]).ok_or_else(|| {
                shape(format!(
                    "micro-op {i} has key {}; expected a string or number",
                    parts[1]
                ))
            })?;
            let arg = parts.get(2).unwrap_or(&Value::Null);
            let wrong_workload = |found: &str| TxnError::MixedWorkloads {
                file: self.source.to_string(),
                line,
                found: found.to_string(),
                workload: self.workload,
            };
            let op = match f {
                "append" | "w" => {
                    let expected = if f == "append" {
                        TxnWorkload::ListAppend
                    } else {
                        TxnWorkload::RwRegister
                    };
                    if expected != self.workload {
                        return Err(wrong_workload(f));
                    }
                    if !is_scalar(arg) {
                        return Err(shape(format!(
                            "micro-op {i} {f}s {arg}; expected a string or number"
                        )));
                    }
                    let elem = Elem(self.values.intern(Scalar::from_json(arg)));
                    if f == "append" {
                        MicroOp::Append { key, elem }
                    } else {
                        MicroOp::Write { key, elem }
                    }
                }
                "r" => {
                    let seen = if !reads_known {
                        Seen::Unknown
                    } else {
                        self.seen(arg).ok_or_else(|| match self.workload {
                            TxnWorkload::ListAppend => shape(format!(
                                "micro-op {i} read {arg}; a list-append read returns a list of strings or numbers (or nil)"
                            )),
                            TxnWorkload::RwRegister => shape(format!(
                                "micro-op {i} read {arg}; a register read returns a string, a number or nil"
                            )),
                        })?
                    };
                    MicroOp::Read { key, seen }
                }
                _ => {
                    return Err(shape(format!(
                        "micro-op {i} has function {}; expected append, r or w",
                        parts[0]
                    )));
                }
            };
            ops.push(op);
        }
        Ok(ops)
    }

    fn scalar_key(&mut self, v: &Value) -> Option<Key> {
        is_scalar(v).then(|| Key(self.keys.intern(Scalar::from_json(v))))
    }

    fn seen(&mut self, v: &Value) -> Option<Seen> {
        match (self.workload, v) {
            (TxnWorkload::ListAppend, Value::Null) => Some(Seen::List(Vec::new())),
            (TxnWorkload::ListAppend, Value::Array(items)) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    if !is_scalar(item) {
                        return None;
                    }
                    list.push(Elem(self.values.intern(Scalar::from_json(item))));
                }
                Some(Seen::List(list))
            }
            (TxnWorkload::RwRegister, Value::Null) => Some(Seen::Value(None)),
            (TxnWorkload::RwRegister, v) if is_scalar(v) => Some(Seen::Value(Some(Elem(
                self.values.intern(Scalar::from_json(v)),
            )))),
            _ => None,
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Number(_) | Value::String(_))
}
