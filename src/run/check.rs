//! Checking the recorded history with the configured checkers (the report card).

use super::config::{CheckerWord, RunConfig};
use super::key_batches::{BATCH_EVENTS, KeyBatches, KeyIndex, ReadError};
use super::workload::{self, Judges};
use crate::byte_size::ByteSize;
use anyhow::{Context, bail};
use faultline_checkers::TxnWorkload;
use faultline_checkers::{
    CardOptions, CheckProgress, CheckerKind, run_checkers as run_card, run_keyed_checkers,
};
use faultline_checkers::{CheckOptions, Event, ModelKind, ShrinkBudget, Validity, Verdict};
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::txn::TxnFlavor;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// What judges the histories of `config`'s workload.
fn judges(config: &RunConfig) -> Judges {
    config.workload_unit().judges()
}

/// The workloads that `checker` alone judges (and so the only ones whose
/// histories it can read), if any.
fn sole_judge_of(checker: CheckerKind) -> Vec<WorkloadKind> {
    WorkloadKind::ALL
        .into_iter()
        .filter(|&w| {
            let j = workload::judges_of(w);
            j.sole && j.default == checker
        })
        .collect()
}

/// The checkers a config asks for (when none, the workload's default: see
/// [`Workload::judges`](super::workload::Workload::judges); `none` for no
/// check).
pub fn checker_kinds(config: &RunConfig) -> anyhow::Result<Vec<CheckerKind>> {
    let judges = judges(config);
    if config.checker.is_empty() {
        return Ok(vec![judges.default]);
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
    for &k in &kinds {
        if judges.sole && k != judges.default {
            bail!(
                "the {} workload is judged by the {} checker only, not {k}",
                config.workload,
                judges.default
            );
        }
        let readable = sole_judge_of(k);
        if !judges.sole && !readable.is_empty() {
            let names: Vec<&str> = readable.iter().map(|w| w.as_str()).collect();
            bail!(
                "the {k} checker reads only the histories of the {} workload{} (--workload {})",
                crate::prose::and_list(&names),
                if names.len() > 1 { "s" } else { "" },
                names.join("|")
            );
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
        Err(e) => return refusal(config, &e),
    };
    let model = config.workload.model();
    run_card(
        events,
        &kinds,
        &card_options(config, model, cancel, progress),
    )
}

/// The one verdict of a card whose checkers cannot be run as asked.
fn refusal(config: &RunConfig, e: &anyhow::Error) -> Vec<Verdict> {
    vec![Verdict {
        checker: crate::run::config::list_word::joined(&config.checker),
        valid: Validity::Unknown,
        summary: format!("{e:#}"),
        details: serde_json::Value::Null,
    }]
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
        memory_limit: Some(config.memory_limit().0),
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

/// Memory a history takes held whole, per byte of its file: measured with
/// every checker of the report card on a 237 MB history of a soak run
/// (1.41 GB peak; the session checker alone 1.21 GB).
const HOLD_PER_FILE_BYTE: u64 = 6;

/// Unknown verdicts for every checker when holding the whole history would
/// take more than the memory limit: a run that outgrew the machine is told
/// so, instead of the process being killed while checking.
fn too_large_to_hold(
    path: &Path,
    kinds: &[CheckerKind],
    config: &RunConfig,
) -> anyhow::Result<Option<Vec<Verdict>>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len();
    let need = size.saturating_mul(HOLD_PER_FILE_BYTE);
    let limit = config.memory_limit();
    if kinds.is_empty() || need <= limit.0 as u64 {
        return Ok(None);
    }
    let show = |b: u64| ByteSize(usize::try_from(b).unwrap_or(usize::MAX)).to_string();
    Ok(Some(
        kinds
            .iter()
            .map(|k| Verdict {
                checker: k.as_str().to_string(),
                valid: Validity::Unknown,
                summary: format!(
                    "not checked: the {k} checker holds the whole history, and this one \
                     ({} on disk) would take about {}, over the memory limit of {limit} \
                     (--memory-limit); the checkers of `--checker all` read it key by key",
                    show(size),
                    show(need),
                ),
                details: serde_json::Value::Null,
            })
            .collect(),
    ))
}

/// [`run_checkers`] on a history file. The checkers that judge each key
/// on their own (those of `--checker all`) read the file in batches of
/// whole keys (`keys`: where each key's events end), so a long run is
/// checked holding the keys in use at once rather than the whole run. The
/// others (bank, txn, lock, counter, set-full) need the whole history: it
/// is read whole when it fits in the memory limit.
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
        Err(e) => return Ok(refusal(config, &e)),
    };
    if !kinds.iter().all(|k| k.judges_keys_apart()) {
        if let Some(refused) = too_large_to_hold(path, &kinds, config)? {
            return Ok(refused);
        }
        let (events, _) = super::history_file::read_events(path)?;
        return Ok(run_checkers(&events, config, cancel, progress));
    }
    let opts = card_options(config, config.workload.model(), cancel, progress);
    check_by_keys(path, &keys, &kinds, &opts, BATCH_EVENTS)
}

/// The keyed checkers `kinds` on `path`, in batches of about `batch_events`.
fn check_by_keys(
    path: &Path,
    keys: &KeyIndex,
    kinds: &[CheckerKind],
    opts: &CardOptions,
    batch_events: usize,
) -> anyhow::Result<Vec<Verdict>> {
    let read_error = ReadError::default();
    let verdicts = run_keyed_checkers(
        || KeyBatches::open(path, keys.clone(), read_error.clone()).with_batch_events(batch_events),
        kinds,
        opts,
        keys.last_nemesis,
    )?;
    if let Some(e) = read_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::CheckerWord;
    use faultline_checkers::{EventType, OpFn, ProcessId};
    use faultline_checkers::{ModelKind, Verdict};
    use std::io::Write;

    /// Writes and reads of one register, one process: valid for every checker.
    fn register_history(path: &Path) {
        let mut f = std::fs::File::create(path).unwrap();
        for i in 0..40u64 {
            let read = i % 4 >= 2;
            let e = Event {
                index: i,
                time: i * 1000,
                process: ProcessId::Client(0),
                kind: if i % 2 == 0 {
                    EventType::Invoke
                } else {
                    EventType::Ok
                },
                f: if read { OpFn::Read } else { OpFn::Write },
                key: Some("k0".to_string()),
                // A read's invoke does not know the value yet.
                value: if read && i % 2 == 0 {
                    serde_json::Value::Null
                } else {
                    serde_json::json!(i / 4)
                },
                node: None,
                error: None,
                detail: None,
            };
            writeln!(f, "{}", serde_json::to_string(&e).unwrap()).unwrap();
        }
    }

    fn kinds(workload: WorkloadKind, checker: &[&str]) -> Result<Vec<CheckerKind>, String> {
        let config = RunConfig {
            workload,
            checker: checker.iter().map(|c| c.parse().unwrap()).collect(),
            ..RunConfig::default()
        };
        checker_kinds(&config).map_err(|e| format!("{e:#}"))
    }

    /// Each workload's unit says which checker judges it when none is
    /// named, and which checkers alone can read its histories.
    #[test]
    fn checkers_come_from_the_workload() {
        use CheckerKind::*;
        assert_eq!(
            kinds(WorkloadKind::CasRegister, &[]),
            Ok(vec![Linearizable])
        );
        assert_eq!(kinds(WorkloadKind::Bank, &[]), Ok(vec![Bank]));
        assert_eq!(kinds(WorkloadKind::ListAppend, &[]), Ok(vec![Txn]));
        assert_eq!(kinds(WorkloadKind::RwRegister, &[]), Ok(vec![Txn]));
        assert_eq!(kinds(WorkloadKind::Lock, &[]), Ok(vec![Lock]));
        assert_eq!(
            kinds(WorkloadKind::Lock, &["linearizable"]),
            Ok(vec![Linearizable])
        );
        let refused = kinds(WorkloadKind::Bank, &["linearizable"]).unwrap_err();
        assert!(
            refused.contains("judged by the bank checker only"),
            "{refused}"
        );
        let refused = kinds(WorkloadKind::Register, &["txn"]).unwrap_err();
        assert!(
            refused.contains("list-append and rw-register workloads"),
            "{refused}"
        );
        let refused = kinds(WorkloadKind::Kv, &["bank"]).unwrap_err();
        assert!(
            refused.contains("of the bank workload (--workload bank)"),
            "{refused}"
        );
    }

    /// A checker that must hold the whole history is not run when that
    /// would take more than the memory limit: its verdict is unknown and
    /// says why, instead of the process growing past the limit. The
    /// checkers that judge keys apart read the history a batch of keys at
    /// a time, so the limit does not stop them.
    #[test]
    fn a_history_too_large_to_hold_is_unknown_for_whole_history_checkers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        register_history(&path);
        let size = std::fs::metadata(&path).unwrap().len() as usize;
        let check = |workload, checker: Vec<CheckerWord>| {
            let config = RunConfig {
                workload,
                checker,
                memory_limit: Some(ByteSize(size * 2)),
                ..RunConfig::default()
            };
            let pass = crate::run::history_pass::read(&path, (0, 0), None).unwrap();
            run_checkers_on_file(
                &path,
                pass.keys,
                &config,
                Arc::new(AtomicBool::new(false)),
                None,
            )
            .unwrap()
        };
        let session = check(
            WorkloadKind::Register,
            vec![CheckerWord::Kind(CheckerKind::Session)],
        );
        assert_eq!(session.len(), 1);
        assert_eq!(session[0].valid, Validity::Valid, "{}", session[0].summary);

        let refused = check(WorkloadKind::Bank, Vec::new());
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].checker, "bank");
        assert_eq!(refused[0].valid, Validity::Unknown);
        assert!(
            refused[0].summary.contains("over the memory limit"),
            "{}",
            refused[0].summary
        );
    }

    /// Four keys written and read in turn by two processes, one stale read
    /// (k2), a partition healed halfway, then a final read of every key:
    /// the tail the batches join to each key.
    fn keyed_history(path: &Path) -> u64 {
        let mut f = std::fs::File::create(path).unwrap();
        let i = std::cell::Cell::new(0u64);
        let emit = |f: &mut std::fs::File, process, kind, op: OpFn, key: Option<&str>, value| {
            let n = i.get();
            let e = Event {
                index: n,
                time: n * 1_000_000,
                process,
                kind,
                f: op,
                key: key.map(str::to_string),
                value,
                node: Some(format!("n{}", n % 3 + 1)),
                error: None,
                detail: None,
            };
            writeln!(f, "{}", serde_json::to_string(&e).unwrap()).unwrap();
            i.set(n + 1);
        };
        for round in 0..3i64 {
            if round == 1 {
                let nemesis = OpFn::parse("start-partition");
                emit(
                    &mut f,
                    ProcessId::Nemesis,
                    EventType::Info,
                    nemesis,
                    None,
                    serde_json::Value::Null,
                );
            }
            for k in 0..4i64 {
                let key = format!("k{k}");
                let p = ProcessId::Client(k as u64 % 2);
                let (op, value) = match round {
                    0 | 1 => (OpFn::Write, serde_json::json!(k * 10 + round + 1)),
                    // k2 reads its first value back after writing the second.
                    _ if k == 2 => (OpFn::Read, serde_json::json!(k * 10 + 1)),
                    _ => (OpFn::Read, serde_json::json!(k * 10 + 2)),
                };
                let invoked = if op == OpFn::Read {
                    serde_json::Value::Null
                } else {
                    value.clone()
                };
                emit(
                    &mut f,
                    p,
                    EventType::Invoke,
                    op.clone(),
                    Some(&key),
                    invoked,
                );
                emit(&mut f, p, EventType::Ok, op, Some(&key), value);
            }
        }
        let heal = OpFn::parse("stop-partition");
        emit(
            &mut f,
            ProcessId::Nemesis,
            EventType::Info,
            heal,
            None,
            serde_json::Value::Null,
        );
        let tail = i.get() * 1_000_000;
        for k in 0..4i64 {
            let key = format!("k{k}");
            let p = ProcessId::Client(9);
            emit(
                &mut f,
                p,
                EventType::Invoke,
                OpFn::Read,
                Some(&key),
                serde_json::Value::Null,
            );
            let value = serde_json::json!(k * 10 + 2);
            emit(&mut f, p, EventType::Ok, OpFn::Read, Some(&key), value);
        }
        tail
    }

    /// Batches of a few events give the verdicts one check of the whole
    /// history gives, the eventual checker's last heal included (the
    /// batches leave the nemesis out).
    #[test]
    fn checkers_reading_keys_apart_agree_with_the_whole_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let tail = keyed_history(&path);
        let pass = crate::run::history_pass::read(&path, (0, 0), Some(tail)).unwrap();
        assert!(pass.keys.last_nemesis.is_some());
        let (events, _) = crate::run::history_file::read_events(&path).unwrap();
        let opts = CardOptions::new(ModelKind::Register);
        let kinds = CheckerKind::ALL;
        let untimed = |mut v: Verdict| {
            if let Some(d) = v.details.as_object_mut() {
                d.remove("elapsed_ms");
            }
            v
        };
        let whole: Vec<Verdict> = run_card(&events, &kinds, &opts)
            .into_iter()
            .map(untimed)
            .collect();
        let keyed: Vec<Verdict> = check_by_keys(&path, &pass.keys, &kinds, &opts, 3)
            .unwrap()
            .into_iter()
            .map(untimed)
            .collect();
        // Linearizability's batches stop at the first invalid key and name
        // operations by position in their batch: compared by verdict.
        assert_eq!(keyed[0].valid, whole[0].valid);
        assert_eq!(keyed[1..], whole[1..]);
        let valid: Vec<Validity> = whole.iter().map(|v| v.valid).collect();
        // The stale read breaks linearizability, sequential consistency
        // and monotonic writes; the final reads agree after the heal.
        use Validity::*;
        assert_eq!(
            valid,
            [Invalid, Invalid, Invalid, Valid, Valid],
            "{whole:#?}"
        );
    }
}
