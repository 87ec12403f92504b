//! Short human labels for operations and values, shared by the text and HTML renderers.

use crate::history::OpFn;
use crate::linearizability::OpView;
use serde_json::Value;

/// Longest value shown inline; longer ones are cut so one op stays on one line.
const MAX_VALUE_CHARS: usize = 40;

/// A value in compact JSON form, cut to a readable length (`nil` for null).
pub fn short_value(v: &Value) -> String {
    let s = match v {
        Value::Null => "nil".to_string(),
        other => other.to_string(),
    };
    truncate(&s, MAX_VALUE_CHARS)
}

/// Cuts `s` to at most `max` characters by dropping its middle: both ends
/// stay visible, and for growing values (appended strings, lists) the end is
/// where operations differ.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let head = keep / 3;
    let tail = keep - head;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}

/// `read → 3`, `write 4`, `cas [4,0]`, `append "x" (info)`: what the op did, without its process.
pub fn op_label(op: &OpView) -> String {
    let mut out = op.f.to_string();
    // A read's argument is meaningless (nil); everything else shows what was sent.
    if !op.value.is_null() && op.f != OpFn::Read {
        out.push(' ');
        out.push_str(&short_value(&op.value));
    }
    if op.complete_time.is_none() {
        out.push_str(" (info)");
    } else if op.f == OpFn::Cas && op.result.is_null() {
        // The checker keeps a failed compare-and-set (it observed another
        // value) with no result; a successful one echoes its argument.
        out.push_str(" → failed");
    } else if !op.result.is_null() && op.result != op.value {
        out.push_str(" → ");
        out.push_str(&short_value(&op.result));
    } else if op.f == OpFn::Read && op.result.is_null() {
        out.push_str(" → nil");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::ProcessId;
    use serde_json::json;

    fn op(f: OpFn, value: Value, result: Value, complete: Option<u64>) -> OpView {
        OpView {
            id: 0,
            process: ProcessId::Client(1),
            f,
            value,
            result,
            invoke_time: 0,
            invoke_index: 0,
            complete_time: complete,
            complete_index: complete,
            node: None,
        }
    }

    #[test]
    fn labels_show_argument_and_observed_result() {
        assert_eq!(
            op_label(&op(OpFn::Read, Value::Null, json!(3), Some(1))),
            "read → 3"
        );
        assert_eq!(
            op_label(&op(OpFn::Read, Value::Null, Value::Null, Some(1))),
            "read → nil"
        );
        assert_eq!(
            op_label(&op(OpFn::Write, json!(4), json!(4), Some(1))),
            "write 4"
        );
        assert_eq!(
            op_label(&op(OpFn::Cas, json!([4, 0]), Value::Null, None)),
            "cas [4,0] (info)"
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = json!("x".repeat(100));
        let s = short_value(&long);
        assert_eq!(s.chars().count(), MAX_VALUE_CHARS);
        assert!(s.starts_with("\"xxx"));
        assert!(s.contains('…'));
        assert!(s.ends_with("xx\""), "the end stays visible: {s}");
    }
}
