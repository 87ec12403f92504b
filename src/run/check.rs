//! Checking the recorded history with the configured checkers (the report card).

use super::config::{CheckerWord, RunConfig};
use super::key_batches::{KeyBatches, KeyIndex};
use anyhow::bail;
use faultline_checkers::TxnWorkload;
use faultline_checkers::{
    CardOptions, CheckProgress, CheckerKind, check_linearizable_batches, run_checkers as run_card,
};
use faultline_checkers::{CheckOptions, Event, ModelKind, ShrinkBudget, Validity, Verdict};
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::txn::TxnFlavor;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The checker that alone judges a workload whose histories the register
/// checkers cannot read: bank histories, and transactions.
fn sole_checker(workload: WorkloadKind) -> Option<CheckerKind> {
    match workload {
        WorkloadKind::Bank => Some(CheckerKind::Bank),
        WorkloadKind::ListAppend | WorkloadKind::RwRegister => Some(CheckerKind::Txn),
        _ => None,
    }
}

/// The checkers a config asks for (when none: `bank` for the bank workload,
/// `txn` for the transactional ones, `lock` for locks, else
/// `linearizable`; `none` for no check).
pub fn checker_kinds(config: &RunConfig) -> anyhow::Result<Vec<CheckerKind>> {
    let sole = sole_checker(config.workload);
    if config.checker.is_empty() {
        return Ok(vec![match (sole, config.workload) {
            (Some(k), _) => k,
            // A lock history has no register model to linearize against.
            (None, WorkloadKind::Lock) => CheckerKind::Lock,
            (None, _) => CheckerKind::Linearizable,
        }]);
    }
    let names: Vec<String> = config
        .checker
        .iter()
        .filter(|w| **w != CheckerWord::None)
        .map(ToString::to_string)
        .collect();
    let kinds = CheckerKind::parse_list(&names)?;
    // The register checkers need keyed operations; the bank and txn
    // checkers their own histories.
    for k in &kinds {
        match sole {
            Some(only) if *k != only => bail!(
                "the {} workload is judged by the {only} checker only, not {k}",
                config.workload
            ),
            None if *k == CheckerKind::Bank => {
                bail!("the bank checker needs the bank workload (--workload bank)")
            }
            None if *k == CheckerKind::Txn => bail!(
                "the txn checker needs a transactional workload (--workload list-append or rw-register)"
            ),
            _ => {}
        }
    }
    Ok(kinds)
}

/// Runs every configured checker over `events`; returns one verdict each.
///
/// Checker failures become `unknown` verdicts with the reason, so a run
/// always reports something.
pub fn run_checkers(
    events: &[Event],
    config: &RunConfig,
    cancel: Arc<AtomicBool>,
    progress: Option<Arc<CheckProgress>>,
) -> Vec<Verdict> {
    let kinds = match checker_kinds(config) {
        Ok(k) => k,
        Err(e) => {
            return vec![Verdict {
                checker: crate::run::config::list_word::joined(&config.checker),
                valid: Validity::Unknown,
                summary: format!("{e:#}"),
                details: serde_json::Value::Null,
            }];
        }
    };
    let model = match config.workload.model().parse::<ModelKind>() {
        Ok(m) => m,
        Err(e) => {
            return kinds
                .iter()
                .map(|k| Verdict {
                    checker: k.as_str().to_string(),
                    valid: Validity::Unknown,
                    summary: format!("no model for workload {}: {e}", config.workload),
                    details: serde_json::Value::Null,
                })
                .collect();
        }
    };
    run_card(
        events,
        &kinds,
        &card_options(config, model, cancel, progress),
    )
}

/// What the checkers of a run are given besides the history.
fn card_options(
    config: &RunConfig,
    model: ModelKind,
    cancel: Arc<AtomicBool>,
    progress: Option<Arc<CheckProgress>>,
) -> CardOptions {
    let mut opts = CardOptions::new(model);
    opts.check = CheckOptions {
        timeout: Some(config.check_timeout()),
        cancel: Some(cancel),
        init: None,
        engine: None,
        memory_limit: Some(crate::byte_size::default_memory_limit().0),
        shrink: ShrinkBudget::Default,
        progress,
    };
    // The run waited this long after the last heal before its final reads.
    opts.eventual.quiet_period = config.quiet_period();
    opts.txn.workload = config.workload.txn_flavor().map(|f| match f {
        TxnFlavor::ListAppend => TxnWorkload::ListAppend,
        TxnFlavor::RwRegister => TxnWorkload::RwRegister,
    });
    opts.txn.source = "history.jsonl".to_string();
    opts
}

/// [`run_checkers`] on a history file. When linearizability is the only
/// checker, which judges each key on its own, the file is read in batches
/// of whole keys (`keys`: where each key's events end), so a long
/// run is checked holding the keys in use at once rather than the whole
/// run; otherwise the whole history is read.
pub fn run_checkers_on_file(
    path: &Path,
    keys: KeyIndex,
    config: &RunConfig,
    cancel: Arc<AtomicBool>,
    progress: Option<Arc<CheckProgress>>,
) -> anyhow::Result<Vec<Verdict>> {
    let kinds = match checker_kinds(config) {
        // `--checker none`: nothing to read the history for.
        Ok(kinds) if kinds.is_empty() => return Ok(Vec::new()),
        Ok(kinds) => kinds,
        // run_checkers turns the error into the verdict that explains it.
        Err(_) => Vec::new(),
    };
    let model = config.workload.model().parse::<ModelKind>().ok();
    let (Some(model), [CheckerKind::Linearizable]) = (model, kinds.as_slice()) else {
        let (events, _) = crate::report::run_data::read_events(path)?;
        return Ok(run_checkers(&events, config, cancel, progress));
    };
    let opts = card_options(config, model, cancel, progress);
    let batches = KeyBatches::open(path, keys)?;
    let read_error = batches.error_slot();
    let verdict = match check_linearizable_batches(batches, model, &opts.check) {
        Ok(report) => report.to_verdict(),
        Err(e) => Verdict {
            checker: CheckerKind::Linearizable.as_str().to_string(),
            valid: Validity::Unknown,
            summary: format!("the history could not be checked: {e}"),
            details: serde_json::Value::Null,
        },
    };
    if let Some(e) = read_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    Ok(vec![verdict])
}
