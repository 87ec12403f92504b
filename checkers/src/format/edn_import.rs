//! Jepsen/Knossos EDN histories: one map per event (optionally all inside one vector).
//!
//! Keeps Knossos's meaning: a read that returned `nil` constrains nothing (it is
//! turned into a `fail` read, which the checker drops). The keyword
//! `:faultline/absent`, which faultline's own export writes for null, is null
//! as an observed value: a read of it is a read of the absent key. Independent-key
//! histories (`:value [k v]` everywhere, no `:key`) are split into key + value.

use super::Located;
use super::edn_export::ABSENT;
use super::edn_value::{EdnValue, parse_edn_forms};
use super::txn_shape::{is_micro_ops, read_as_txns};
use crate::history::{Event, EventType, HistoryError, OpFn, ProcessId};

/// `error` given to reads that returned nil, which Knossos treats as unconstrained.
pub(crate) const NIL_READ: &str = "read returned nil: constrains nothing (Knossos semantics)";

/// Whether an EDN history's values are Jepsen independent `[key value]` tuples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Independence {
    /// Tuples when every client value is a pair and no event names a key
    /// (a cas only when its second element is a pair too).
    #[default]
    Auto,
    /// Always tuples: a value that is not a `[key value]` pair is an error.
    Independent,
    /// Never tuples: values are taken whole.
    Whole,
}

/// Parses an EDN history; the flag says whether values were split into key + value.
pub(crate) fn parse(
    text: &str,
    source: &str,
    independence: Independence,
) -> Result<(Located, bool), HistoryError> {
    let forms = parse_edn_forms(text)
        .map_err(|(line, msg)| HistoryError::new(source, line, format!("invalid EDN: {msg}")))?;
    let mut maps: Vec<(EdnValue, usize)> = Vec::new();
    for (form, line) in forms {
        match form {
            EdnValue::Vector(items) | EdnValue::List(items) => {
                maps.extend(items.into_iter().map(|m| (m, line)));
            }
            other => maps.push((other, line)),
        }
    }
    let mut events = Vec::with_capacity(maps.len());
    for (m, line) in &maps {
        events.push((to_event(m, source, *line, events.len())?, *line));
    }
    read_as_txns(&mut events);
    let split = match independence {
        Independence::Whole => false,
        Independence::Auto => looks_independent(&events),
        Independence::Independent => {
            require_tuples(&events, source)?;
            true
        }
    };
    if split {
        split_independent(&mut events);
    }
    for ((ev, _), (m, _)) in events.iter_mut().zip(&maps) {
        // Only a literal nil: an exported absent read is an observation.
        if ev.kind == EventType::Ok && ev.f == OpFn::Read && ev.value.is_null() && !names_absent(m)
        {
            ev.kind = EventType::Fail;
            ev.error = Some(NIL_READ.to_string());
        }
    }
    Ok((events, split))
}

fn to_event(m: &EdnValue, source: &str, line: usize, n: usize) -> Result<Event, HistoryError> {
    let err = |msg: String| HistoryError::new(source, line, msg);
    if !matches!(m, EdnValue::Map(_)) {
        return Err(err(
            "expected an EDN map {:process .. :type .. :f ..}".into()
        ));
    }
    let process = match m.get("process") {
        Some(EdnValue::Int(p)) if *p >= 0 => ProcessId::Client(*p as u64),
        Some(EdnValue::Keyword(k)) if k == "nemesis" => ProcessId::Nemesis,
        Some(other) => {
            return Err(err(format!(
                "expected :process to be a non-negative integer or :nemesis, found {other:?}"
            )));
        }
        None => {
            return Err(err(
                "missing :process; expected an integer or :nemesis".into()
            ));
        }
    };
    let kind = match m.get("type") {
        Some(EdnValue::Keyword(k)) => match k.as_str() {
            "invoke" => EventType::Invoke,
            "ok" => EventType::Ok,
            "fail" => EventType::Fail,
            "info" => EventType::Info,
            other => {
                return Err(err(format!(
                    "unknown :type :{other}; expected :invoke, :ok, :fail or :info"
                )));
            }
        },
        _ => {
            return Err(err(
                "missing or non-keyword :type; expected :invoke, :ok, :fail or :info".into(),
            ));
        }
    };
    let value = m.get("value").map_or(serde_json::Value::Null, value_json);
    let f = match m.get("f") {
        Some(EdnValue::Keyword(k)) | Some(EdnValue::Symbol(k)) | Some(EdnValue::Str(k)) => {
            match k.as_str() {
                "get" => OpFn::Read,
                "put" => OpFn::Write,
                other => OpFn::parse(other),
            }
        }
        // Elle's own histories may leave :f out: the micro-ops say what it is.
        None if is_micro_ops(&value) => OpFn::Txn,
        _ => {
            return Err(err(
                "missing :f; expected a keyword such as :read (a :value of micro-ops \
                 [[:r k v] [:append k v] ...] is read as a transaction without one)"
                    .into(),
            ));
        }
    };
    let key = match m.get("key") {
        None | Some(EdnValue::Nil) => None,
        Some(EdnValue::Str(s)) | Some(EdnValue::Keyword(s)) | Some(EdnValue::Symbol(s)) => {
            Some(s.clone())
        }
        Some(other) => Some(other.to_json().to_string()),
    };
    let int_field = |name: &str| match m.get(name) {
        Some(EdnValue::Int(i)) if *i >= 0 => Some(*i as u64),
        _ => None,
    };
    let error = match m.get("error") {
        None | Some(EdnValue::Nil) => None,
        Some(EdnValue::Str(s)) | Some(EdnValue::Keyword(s)) => Some(s.clone()),
        Some(other) => Some(other.to_json().to_string()),
    };
    Ok(Event {
        index: int_field("index").unwrap_or(n as u64),
        time: int_field("time").unwrap_or(line as u64),
        process,
        kind,
        f,
        key,
        value,
        node: None,
        error,
        detail: None,
    })
}

fn is_pair(v: &serde_json::Value) -> bool {
    matches!(v, serde_json::Value::Array(a) if a.len() == 2)
}

/// Jepsen's independent checker wraps every value as `[k v]`: true when all
/// client values are pairs and no event has a key. A guess, which `faultline
/// check` states and `--independent` / `--no-independent` override.
fn looks_independent(events: &[(Event, usize)]) -> bool {
    let mut clients = events
        .iter()
        .filter(|(e, _)| e.process != ProcessId::Nemesis)
        .peekable();
    // A cas's own value is a pair `[from to]`, so a cas is only a tuple when
    // its second element is a pair too (`[k [from to]]`): a history of cas
    // operations alone is otherwise taken for tuples and its values torn.
    // A plain read invoke has value nil, so a history with reads never
    // passes unless it is one of tuples.
    // A transaction's value is a list of micro-ops, and one of two
    // micro-ops is a pair too: transactions are never taken for tuples.
    clients.peek().is_some()
        && clients.all(|(e, _)| {
            e.key.is_none()
                && e.f != OpFn::Txn
                && is_pair(&e.value)
                && (e.f != OpFn::Cas || e.value.get(1).is_some_and(is_pair))
        })
}

/// With `--independent`, every client value must be a `[key value]` pair.
fn require_tuples(events: &[(Event, usize)], source: &str) -> Result<(), HistoryError> {
    for (e, line) in events
        .iter()
        .filter(|(e, _)| e.process != ProcessId::Nemesis)
    {
        if !is_pair(&e.value) {
            return Err(HistoryError::new(
                source,
                *line,
                format!(
                    "--independent: expected a [key value] tuple as :value, found {}",
                    e.value
                ),
            ));
        }
    }
    Ok(())
}

/// Splits every client value `[k v]` into key `k` and value `v`.
fn split_independent(events: &mut [(Event, usize)]) {
    for (e, _) in events.iter_mut() {
        if e.process == ProcessId::Nemesis {
            continue;
        }
        if let serde_json::Value::Array(a) = std::mem::take(&mut e.value) {
            let mut it = a.into_iter();
            let k = it.next().unwrap_or_default();
            e.key = Some(match k {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            e.value = it.next().unwrap_or_default();
        }
    }
}

/// `to_json`, with [`ABSENT`] as null.
fn value_json(v: &EdnValue) -> serde_json::Value {
    match v {
        EdnValue::Keyword(k) if k == ABSENT => serde_json::Value::Null,
        EdnValue::Vector(items) | EdnValue::List(items) => {
            serde_json::Value::Array(items.iter().map(value_json).collect())
        }
        other => other.to_json(),
    }
}

/// The map's value is [`ABSENT`], alone or as an independent `[k v]` tuple's `v`.
fn names_absent(m: &EdnValue) -> bool {
    let absent = |v: &EdnValue| matches!(v, EdnValue::Keyword(k) if k == ABSENT);
    match m.get("value") {
        Some(EdnValue::Vector(items)) | Some(EdnValue::List(items)) => {
            items.len() == 2 && absent(&items[1])
        }
        Some(v) => absent(v),
        None => false,
    }
}
