//! Writes histories as Jepsen/Knossos EDN so Knossos and Elle can re-check them.

use crate::history::{Event, EventType, ProcessId};
use serde_json::Value;
use std::fmt::Write;

/// Renders events as EDN, one map per line.
pub fn to_edn(events: &[Event]) -> String {
    let mut out = String::with_capacity(events.len() * 80);
    for e in events {
        out.push('{');
        let _ = write!(out, ":index {}, :time {}, ", e.index, e.time);
        match e.process {
            ProcessId::Client(p) => {
                let _ = write!(out, ":process {p}, ");
            }
            ProcessId::Nemesis => out.push_str(":process :nemesis, "),
        }
        let t = match e.kind {
            EventType::Invoke => "invoke",
            EventType::Ok => "ok",
            EventType::Fail => "fail",
            EventType::Info => "info",
        };
        let _ = write!(out, ":type :{t}, :f :{}", keyword_safe(e.f.as_str()));
        if let Some(k) = &e.key {
            out.push_str(", :key ");
            write_str(&mut out, k);
        }
        out.push_str(", :value ");
        write_value(&mut out, &e.value);
        if let Some(n) = &e.node {
            out.push_str(", :node ");
            write_str(&mut out, n);
        }
        if let Some(err) = &e.error {
            out.push_str(", :error ");
            write_str(&mut out, err);
        }
        out.push_str("}\n");
    }
    out
}

fn keyword_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_whitespace() || "{}[](),;\"".contains(c) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, ":{} ", keyword_safe(k));
                write_value(out, x);
            }
            out.push('}');
        }
    }
}
