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

pub mod bank;
pub mod card;
pub mod counter_bounds;
pub mod eventual;
pub mod format;
pub mod history;
pub mod linearizability;
pub mod lock;
pub mod model;
pub mod per_key;
pub mod register_view;
pub mod render;
pub mod sequential;
pub mod session;
pub mod set_full;
pub mod staleness;
pub mod synth;
pub mod txn;
pub mod verdict;

pub use bank::{BankOptions, BankReport, check_bank};
pub use card::{CardOptions, CardRow, CheckerKind, ReportCard, UnknownChecker, run_checkers};
pub use counter_bounds::{CounterReport, check_counter};
pub use eventual::{EventualOptions, EventualReport, check_eventual};
pub use format::{
    Format, Independence, ParsedHistory, UnknownFormat, parse_history, parse_history_located,
    parse_history_with, read_history, to_edn, to_edn_with_init,
};
pub use history::{
    Event, EventType, FailReason, HistoryError, OpFn, OpStatus, Operation, ProcessId, natural_cmp,
    pair_operations,
};
pub use linearizability::{
    CheckError, CheckOptions, Engine, LinearizabilityReport, ShrinkBudget, check_linearizable,
    check_with_model,
};
pub use lock::{LockReport, check_lock};
pub use model::{Model, ModelError, ModelKind, UnknownModel, Val};
pub use sequential::{SequentialReport, check_sequential, check_sequential_with};
pub use session::{Guarantee, SessionReport, check_session};
pub use set_full::{SetFullReport, check_set_full};
pub use staleness::{StalenessOptions, StalenessReport, check_staleness};
pub use txn::{
    AnomalyKind, ConsistencyModel, TxnError, TxnOptions, TxnReport, TxnWorkload, check_txn,
};
pub use verdict::{Validity, Verdict};

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
