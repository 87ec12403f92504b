//! Checking a history handed over in batches of whole keys, so that a long
//! run's history need never be in memory at once: a history is linearizable
//! iff each key's sub-history is, so each batch is checked on its own and
//! the per-key results are put together.

use super::check::{NOT_CHECKED_OTHER_INVALID, check_linearizable, fmt_duration};
use super::options::{CheckError, CheckOptions};
use super::report::{LinearizabilityReport, PartitionResult};
use crate::history::{Event, pair_operations};
use crate::model::ModelKind;
use crate::verdict::Validity;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Checks `batches` against `model`: every event of a key must be in one
/// batch (events without a key may be in any). The deadline of `opts` is
/// for all batches together; once a key is invalid, or the deadline or the
/// cancel flag is reached, later batches are only counted, their keys
/// reported unknown with the reason, as [`check_linearizable`] does.
pub fn check_linearizable_batches<I>(
    batches: I,
    model: ModelKind,
    opts: &CheckOptions,
) -> Result<LinearizabilityReport, CheckError>
where
    I: IntoIterator<Item = Vec<Event>>,
{
    let start = Instant::now();
    let mut partitions: Vec<PartitionResult> = Vec::new();
    let mut valid = Validity::Valid;
    let mut model_name = None;
    for batch in batches {
        let stop = stop_reason(opts, start, valid);
        if let Some(reason) = stop {
            partitions.extend(unchecked(&batch, &reason)?);
            continue;
        }
        let mut batch_opts = opts.clone();
        batch_opts.timeout = opts.timeout.map(|t| t.saturating_sub(start.elapsed()));
        let report = check_linearizable(&batch, model, &batch_opts)?;
        valid = valid.and(report.valid);
        model_name.get_or_insert(report.model);
        partitions.extend(report.partitions);
    }
    // Keys come in the order they were finished with; show them as one
    // check of the whole history would.
    Ok(LinearizabilityReport::joined(
        model_name.unwrap_or_else(|| model.as_str().to_string()),
        partitions,
        start.elapsed().as_secs_f64() * 1000.0,
    ))
}

/// Why the batches from now on are not searched, if they are not.
fn stop_reason(opts: &CheckOptions, start: Instant, so_far: Validity) -> Option<String> {
    if so_far == Validity::Invalid {
        return Some(NOT_CHECKED_OTHER_INVALID.to_string());
    }
    if opts
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
    {
        return Some("cancelled".to_string());
    }
    match opts.timeout {
        Some(t) if start.elapsed() >= t => {
            Some(format!("deadline of {} exceeded", fmt_duration(t)))
        }
        _ => None,
    }
}

/// Each key of an unsearched batch as unknown, with its operations counted
/// as a search counts them: those that pair up and may constrain the key
/// (not a failed write, nor a read whose answer never came). Events that do
/// not pair are an error, as they are for a searched batch.
fn unchecked(batch: &[Event], reason: &str) -> Result<Vec<PartitionResult>, CheckError> {
    let mut ops: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for op in pair_operations(batch, None, "<history>")? {
        *ops.entry(op.key).or_default() += 1;
    }
    Ok(ops
        .into_iter()
        .map(|(key, ops)| PartitionResult {
            key,
            valid: Validity::Unknown,
            ops,
            reason: Some(reason.to_string()),
            counterexample: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{EventType, ProcessId};
    use crate::synth::synth_kv_history;

    /// Splits a history into batches of whole keys, `per` keys a batch.
    fn by_keys(events: &[Event], per: usize) -> Vec<Vec<Event>> {
        let mut keys: Vec<Option<String>> = events.iter().map(|e| e.key.clone()).collect();
        keys.sort();
        keys.dedup();
        keys.chunks(per)
            .map(|chunk| {
                events
                    .iter()
                    .filter(|e| chunk.contains(&e.key))
                    .cloned()
                    .collect()
            })
            .collect()
    }

    #[test]
    fn batches_give_the_verdict_and_keys_of_one_check() {
        for seed in 0..20 {
            let events = synth_kv_history(7, 300, 4, seed);
            let whole = check_linearizable(&events, ModelKind::Kv, &CheckOptions::default())
                .expect("checkable");
            for per in [1, 3, 7] {
                let batched = check_linearizable_batches(
                    by_keys(&events, per),
                    ModelKind::Kv,
                    &CheckOptions::default(),
                )
                .expect("checkable");
                assert_eq!(batched.valid, whole.valid, "seed {seed}, {per} per batch");
                let keys = |r: &LinearizabilityReport| -> Vec<(Option<String>, usize)> {
                    r.partitions
                        .iter()
                        .map(|p| (p.key.clone(), p.ops))
                        .collect()
                };
                assert_eq!(keys(&batched), keys(&whole), "seed {seed}, {per} per batch");
            }
        }
    }

    #[test]
    fn an_invalid_batch_leaves_later_ones_unchecked_with_the_reason() {
        // k1: a read of a value nobody wrote; k2: fine, but after it.
        let ev =
            |i: u64, p: u64, kind: EventType, f: &str, key: &str, v: serde_json::Value| Event {
                index: i,
                time: i,
                process: ProcessId::Client(p),
                kind,
                f: crate::history::OpFn::parse(f),
                key: Some(key.to_string()),
                value: v,
                node: None,
                error: None,
                detail: None,
            };
        use serde_json::json;
        let bad = vec![
            ev(0, 0, EventType::Invoke, "read", "k1", json!(null)),
            ev(1, 0, EventType::Ok, "read", "k1", json!(9)),
        ];
        // A failed write and a read without an answer constrain nothing:
        // one operation to search, as a check of k2 would count.
        let later = vec![
            ev(2, 1, EventType::Invoke, "write", "k2", json!(1)),
            ev(3, 1, EventType::Ok, "write", "k2", json!(1)),
            ev(4, 2, EventType::Invoke, "write", "k2", json!(2)),
            ev(5, 2, EventType::Fail, "write", "k2", json!(2)),
            ev(6, 3, EventType::Invoke, "read", "k2", json!(null)),
            ev(7, 3, EventType::Info, "read", "k2", json!(null)),
        ];
        let r = check_linearizable_batches(
            vec![bad, later],
            ModelKind::Register,
            &CheckOptions::default(),
        )
        .expect("checkable");
        assert_eq!(r.valid, Validity::Invalid);
        assert_eq!(r.partitions.len(), 2);
        assert_eq!(r.partitions[1].key.as_deref(), Some("k2"));
        assert_eq!(r.partitions[1].valid, Validity::Unknown);
        assert_eq!(r.partitions[1].ops, 1);
        assert_eq!(
            r.partitions[1].reason.as_deref(),
            Some(NOT_CHECKED_OTHER_INVALID)
        );
    }
}
