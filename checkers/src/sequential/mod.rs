//! Sequential consistency: is there one total order of the operations that
//! keeps each process's own order and that the model accepts? Like
//! linearizability without the real-time constraint between processes.
//!
//! Checked per key, as the linearizability checker does. Unlike
//! linearizability, sequential consistency is not compositional, so this is
//! per-object sequential consistency: each key on its own has such an order,
//! not necessarily one order for all keys at once. `fail` operations and
//! `info` reads are removed; other `info` operations (the last of their
//! process) may be placed anywhere after the process's earlier operations,
//! or never. Reads are assumed never to change a model's state (true of
//! every built-in model).

mod blocks;
mod report;
mod search;

pub use report::{SequentialPartition, SequentialReport, SequentialWitness, StuckOp};

use crate::history::{Event, OpFn, OpStatus, Operation, ProcessId, pair_operations};
use crate::linearizability::{CheckError, CheckOptions, check_with_model};
use crate::model::{Model, ModelKind, ModelTask, Val, with_model};
use crate::register_view::op_namer;
use crate::spread::{self, Spread};
use crate::verdict::Validity;
use search::{Chains, SeqOutcome};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Checks a history for sequential consistency against a built-in model.
pub fn check_sequential(
    events: &[Event],
    model: ModelKind,
    opts: &CheckOptions,
) -> Result<SequentialReport, CheckError> {
    struct Sequential<'a>(&'a [Event], &'a CheckOptions);
    impl ModelTask for Sequential<'_> {
        type Output = SequentialReport;
        fn run<M: Model>(self, model: &M, reg: Option<Val>) -> Result<Self::Output, CheckError> {
            check_impl(self.0, model, self.1, reg)
        }
    }
    with_model(model, opts.init.as_ref(), Sequential(events, opts))
}

/// Checks a history for (per-key) sequential consistency against any model.
pub fn check_sequential_with<M: Model>(
    events: &[Event],
    model: &M,
    opts: &CheckOptions,
) -> Result<SequentialReport, CheckError> {
    check_impl(events, model, opts, None)
}

/// `registers`: the initial value, when the model is a register, enabling the
/// polynomial check for keys with unique values.
fn check_impl<M: Model>(
    events: &[Event],
    model: &M,
    opts: &CheckOptions,
    registers: Option<Val>,
) -> Result<SequentialReport, CheckError> {
    let start = Instant::now();
    let deadline = opts.timeout.map(|t| start + t);
    let stop = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
            || deadline.is_some_and(|d| Instant::now() >= d)
    };
    // Linearizability implies sequential consistency, and the real-time order
    // keeps its search small: only keys that are not linearizable need the
    // (much larger) search over per-process orders.
    let linearizable: BTreeMap<Option<String>, Validity> = check_with_model(events, model, opts)?
        .partitions
        .into_iter()
        .map(|p| (p.key, p.valid))
        .collect();
    let mut ops = pair_operations(events, None, "<history>")?;
    // Reports name operations as the weaker models' do, by invoke event.
    let name = op_namer(events);
    for op in ops.iter_mut() {
        op.id = name(op);
    }
    let mut parts: BTreeMap<Option<String>, Vec<Operation>> = BTreeMap::new();
    for op in ops {
        parts.entry(op.key.clone()).or_default().push(op);
    }
    let parts: Vec<(Option<String>, Vec<Operation>)> = parts.into_iter().collect();
    let check = |(key, ops): (Option<String>, Vec<Operation>)| {
        if linearizable.get(&key) == Some(&Validity::Valid) {
            return Ok(SequentialPartition {
                key,
                valid: Validity::Valid,
                ops: ops.len(),
                reason: None,
                counterexample: None,
            });
        }
        check_partition(model, key, &ops, registers.as_ref(), &stop)
    };
    // A key that is not linearizable gets a search over per-process orders
    // that may take until the deadline: two or more go side by side at once.
    let searched = parts
        .iter()
        .filter(|(key, _)| linearizable.get(key) != Some(&Validity::Valid))
        .count();
    let when = if searched > 1 {
        Spread::Now
    } else {
        Spread::After(start)
    };
    let partitions: Vec<SequentialPartition> = spread::map(parts, when, check)
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok(SequentialReport::joined(
        model.name().to_string(),
        partitions,
        start.elapsed().as_secs_f64() * 1000.0,
    ))
}

fn check_partition<M: Model>(
    model: &M,
    key: Option<String>,
    ops: &[Operation],
    registers: Option<&Val>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SequentialPartition, CheckError> {
    if let Some(init) = registers {
        let decided = |valid, witness| SequentialPartition {
            key: key.clone(),
            valid,
            ops: ops.len(),
            reason: None,
            counterexample: witness,
        };
        match blocks::check(&key, ops, init) {
            blocks::BlockOutcome::Valid => return Ok(decided(Validity::Valid, None)),
            blocks::BlockOutcome::Invalid(w) => return Ok(decided(Validity::Invalid, Some(w))),
            blocks::BlockOutcome::NotApplicable => {}
        }
    }
    let inputs = ops
        .iter()
        .map(|o| model.prepare(o))
        .collect::<Result<Vec<_>, _>>()?;
    let crashed: Vec<bool> = ops.iter().map(Operation::is_crashed).collect();
    if let Some((i, reason)) = model.impossible(&inputs, &crashed) {
        return Ok(SequentialPartition {
            key: key.clone(),
            valid: Validity::Invalid,
            ops: ops.len(),
            reason: None,
            counterexample: Some(report::impossible(&key, ops, &ops[i], reason)),
        });
    }
    let mut by_process: BTreeMap<ProcessId, Vec<u32>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        by_process.entry(o.process).or_default().push(i as u32);
    }
    let chains = Chains {
        model,
        crashed,
        // Models read without changing state; a failed cas changed nothing.
        observer: ops
            .iter()
            .map(|o| o.f == OpFn::Read || o.status == OpStatus::CasMismatch)
            .collect(),
        chains: by_process.into_values().collect(),
        invoke_pos: ops.iter().map(|o| o.invoke_pos).collect(),
        inputs,
    };
    let mut part = SequentialPartition {
        key: key.clone(),
        valid: Validity::Valid,
        ops: ops.len(),
        reason: None,
        counterexample: None,
    };
    match chains.run(stop) {
        SeqOutcome::Valid => {}
        SeqOutcome::Stopped => {
            part.valid = Validity::Unknown;
            part.reason = Some(
                "search stopped (deadline, cancelled or step budget; values that repeat make it large)"
                    .to_string(),
            );
        }
        SeqOutcome::Invalid(deepest) => {
            part.valid = Validity::Invalid;
            part.counterexample = Some(report::witness(&chains, &key, ops, &deepest));
        }
    }
    Ok(part)
}
