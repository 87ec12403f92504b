//! faultline-checkers: history types, history formats, models and checkers.
//!
//! A pure library (no async runtime, no network) so that it can be used on its
//! own to check histories recorded by any tool.
//!
//! ```no_run
//! use faultline_checkers::{CheckOptions, Format, ModelKind, check_linearizable, read_history};
//! let events = read_history(std::path::Path::new("history.jsonl"), Format::Auto).unwrap();
//! let report = check_linearizable(&events, ModelKind::Kv, &CheckOptions::default()).unwrap();
//! println!("{}", report.summary());
//! ```

#![deny(missing_docs)]

// Every item has one public name, here at the root; the modules are private.
mod bank;
mod card;
mod counter_bounds;
mod eventual;
mod format;
mod history;
mod linearizability;
mod lock;
mod model;
mod per_key;
mod register_view;
mod render;
mod sequential;
mod session;
mod set_full;
mod spread;
mod staleness;
mod synth;
mod txn;
mod verdict;

// Histories and their formats.
pub use format::{
    Format, Independence, ParsedHistory, UnknownFormat, parse_history, parse_history_located,
    parse_history_with, read_history, to_edn, to_edn_with_init,
};
pub use history::{
    Event, EventType, FailReason, HistoryError, OpFn, OpStatus, Operation, ProcessId, natural_cmp,
    pair_operations,
};

// Models.
pub use model::{
    AppendList, CasRegister, Counter, FifoQueue, KvAppend, Model, ModelError, ModelKind, Mutex,
    Register, SearchOnly, SetModel, UnknownModel, Val,
};

// Checkers, their options and typed reports, and the report card.
pub use bank::{
    BankError, BankOptions, BankProperty, BankReport, BankViolation, ReadRef, TotalSource,
    check_bank,
};
pub use card::{
    CardOptions, CardRow, Checker, CheckerError, CheckerKind, Report, ReportCard, UnknownChecker,
    WholeHistoryChecker, run_all, run_checker, run_checkers, run_keyed_checkers,
};
pub use counter_bounds::{
    CounterError, CounterReport, OutOfBounds, check_counter, is_counter_history,
};
pub use eventual::{
    Disagreement, EventualOptions, EventualReport, FinalRead, KeyOutcome, LostWrite, check_eventual,
};
pub use linearizability::{
    CheckError, CheckOptions, CheckProgress, Counterexample, DEFAULT_SHRINK_BUDGET, Engine,
    LinearizabilityReport, Linearization, LinearizationStep, MinimalCounterexample,
    NOT_CHECKED_OTHER_INVALID, OpView, PartitionResult, ShrinkBudget, Unplaceable,
    check_linearizable, check_linearizable_batches, check_with_model,
};
pub use lock::{LockReport, Violation, ViolationKind, WitnessOp, check_lock, is_lock_history};
pub use per_key::{Evidence, KeyResult, PerKeyReport};
pub use register_view::ViewError;
pub use sequential::{
    SequentialPartition, SequentialReport, SequentialWitness, StuckOp, check_sequential,
    check_sequential_with,
};
pub use session::{
    CycleWitness, Guarantee, GuaranteeResult, SessionReport, SkippedKey, WitnessStep, check_session,
};
pub use set_full::{SetElement, SetFullError, SetFullReport, check_set_full, is_set_history};
pub use staleness::{Quantiles, StaleRead, StalenessOptions, StalenessReport, check_staleness};
pub use txn::{
    Anomaly, AnomalyGroup, AnomalyKind, ConsistencyModel, CycleStep, GraphStats, ModelRow,
    TxnCounts, TxnError, TxnOptions, TxnRef, TxnReport, TxnWorkload, UnknownConsistencyModel,
    check_txn, check_txn_located, is_long_fork_history, is_txn_history,
};
pub use verdict::{Validity, Verdict};

// Renderers of a linearizability report.
pub use render::html::{
    FaultShade, PageContext, esc as escape_html, render as render_html,
    render_with as render_html_with,
};
pub use render::text::render as render_text;

// Synthetic histories, for benchmarks and property tests.
pub use synth::{
    HardFamily, IMPOSSIBLE as SYNTH_IMPOSSIBLE, synth_cas_history, synth_hard_history,
    synth_kv_history,
};

/// The model to check a history with when the user names none: decided by
/// the operations present, then by the format (Porcupine etcd and EDN
/// registers: `cas-register`; faultline JSONL: `kv`, a cas-register per key).
pub fn default_model_for(format: Format, events: &[Event]) -> ModelKind {
    let has = |f: OpFn| {
        events
            .iter()
            .any(|e| e.process != ProcessId::Nemesis && e.f == f)
    };
    if has(OpFn::Append) {
        // Porcupine's kv histories append strings; JSONL list-append reads lists.
        let strings = events
            .iter()
            .any(|e| e.f == OpFn::Append && e.value.is_string());
        return if format == Format::Edn || strings {
            ModelKind::KvAppend
        } else {
            ModelKind::AppendList
        };
    }
    if has(OpFn::Add) {
        return ModelKind::Set;
    }
    if has(OpFn::Incr) {
        return ModelKind::Counter;
    }
    if has(OpFn::Enqueue) || has(OpFn::Dequeue) {
        return ModelKind::FifoQueue;
    }
    if has(OpFn::Acquire) || has(OpFn::Release) {
        return ModelKind::Mutex;
    }
    match format {
        Format::PorcupineEtcd | Format::Edn => ModelKind::CasRegister,
        Format::Jsonl | Format::Auto => ModelKind::Kv,
    }
}
