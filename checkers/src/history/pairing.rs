//! Pairs invocations with completions per process, applying the history rules:
//! `fail` operations are dropped (except a cas that failed its comparison,
//! which observed the register), `info` reads are dropped, other `info`
//! operations (and invocations never completed) stay open, nemesis events are
//! ignored, and a crashed process may not issue again.

use super::{Event, EventType, FailReason, HistoryError, OpFn, OpStatus, Operation, ProcessId};
use rustc_hash::FxHashMap;

struct Pending {
    pos: usize,
    line: usize,
}

/// Checks that a history pairs up consistently, naming `source:line` otherwise.
///
/// `lines[i]` is the 1-based source line of `events[i]`; without it, line = position + 1.
pub fn validate_events(
    events: &[Event],
    lines: Option<&[usize]>,
    source: &str,
) -> Result<(), HistoryError> {
    pair_operations(events, lines, source).map(|_| ())
}

/// Pairs events into operations (in invocation order, ids 0..n).
pub fn pair_operations(
    events: &[Event],
    lines: Option<&[usize]>,
    source: &str,
) -> Result<Vec<Operation>, HistoryError> {
    let line_of = |i: usize| lines.and_then(|l| l.get(i).copied()).unwrap_or(i + 1);
    let mut pending: FxHashMap<u64, Pending> = FxHashMap::default();
    let mut crashed: FxHashMap<u64, usize> = FxHashMap::default();
    // Operations keyed by invoke position, so the output is in invocation order.
    let mut ops: Vec<(usize, Operation)> = Vec::new();

    for (pos, ev) in events.iter().enumerate() {
        let ProcessId::Client(p) = ev.process else {
            continue;
        };
        let line = line_of(pos);
        match ev.kind {
            EventType::Invoke => {
                if let Some(prev) = pending.get(&p) {
                    return Err(HistoryError::new(
                        source,
                        line,
                        format!(
                            "process {p} invokes {} while its invocation at line {} has not completed; expected a completion first",
                            ev.f, prev.line
                        ),
                    ));
                }
                if let Some(crash_line) = crashed.get(&p) {
                    return Err(HistoryError::new(
                        source,
                        line,
                        format!(
                            "process {p} crashed (info at line {crash_line}) and must not issue again; expected a new process id"
                        ),
                    ));
                }
                pending.insert(p, Pending { pos, line });
            }
            EventType::Ok | EventType::Fail | EventType::Info => {
                let Some(inv) = pending.remove(&p) else {
                    return Err(HistoryError::new(
                        source,
                        line,
                        format!(
                            "{} completion of process {p} without a preceding invoke; expected an invoke first",
                            type_name(ev.kind)
                        ),
                    ));
                };
                let invoke = &events[inv.pos];
                if invoke.f != ev.f {
                    return Err(HistoryError::new(
                        source,
                        line,
                        format!(
                            "completion f {} does not match the invoke at line {} (f {}); expected f {}",
                            ev.f, inv.line, invoke.f, invoke.f
                        ),
                    ));
                }
                if let (Some(a), Some(b)) = (&invoke.key, &ev.key)
                    && a != b
                {
                    return Err(HistoryError::new(
                        source,
                        line,
                        format!(
                            "completion key {b:?} does not match the invoke at line {} (key {a:?})",
                            inv.line
                        ),
                    ));
                }
                let status = match ev.kind {
                    EventType::Ok => OpStatus::Ok,
                    EventType::Info => {
                        crashed.insert(p, line);
                        if ev.f == OpFn::Read {
                            // A read with an unknown result constrains nothing.
                            continue;
                        }
                        OpStatus::Crashed
                    }
                    _ => {
                        // A failed comparison observed "not `from`"; every other
                        // definite failure (typed or free text) did nothing.
                        if ev.f == OpFn::Cas && ev.fail_reason() == Some(FailReason::CasMismatch) {
                            OpStatus::CasMismatch
                        } else {
                            continue;
                        }
                    }
                };
                let output = if status == OpStatus::Ok {
                    ev.value.clone()
                } else {
                    serde_json::Value::Null
                };
                ops.push((
                    inv.pos,
                    make_op(
                        invoke,
                        ev.key.as_ref(),
                        inv.pos,
                        Some((pos, ev)),
                        status,
                        output,
                    ),
                ));
            }
        }
    }
    // Invocations never completed are open (like info), except reads, which constrain nothing.
    for inv in pending.into_values() {
        let invoke = &events[inv.pos];
        if invoke.f == OpFn::Read {
            continue;
        }
        ops.push((
            inv.pos,
            make_op(
                invoke,
                None,
                inv.pos,
                None,
                OpStatus::Crashed,
                serde_json::Value::Null,
            ),
        ));
    }
    ops.sort_by_key(|(pos, _)| *pos);
    Ok(ops
        .into_iter()
        .enumerate()
        .map(|(id, (_, mut op))| {
            op.id = id;
            op
        })
        .collect())
}

fn make_op(
    invoke: &Event,
    completion_key: Option<&String>,
    invoke_pos: usize,
    completion: Option<(usize, &Event)>,
    status: OpStatus,
    output: serde_json::Value,
) -> Operation {
    Operation {
        id: 0,
        process: invoke.process,
        f: invoke.f.clone(),
        key: invoke.key.clone().or_else(|| completion_key.cloned()),
        value: invoke.value.clone(),
        output,
        status,
        invoke_pos,
        complete_pos: if status == OpStatus::Crashed {
            None
        } else {
            completion.map(|(p, _)| p)
        },
        invoke_time: invoke.time,
        complete_time: if status == OpStatus::Crashed {
            None
        } else {
            completion.map(|(_, e)| e.time)
        },
        invoke_index: invoke.index,
        complete_index: completion.map(|(_, e)| e.index),
        node: completion
            .and_then(|(_, e)| e.node.clone())
            .or_else(|| invoke.node.clone()),
    }
}

fn type_name(t: EventType) -> &'static str {
    match t {
        EventType::Invoke => "invoke",
        EventType::Ok => "ok",
        EventType::Fail => "fail",
        EventType::Info => "info",
    }
}
