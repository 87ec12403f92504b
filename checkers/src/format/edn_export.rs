//! Writes histories as Jepsen/Knossos EDN so Knossos and Elle can re-check them.
//!
//! Knossos reads a `nil` read result as "returned nothing" and drops the
//! read, so a read of an absent key written as `nil` would lose the very
//! observation a verdict may rest on. The export therefore writes every null
//! register value (read results, written values, cas arguments) as the
//! keyword [`ABSENT`], with the register's initial value named in the file's
//! header comment; the importer maps the keyword back to null as an observed
//! value, so re-checking the export gives the same verdict.

use crate::history::{Event, EventType, OpFn, ProcessId};
use serde_json::Value;
use std::fmt::Write;

/// The keyword (without its colon) standing for null, the absent value, in
/// exported register values.
pub const ABSENT: &str = "faultline/absent";

/// Renders events as EDN, one map per line, after a header comment; the
/// history is taken to start from the absent initial value.
pub fn to_edn(events: &[Event]) -> String {
    to_edn_with_init(events, None)
}

/// As [`to_edn`], for a history checked from the initial value `init`
/// (`--init`; `None`: absent), which the header records.
pub fn to_edn_with_init(events: &[Event], init: Option<&Value>) -> String {
    let mut out = String::with_capacity(events.len() * 80 + 600);
    let mut init_edn = String::new();
    write_absent_or(&mut init_edn, init.unwrap_or(&Value::Null));
    let faultline_init = match init {
        None | Some(Value::Null) => "no --init (the default, absent)".to_string(),
        Some(v) => format!("--init '{v}'"),
    };
    let _ = write!(
        out,
        "; Exported by faultline as a Jepsen/Knossos history.\n\
         ; A null register value (the key absent: a read that found nothing, a delete,\n\
         ; a cas from or to nothing) is written :{ABSENT}, not nil, because Knossos\n\
         ; drops a nil read as unconstrained. The initial value is {init_edn}: check with\n\
         ; Knossos's (knossos.model/cas-register {init_edn}) (or register), or with\n\
         ; `faultline check` and {faultline_init}, which reads :{ABSENT} back as null.\n"
    );
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
        write_register_value(&mut out, e);
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

/// Writes an event's value, with the nulls that mean "absent" as [`ABSENT`].
///
/// A read's invocation (nothing read yet) and a read that did not complete
/// ok carry no observation and keep `nil`, as Knossos expects.
fn write_register_value(out: &mut String, e: &Event) {
    match (&e.f, e.kind, &e.value) {
        (OpFn::Read, EventType::Ok, v) | (OpFn::Write, _, v) => write_absent_or(out, v),
        (OpFn::Cas, _, Value::Array(a)) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_absent_or(out, x);
            }
            out.push(']');
        }
        (_, _, v) => write_value(out, v),
    }
}

fn write_absent_or(out: &mut String, v: &Value) {
    if v.is_null() {
        let _ = write!(out, ":{ABSENT}");
    } else {
        write_value(out, v);
    }
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
