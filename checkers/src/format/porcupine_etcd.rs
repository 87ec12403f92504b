//! Porcupine's Jepsen etcd logs (see corpus/README.md): a single
//! cas-register, no timestamps (time = line number).

use super::Located;
use crate::history::{Event, EventType, FailReason, HistoryError, OpFn, ProcessId};
use serde_json::Value;

pub(crate) fn parse(text: &str, source: &str) -> Result<Located, HistoryError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let Some(pos) = line.find("jepsen.util - ") else {
            continue;
        };
        let rest = &line[pos + "jepsen.util - ".len()..];
        let mut fields = rest.split_whitespace();
        let (Some(proc_s), Some(type_s), Some(f_s)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let value_s: Vec<&str> = fields.collect();
        let value_s = value_s.join(" ");
        // Lines that are not operations (e.g. nemesis messages) match none of the patterns.
        let Ok(p) = proc_s.parse::<u64>() else {
            continue;
        };
        let kind = match type_s {
            ":invoke" => EventType::Invoke,
            ":ok" => EventType::Ok,
            ":fail" => EventType::Fail,
            ":info" => EventType::Info,
            _ => continue,
        };
        let f = match f_s {
            ":read" => OpFn::Read,
            ":write" => OpFn::Write,
            ":cas" => OpFn::Cas,
            _ => continue,
        };
        let err = |msg: String| HistoryError::new(source, lineno, msg);
        let (value, error) = if value_s == ":timed-out" {
            (Value::Null, Some("timed-out".to_string()))
        } else {
            let v = match f {
                OpFn::Cas => parse_cas(&value_s).ok_or_else(|| {
                    err(format!(
                        "expected a cas argument [from to], found {value_s:?}"
                    ))
                })?,
                _ => parse_scalar(&value_s)
                    .ok_or_else(|| err(format!("expected an integer or nil, found {value_s:?}")))?,
            };
            let error = (kind == EventType::Fail && f == OpFn::Cas)
                .then(|| FailReason::CasMismatch.to_string());
            (v, error)
        };
        out.push((
            Event {
                index: out.len() as u64,
                time: lineno as u64,
                process: ProcessId::Client(p),
                kind,
                f,
                key: None,
                value,
                node: None,
                error,
                detail: None,
            },
            lineno,
        ));
    }
    Ok(out)
}

fn parse_scalar(s: &str) -> Option<Value> {
    if s == "nil" {
        return Some(Value::Null);
    }
    s.parse::<i64>().ok().map(Value::from)
}

fn parse_cas(s: &str) -> Option<Value> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut parts = inner.split_whitespace();
    let a = parse_scalar(parts.next()?)?;
    let b = parse_scalar(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some(Value::Array(vec![a, b]))
}
