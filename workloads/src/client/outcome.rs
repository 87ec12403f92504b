//! The mapping from HTTP responses and transport errors to completions.
//!
//! This is the one place that decides whether an operation definitely took
//! effect (`ok`), definitely did not (`fail`), or might have (`info`). Getting
//! it wrong in the `fail` direction makes the checker report false anomalies,
//! so anything uncertain is `info`.

use crate::op::Completion;
use faultline_checkers::{FailReason, OpFn};
use serde::Deserialize;
use serde_json::Value;

/// A completion plus the leader a `503 not_leader` pointed at, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// What happened to the operation.
    pub completion: Completion,
    /// The leader URL from a `not_leader` answer.
    pub leader_hint: Option<String>,
}

impl From<Completion> for Classified {
    fn from(completion: Completion) -> Self {
        Classified {
            completion,
            leader_hint: None,
        }
    }
}

/// A read's answer: `{"value": v}`. The field must be there: a body
/// without it is not a read of `null` (the absent key), it is an answer the
/// protocol does not know.
#[derive(Deserialize)]
struct ValueBody {
    value: Value,
}

/// The body of a granted acquire: `{"token": t, ...}`.
#[derive(Deserialize)]
struct TokenBody {
    token: u64,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    leader: Option<String>,
}

/// Classifies a response with `status` and `body` to operation `f` with argument `arg`.
///
/// - 2xx: `ok` only with what the protocol promises: a read's value from
///   `{"value":v}`, an acquire's from `{"token":t}`; any other operation
///   `{"ok":true}` (appends also `{"value":[...]}`). A 2xx
///   without it (`200 {"error":"unknown command"}`) is `info` with the body
///   kept: the store answered something faultline cannot read as success.
/// - 404 on a read: `ok` with `null` (absent).
/// - 409: `fail`; on a cas the comparison failed (`cas-mismatch`, an
///   observation), otherwise by the body's `error`: `aborted`, `held`/`locked`
///   (`locked`), anything else `rejected`.
/// - 408: `info` (the server gave up; the request may still apply).
/// - other 4xx: `fail`, `rejected` before taking effect.
/// - 503 `{"error":"not_leader"}`: `fail`, `not-leader`, with the leader hint.
/// - 503 `{"error":"no_quorum"}`: `fail`, `unavailable` (gave up before proposing it).
/// - other 5xx, 1xx, 3xx: `info`.
pub fn classify_response(f: &OpFn, arg: &Value, status: u16, body: &[u8]) -> Classified {
    let is_read = *f == OpFn::Read;
    match status {
        200..=299 if is_read => match serde_json::from_slice::<ValueBody>(body) {
            Ok(b) => Completion::ok(b.value).into(),
            Err(e) => Completion::info(format!(
                "{status} without {{\"value\": ...}} ({e}): {}",
                body_text(body)
            ))
            .into(),
        },
        200..=299 if *f == OpFn::Acquire => match serde_json::from_slice::<TokenBody>(body) {
            Ok(b) => Completion::ok(Value::from(b.token)).into(),
            Err(e) => Completion::info(format!("unreadable acquire response: {e}")).into(),
        },
        200..=299 if acknowledges(f, body) => Completion::ok(arg.clone()).into(),
        200..=299 => Completion::info(format!(
            "{status} without {} in the body: {}",
            promised_body(f),
            body_text(body)
        ))
        .into(),
        404 if is_read => Completion::ok(Value::Null).into(),
        409 => Completion::fail(conflict_reason(f, body), error_text(status, body)).into(),
        408 => Completion::info(error_text(status, body)).into(),
        400..=499 => Completion::fail(FailReason::Rejected, error_text(status, body)).into(),
        503 => match serde_json::from_slice::<ErrorBody>(body) {
            Ok(ErrorBody {
                error: Some(e),
                leader,
            }) if e == "not_leader" => Classified {
                completion: Completion::fail(FailReason::NotLeader, error_text(status, body)),
                leader_hint: leader.filter(|l| !l.is_empty()),
            },
            // A leaderless store that gave up before proposing anything.
            Ok(ErrorBody { error: Some(e), .. }) if e == "no_quorum" => {
                Completion::fail(FailReason::Unavailable, error_text(status, body)).into()
            }
            _ => Completion::info(error_text(status, body)).into(),
        },
        _ => Completion::info(error_text(status, body)).into(),
    }
}

/// What a transport error means for the operation.
///
/// A connection that could not be established carried no request, so the
/// operation definitely did not happen; anything later (timeout, reset,
/// truncated body) leaves it unknown.
pub fn classify_transport_error(connect_failed: bool, timed_out: bool, text: &str) -> Completion {
    if connect_failed {
        Completion::fail(FailReason::Refused, format!("connect: {text}"))
    } else if timed_out {
        Completion::info("timeout")
    } else {
        Completion::info(format!("transport: {text}"))
    }
}

/// Whether a 2xx body says what the protocol promises for a success of `f`.
fn acknowledges(f: &OpFn, body: &[u8]) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    map.get("ok") == Some(&Value::Bool(true))
        || (matches!(f, OpFn::Append | OpFn::Add | OpFn::Incr) && map.contains_key("value"))
}

/// What a success of `f` carries, for messages.
pub fn promised_body(f: &OpFn) -> &'static str {
    match f {
        OpFn::Read => "{\"value\": ...}",
        OpFn::Acquire => "{\"token\": ...}",
        OpFn::Append | OpFn::Add | OpFn::Incr => "{\"ok\": true} or {\"value\": [...]}",
        OpFn::Txn => "{\"results\": [...]} (a store description: its [txn] results)",
        _ => "{\"ok\": true}",
    }
}

/// The start of a body, for the history's words.
fn body_text(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned()
}

/// Why a 409 said no. The protocol answers 409 to a cas only when its
/// comparison ran against the current value, so that one is an observation.
fn conflict_reason(f: &OpFn, body: &[u8]) -> FailReason {
    if *f == OpFn::Cas {
        return FailReason::CasMismatch;
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error: Some(e), .. }) if e == "aborted" => FailReason::Aborted,
        Ok(ErrorBody { error: Some(e), .. }) if e == "held" || e == "locked" => FailReason::Locked,
        _ => FailReason::Rejected,
    }
}

/// `"<status>: <error field or body prefix>"` for the history's `error` field.
fn error_text(status: u16, body: &[u8]) -> String {
    let detail = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error: Some(e), .. }) => e,
        _ => String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned(),
    };
    if detail.is_empty() {
        status.to_string()
    } else {
        format!("{status}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::EventType::{self, Fail, Info, Ok};
    use serde_json::json;

    fn kind(f: OpFn, status: u16, body: &str) -> EventType {
        classify_response(&f, &json!(3), status, body.as_bytes())
            .completion
            .kind
    }

    #[test]
    fn reads() {
        let c = classify_response(&OpFn::Read, &Value::Null, 200, br#"{"value":7}"#);
        assert_eq!(c.completion, Completion::ok(json!(7)));
        let c = classify_response(&OpFn::Read, &Value::Null, 404, br#"{"error":"not_found"}"#);
        assert_eq!(c.completion, Completion::ok(Value::Null));
        assert_eq!(kind(OpFn::Read, 200, "garbage"), Info);
    }

    #[test]
    fn a_2xx_without_what_the_protocol_promises_is_unknown_not_ok() {
        // A server that answers everything with 200 and an error.
        let body = r#"{"error":"unknown command"}"#;
        for f in [OpFn::Read, OpFn::Write, OpFn::Cas, OpFn::Append] {
            let c = classify_response(&f, &json!([1, 2]), 200, body.as_bytes()).completion;
            assert_eq!(c.kind, Info, "{f}");
            assert!(
                c.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("unknown command")),
                "{f}: {c:?}"
            );
        }
        // A read without a value field is not a read of null.
        assert_eq!(kind(OpFn::Read, 200, "{}"), Info);
        assert_eq!(kind(OpFn::Read, 200, r#"{"value":null}"#), Ok);
        assert_eq!(kind(OpFn::Write, 200, r#"{"ok":true}"#), Ok);
        assert_eq!(kind(OpFn::Write, 204, ""), Info);
        assert_eq!(kind(OpFn::Write, 200, r#"{"ok":false}"#), Info);
        assert_eq!(kind(OpFn::Append, 200, r#"{"value":[1]}"#), Ok);
    }

    #[test]
    fn writes_echo_their_argument_on_ok() {
        let c = classify_response(&OpFn::Write, &json!(5), 200, br#"{"ok":true}"#);
        assert_eq!(c.completion, Completion::ok(json!(5)));
        let c = classify_response(&OpFn::Cas, &json!([1, 2]), 200, br#"{"ok":true}"#);
        assert_eq!(c.completion.value, json!([1, 2]));
    }

    #[test]
    fn statuses_map_as_the_protocol_says() {
        assert_eq!(
            kind(OpFn::Cas, 409, r#"{"error":"precondition_failed"}"#),
            Fail
        );
        assert_eq!(kind(OpFn::Write, 400, "bad"), Fail);
        assert_eq!(kind(OpFn::Write, 404, ""), Fail);
        assert_eq!(kind(OpFn::Write, 408, ""), Info);
        assert_eq!(kind(OpFn::Read, 408, ""), Info);
        assert_eq!(kind(OpFn::Write, 500, "boom"), Info);
        assert_eq!(kind(OpFn::Write, 502, ""), Info);
        assert_eq!(kind(OpFn::Write, 503, r#"{"error":"unavailable"}"#), Info);
        assert_eq!(kind(OpFn::Write, 503, "not json"), Info);
        assert_eq!(kind(OpFn::Cas, 503, r#"{"error":"no_quorum"}"#), Fail);
        assert_eq!(kind(OpFn::Write, 302, ""), Info);
    }

    fn reason(f: OpFn, status: u16, body: &str) -> Option<FailReason> {
        classify_response(&f, &json!([1, 2]), status, body.as_bytes())
            .completion
            .reason
    }

    #[test]
    fn every_fail_has_a_typed_reason_and_keeps_the_body_text() {
        let c = classify_response(
            &OpFn::Cas,
            &json!([1, 2]),
            409,
            br#"{"error":"precondition_failed","value":3}"#,
        )
        .completion;
        assert_eq!(c.reason, Some(FailReason::CasMismatch));
        assert_eq!(c.history_error(), Some("cas-mismatch"));
        assert_eq!(c.history_detail(), Some("409: precondition_failed"));
        assert_eq!(
            reason(OpFn::Txn, 409, r#"{"error":"aborted","op":0}"#),
            Some(FailReason::Aborted)
        );
        assert_eq!(
            reason(OpFn::Acquire, 409, r#"{"error":"held","holder":"w1"}"#),
            Some(FailReason::Locked)
        );
        assert_eq!(
            reason(OpFn::Release, 409, r#"{"error":"not_holder"}"#),
            Some(FailReason::Rejected)
        );
        assert_eq!(reason(OpFn::Write, 400, "bad"), Some(FailReason::Rejected));
        assert_eq!(
            reason(OpFn::Write, 503, r#"{"error":"not_leader"}"#),
            Some(FailReason::NotLeader)
        );
        assert_eq!(
            reason(OpFn::Cas, 503, r#"{"error":"no_quorum"}"#),
            Some(FailReason::Unavailable)
        );
        assert_eq!(
            classify_transport_error(true, false, "refused").reason,
            Some(FailReason::Refused)
        );
        // Unknown outcomes carry words, not a reason.
        let info = classify_response(&OpFn::Write, &json!(1), 504, br#"{"error":"timeout"}"#);
        assert_eq!(info.completion.reason, None);
        assert_eq!(info.completion.history_error(), Some("504: timeout"));
    }

    #[test]
    fn not_leader_is_a_definite_fail_with_a_hint() {
        let c = classify_response(
            &OpFn::Write,
            &json!(1),
            503,
            br#"{"error":"not_leader","leader":"http://127.0.0.1:7002"}"#,
        );
        assert_eq!(c.completion.kind, Fail);
        assert_eq!(c.leader_hint.as_deref(), Some("http://127.0.0.1:7002"));
        let c = classify_response(&OpFn::Write, &json!(1), 503, br#"{"error":"not_leader"}"#);
        assert_eq!(c.completion.kind, Fail);
        assert_eq!(c.leader_hint, None);
    }

    #[test]
    fn transport_errors() {
        assert_eq!(classify_transport_error(true, false, "refused").kind, Fail);
        assert_eq!(classify_transport_error(false, true, "").kind, Info);
        assert_eq!(classify_transport_error(false, false, "reset").kind, Info);
        assert_eq!(kind(OpFn::Write, 200, r#"{"ok":true}"#), Ok);
    }
}
