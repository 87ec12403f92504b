//! Building the per-key view from paired operations.

use crate::history::{Event, HistoryError, OpFn, OpStatus, Operation, ProcessId, pair_operations};
use crate::model::Val;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Why a history cannot be viewed as registers.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The events do not pair up.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// An operation other than read, write or cas.
    #[error(
        "the operation invoked at event {op} is `{f}`; this checker understands read, write and cas histories only"
    )]
    NotRegister {
        /// Its invoke event's index.
        op: usize,
        /// Its function.
        f: String,
    },
    /// A cas whose value is not `[from, to]`.
    #[error("the operation invoked at event {op}: expected a cas value [from, to], found {value}")]
    BadCas {
        /// Its invoke event's index.
        op: usize,
        /// The value found.
        value: String,
    },
}

/// One operation on one key, reduced to what it saw and what it wrote.
#[derive(Debug, Clone)]
pub struct Access {
    /// What reports call the operation: its invoke event's index, which
    /// names it in the history file, and the same whether the history is
    /// checked whole or a batch of keys at a time (see `op_namer`).
    pub id: usize,
    /// Issuing process: the session.
    pub process: ProcessId,
    /// `read`, `write` or `cas`.
    pub f: OpFn,
    /// Value the operation certainly observed: an ok read's result, an ok cas's `from`.
    pub observed: Option<Val>,
    /// Value the operation installed, or may have installed if it crashed.
    pub written: Option<Val>,
    /// For a cas that may have run: the value it expected (installed over).
    pub cas_from: Option<Val>,
    /// Completed `ok` (acknowledged).
    pub acked: bool,
    /// Invocation time (ns since the start of the test).
    pub invoke_time: u64,
    /// Completion time, if the operation completed.
    pub complete_time: Option<u64>,
    /// The node that served it, where the history says.
    pub node: Option<String>,
}

/// A version of one key.
///
/// The initial state and a written `null` are both read as null, but they are
/// different versions: the initial one precedes every write, a delete is
/// ordered like any other write. Conflating them made a session that deleted
/// and then read null look as if it had gone back to before its own writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// Before any write: the key is absent.
    Initial,
    /// Installed by the write (or cas) of this value; `Val::Nil` is a delete.
    Written(Val),
}

impl Version {
    /// The value a read of this version returns.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Version::Initial => serde_json::Value::Null,
            Version::Written(v) => v.to_json(),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Version::Initial => f.write_str("nil"),
            // Told apart from the initial `nil` in witnesses.
            Version::Written(Val::Nil) => f.write_str("null"),
            Version::Written(v) => write!(f, "{v}"),
        }
    }
}

/// Every access to one key, in invocation order.
#[derive(Debug, Clone)]
pub struct KeyView {
    /// The key (`None` for an unkeyed history).
    pub key: Option<String>,
    /// Accesses in invocation order.
    pub accesses: Vec<Access>,
    /// Index into `accesses` of the operation that wrote each value.
    pub writer: FxHashMap<Val, usize>,
    /// Values written more than once: the key is then not checkable.
    pub duplicates: Vec<Val>,
}

impl KeyView {
    /// True when every written value is unique, so reads identify their write.
    pub fn unique(&self) -> bool {
        self.duplicates.is_empty()
    }

    /// The write of `null` (a delete), if the key has one: a read of null
    /// may then have seen it rather than the initial state.
    pub fn delete(&self) -> Option<&Access> {
        self.writer.get(&Val::Nil).map(|&i| &self.accesses[i])
    }

    /// Display form of the key.
    pub fn name(&self) -> String {
        crate::history::key_label(self.key.as_deref())
    }
}

/// A history as registers, key by key.
#[derive(Debug, Clone)]
pub struct RegisterView {
    /// One view per key, in key order.
    pub keys: Vec<KeyView>,
    /// The nemesis events' times, in history order (faults and heals).
    pub nemesis_times: Vec<u64>,
}

impl RegisterView {
    /// Pairs the events and splits them by key.
    pub fn build(events: &[Event]) -> Result<RegisterView, ViewError> {
        let ops = pair_operations(events, None, "<history>")?;
        let name = op_namer(events);
        let mut keys: BTreeMap<Option<String>, Vec<Access>> = BTreeMap::new();
        for op in &ops {
            let access = to_access(op, name(op), events)?;
            keys.entry(op.key.clone()).or_default().push(access);
        }
        let keys = keys
            .into_iter()
            .map(|(key, accesses)| {
                let mut writer = FxHashMap::default();
                let mut duplicates = Vec::new();
                for (i, a) in accesses.iter().enumerate() {
                    if let Some(v) = &a.written
                        && writer.insert(v.clone(), i).is_some()
                        && !duplicates.contains(v)
                    {
                        duplicates.push(v.clone());
                    }
                }
                KeyView {
                    key,
                    accesses,
                    writer,
                    duplicates,
                }
            })
            .collect();
        let nemesis_times = events
            .iter()
            .filter(|e| e.process == ProcessId::Nemesis)
            .map(|e| e.time)
            .collect();
        Ok(RegisterView {
            keys,
            nemesis_times,
        })
    }
}

fn to_access(op: &Operation, id: usize, events: &[Event]) -> Result<Access, ViewError> {
    let ok = op.status == OpStatus::Ok;
    let mut cas_from = None;
    let (observed, written) = match op.f {
        OpFn::Read => (ok.then(|| Val::from_json(&op.output)), None),
        OpFn::Write => (None, Some(Val::from_json(&op.value))),
        OpFn::Cas => {
            let (from, to) =
                crate::model::cas_args(&op.value).ok_or_else(|| ViewError::BadCas {
                    op: id,
                    value: op.value.to_string(),
                })?;
            if op.status != OpStatus::CasMismatch {
                cas_from = Some(from.clone());
            }
            match op.status {
                OpStatus::Ok => (Some(from), Some(to)),
                OpStatus::Crashed => (None, Some(to)),
                // The comparison failed: nothing installed, and "not `from`" names no write.
                OpStatus::CasMismatch => (None, None),
            }
        }
        _ => {
            return Err(ViewError::NotRegister {
                op: id,
                f: op.f.to_string(),
            });
        }
    };
    let node = op
        .complete_pos
        .and_then(|p| events.get(p))
        .and_then(|e| e.node.clone());
    Ok(Access {
        id,
        process: op.process,
        f: op.f.clone(),
        observed,
        written,
        cas_from,
        acked: ok,
        invoke_time: op.invoke_time,
        complete_time: op.complete_time,
        node,
    })
}

/// How the weaker models' reports name operations: by the index of the
/// invoke event when the history's indices tell its events apart (a
/// recorded run's always do), so that a name is the same in a batch of keys
/// as in the whole history; else by the invoke's position in `events`.
pub(crate) fn op_namer(events: &[Event]) -> impl Fn(&Operation) -> usize + '_ {
    let distinct = events.windows(2).all(|w| w[0].index < w[1].index);
    move |op| match events.get(op.invoke_pos) {
        Some(e) if distinct => usize::try_from(e.index).unwrap_or(usize::MAX),
        _ => op.invoke_pos,
    }
}
