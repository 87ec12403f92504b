//! faultline's own format: one JSON event per line (docs/DESIGN.md "History").

use super::Located;
use crate::history::{Event, EventType, HistoryError, OpFn, ProcessId};
use serde::Deserialize;

/// A line as written, with the fields other tools may leave out made optional.
#[derive(Deserialize)]
struct RawEvent {
    index: Option<u64>,
    time: Option<u64>,
    process: ProcessId,
    #[serde(rename = "type")]
    kind: EventType,
    // Elle's histories may leave `f` out of transactions.
    #[serde(default)]
    f: Option<OpFn>,
    #[serde(default)]
    key: Option<serde_json::Value>,
    #[serde(default)]
    value: serde_json::Value,
    #[serde(default)]
    node: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// Parses JSONL; blank lines are skipped, missing `index`/`time` default to the event
/// number and the line number.
pub(crate) fn parse(text: &str, source: &str) -> Result<Located, HistoryError> {
    let mut out = Vec::new();
    // Keys are compared as text, so the number 1 and the string "1" would
    // silently become one key: each key text remembers whether it was a
    // string and where it was first seen, and a clash is refused.
    let mut key_kinds: rustc_hash::FxHashMap<String, (bool, usize)> = Default::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let raw: RawEvent = serde_json::from_str(trimmed).map_err(|e| {
            HistoryError::new(
                source,
                lineno,
                format!("expected a history event {{\"process\",\"type\",\"f\",...}}: {e}"),
            )
        })?;
        let key = match raw.key {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some((s, true)),
            Some(other) => Some((other.to_string(), false)),
        };
        let key = match key {
            None => None,
            Some((text, is_string)) => {
                let (was_string, first) =
                    *key_kinds.entry(text.clone()).or_insert((is_string, lineno));
                if was_string != is_string {
                    let show = |s: bool| if s { format!("{text:?}") } else { text.clone() };
                    return Err(HistoryError::new(
                        source,
                        lineno,
                        format!(
                            "key {} clashes with key {} on line {first}: a number key and a \
                             string key with the same text would be checked as one key; \
                             write every key as a string (or every one as a number)",
                            show(is_string),
                            show(was_string)
                        ),
                    ));
                }
                Some(text)
            }
        };
        let f = match raw.f {
            Some(f) => f,
            None if super::txn_shape::is_micro_ops(&raw.value) => OpFn::Txn,
            None => {
                return Err(HistoryError::new(
                    source,
                    lineno,
                    "missing \"f\"; expected a string such as \"read\" (a \"value\" of micro-ops \
                     [[\"r\",k,v],[\"append\",k,v],...] is read as a transaction without one)",
                ));
            }
        };
        let error = match raw.error {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        out.push((
            Event {
                index: raw.index.unwrap_or(out.len() as u64),
                time: raw.time.unwrap_or(lineno as u64),
                process: raw.process,
                kind: raw.kind,
                f,
                key,
                value: raw.value,
                node: raw.node,
                error,
                detail: None,
            },
            lineno,
        ));
    }
    Ok(out)
}
