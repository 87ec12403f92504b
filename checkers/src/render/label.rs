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

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
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
        assert!(s.ends_with('…'));
    }
}
