//! `faultline check FILE`: reads a recorded history, checks it for
//! linearizability and prints the verdict (text or JSON), optionally writing
//! the HTML timeline of the counterexample and an EDN export. With
//! `--checker NAME,...` it runs those checkers and prints a report card.

use crate::byte_size::{ByteSize, default_memory_limit};
use crate::exit::Exit;
use anyhow::Context;
use faultline_checkers::LinearizabilityReport;
use faultline_checkers::{
    CardOptions, CheckerKind, PageContext, Report, render_html_with, render_text, run_checkers,
};
use faultline_checkers::{
    CheckOptions, Event, Format, HistoryError, Independence, ModelKind, ShrinkBudget,
    check_linearizable, default_model_for, parse_history_with, to_edn_with_init,
};
use faultline_checkers::{
    ConsistencyModel, EventualOptions, ReportCard, StalenessOptions, Validity,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod many;

const MODELS_HELP: &str = "\
Models (--model):
  register       read / write of one value per key
  cas-register   register plus compare-and-set: `cas [from, to]` (Knossos's cas-register)
  kv             multi-key store of cas-registers, checked key by key
  kv-append      Porcupine's kv: strings with get / put / append, initially \"\", per key
  append-list    `append v`; a read returns the whole list
  set            `add v`; a read returns the whole set
  counter        `incr n`; a read returns the sum
  fifo-queue     `enqueue v` / `dequeue` returning the head
  mutex          `acquire` / `release`
Without --model the model is chosen from the operations in the history:
append → kv-append (EDN or string values) or append-list, add → set,
incr → counter, enqueue/dequeue → fifo-queue, acquire/release → mutex;
otherwise cas-register for EDN and Porcupine logs, kv (a cas-register per
key) for faultline JSONL. Without --model or --checker, Jepsen's bank
histories (transfers), counter histories (add, reads of numbers) and set
histories (add, reads of sets; EDN or unkeyed JSON) are judged by the bank,
counter and set-full checkers, as Jepsen's own checkers judge them.

Formats (--format):
  auto            detect from the content, passing over `;` comments (default)
  jsonl           faultline's history.jsonl, one JSON event per line, or one JSON array of them
  edn             Jepsen/Knossos EDN maps, one per line ({:process 0, :type :invoke, ...}),
                  or one vector [...] or list (...) of them
  porcupine-etcd  Jepsen etcd logs as in Porcupine's test data (INFO  jepsen.util - 3 :invoke :read nil)

Exit codes: 0 valid, 1 invalid, 2 unknown (timeout or Ctrl-C), 3 bad input or error.";

/// `--timeout` when not given, in seconds: long enough for every history
/// the benchmarks know of, short enough that a CI job never hangs on one.
const DEFAULT_TIMEOUT_S: f64 = 300.0;

/// Check a recorded history (faultline JSONL, Jepsen EDN, Porcupine logs).
#[derive(clap::Args, Debug)]
#[command(after_long_help = MODELS_HELP, after_help = "Run with --help for the list of models and formats.")]
pub struct CheckArgs {
    /// History files (history.jsonl, a Jepsen EDN history, a Porcupine etcd
    /// log) or directories: a run's results directory, or one holding many
    /// runs (every history.jsonl below it is checked; `latest` links are
    /// passed over). Several are checked in one process, each on its own.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Format of the file: auto, jsonl, edn, porcupine-etcd.
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    pub format: Format,
    /// Model to check against (see below); chosen from the operations when absent.
    #[arg(long, value_name = "NAME")]
    pub model: Option<ModelKind>,
    /// Initial value of every key, as JSON (`0`, `"x"`, `[]`); plain words are taken as strings.
    /// Like Knossos's `(cas-register 0)`; without it a key starts absent (nil).
    #[arg(long, value_name = "VALUE")]
    pub init: Option<String>,
    /// Give up after this many seconds: undecided keys are reported unknown (exit 2).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_S)]
    pub timeout: f64,
    /// Memory the searches may use in all (e.g. 2GiB, 512MiB); a key whose
    /// search would need more is reported unknown with that reason
    /// [default: half of this machine's memory].
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<ByteSize>,
    /// Spend at most this many seconds per invalid key shrinking it to a
    /// minimal counterexample (shown first); 0 switches shrinking off. It
    /// never changes the verdict [default: ten times what deciding the key
    /// took, between 0.1 and 5 s].
    #[arg(long, value_name = "SECS")]
    pub shrink_timeout: Option<f64>,
    /// EDN: read every `:value` as a Jepsen independent `[key value]` tuple
    /// (without either flag this is guessed, and the guess is printed).
    #[arg(long, conflicts_with = "no_independent")]
    pub independent: bool,
    /// EDN: take `:value`s whole, never as `[key value]` tuples.
    #[arg(long)]
    pub no_independent: bool,
    /// Print the report as JSON (the serde form of the report) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write a self-contained HTML timeline of the counterexample to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also write the history as Jepsen EDN to FILE (for Knossos or Elle).
    #[arg(long, value_name = "FILE")]
    pub export_edn: Option<PathBuf>,
    /// Print a report card of these checkers: linearizable, sequential,
    /// session, eventual, staleness, lock, bank, txn, counter, set-full, or
    /// all (comma-separated; all leaves out lock, bank, txn, counter and
    /// set-full, which judge only their own histories). Histories with
    /// transfers get bank by default, lock histories lock, histories of
    /// transactions (`f` txn) txn, `add` histories whose reads return
    /// numbers counter, EDN `add` histories whose reads return sets set-full
    /// (Jepsen's checkers for those workloads).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub checker: Option<Vec<CheckerKindArg>>,
    /// txn: the consistency model the verdict (and exit code) is about:
    /// strict-serializable, strong-session-serializable, serializable,
    /// strong-snapshot-isolation, strong-session-snapshot-isolation,
    /// snapshot-isolation, repeatable-read, read-committed or
    /// read-uncommitted. Every model's row is printed either way [default:
    /// strict-serializable; serializable for histories shaped like Jepsen's
    /// long-fork workload, which is what its checker judges].
    #[arg(long, value_name = "MODEL")]
    pub consistency_model: Option<ConsistencyModel>,
    /// bank: the total every read must show, for histories without a setup
    /// write (Jepsen's `:total-amount`, 100 in its bank test); without it,
    /// the total most reads show.
    #[arg(long, value_name = "N")]
    pub bank_total: Option<i64>,
    /// eventual: reads count as final only this many seconds after the last
    /// heal and the last write [default: 0].
    #[arg(long, value_name = "SECS")]
    pub quiet_period: Option<f64>,
    /// staleness: invalid if a read is more than N versions behind.
    #[arg(long, value_name = "N")]
    pub max_stale_versions: Option<u64>,
    /// staleness: invalid if a read lags more than MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub max_stale_ms: Option<f64>,
}

/// A `--checker` name: one checker or `all`.
#[derive(Debug, Clone)]
pub struct CheckerKindArg(Vec<CheckerKind>);

impl std::str::FromStr for CheckerKindArg {
    type Err = faultline_checkers::UnknownChecker;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckerKind::parse_list(&[s]).map(CheckerKindArg)
    }
}

/// Runs the command.
pub fn execute(args: CheckArgs) -> anyhow::Result<Exit> {
    let cancel = Arc::new(AtomicBool::new(false));
    install_ctrlc(&cancel)?;
    let files = many::expand(&args.files)?;
    match files.as_slice() {
        [one] => {
            let mut out = String::new();
            let exit = check_file(&mut out, &args, one, &cancel);
            print!("{out}");
            exit
        }
        _ => {
            if args.html.is_some() || args.export_edn.is_some() {
                anyhow::bail!(
                    "--html and --export-edn write one file: give one history, not {}",
                    files.len()
                );
            }
            many::check_all(&files, args.json, &cancel, |out, file| {
                check_file(out, &args, file, &cancel)
            })
        }
    }
}

/// Checks one history file, writing its report (text or JSON) to `out`.
fn check_file(
    out: &mut String,
    args: &CheckArgs,
    file: &Path,
    cancel: &Arc<AtomicBool>,
) -> anyhow::Result<Exit> {
    let independence = if args.independent {
        Independence::Independent
    } else if args.no_independent {
        Independence::Whole
    } else {
        Independence::Auto
    };
    let (events, format) = load(file, args.format, independence)?;
    let loaded = Loaded {
        file,
        events: &events,
        format,
    };
    let init = args.init.as_deref().map(parse_init);
    if let Some(path) = &args.export_edn {
        std::fs::write(path, to_edn_with_init(&events, init.as_ref()))
            .with_context(|| format!("cannot write the EDN export to {}", path.display()))?;
    }
    let model = args
        .model
        .or_else(|| run_model(file))
        .unwrap_or_else(|| default_model_for(format, &events));
    let timeout = match args.timeout {
        s if !(s.is_finite() && s > 0.0) => {
            anyhow::bail!("--timeout must be a positive number of seconds, got {s}")
        }
        s => Some(Duration::from_secs_f64(s)),
    };
    let opts = CheckOptions {
        timeout,
        cancel: Some(Arc::clone(cancel)),
        init,
        engine: None,
        memory_limit: Some(args.memory_limit.unwrap_or_else(default_memory_limit).0),
        shrink: shrink_budget(args.shrink_timeout)?,
        progress: None,
    };
    // Histories with a checker of their own (bank, Jepsen's counter and
    // set-full) are judged by it unless a checker or a model is named.
    if args.checker.is_none()
        && args.model.is_none()
        && let Some(kind) = own_checker(&events, format)
    {
        return card(out, args, &loaded, model, opts, &[kind]);
    }
    if let Some(list) = &args.checker {
        let mut kinds: Vec<CheckerKind> = Vec::new();
        for k in list.iter().flat_map(|a| a.0.iter()) {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        return card(out, args, &loaded, model, opts, &kinds);
    }
    // Transactions are judged by their isolation, not as registers.
    if args.model.is_none() && faultline_checkers::is_txn_history(&events) {
        return card(out, args, &loaded, model, opts, &[CheckerKind::Txn]);
    }
    // The lock workload's histories have no register model to linearize
    // against; their checker is `lock`.
    if args.model.is_none() && faultline_checkers::is_lock_history(&events) {
        return card(out, args, &loaded, model, opts, &[CheckerKind::Lock]);
    }

    let spinner = spinner(events.len(), model);
    let report = check_linearizable(&events, model, &opts);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let report = report.with_context(|| format!("checking {}", file.display()))?;

    if args.json {
        let json = serde_json::to_string_pretty(&report).context("serializing the report")?;
        out.push_str(&json);
        out.push('\n');
    } else {
        out.push_str(&render_text(&report));
    }
    if let Some(path) = &args.html {
        write_html(path, &report, &loaded)?;
        eprintln!("wrote the HTML timeline to {}", path.display());
    }
    Ok(report.valid.into())
}

/// The checker that judges a history of one of Jepsen's workloads as
/// Jepsen's own checker does, when the operations say which: transfers →
/// bank; `add`s with numeric reads → counter; `add`s with reads of sets →
/// set-full, for EDN and for JSON without keys (faultline's own set
/// workload is keyed, and its histories are judged for linearizability).
fn own_checker(events: &[Event], format: Format) -> Option<CheckerKind> {
    if events
        .iter()
        .any(|e| e.f == faultline_checkers::OpFn::Transfer)
    {
        Some(CheckerKind::Bank)
    } else if faultline_checkers::is_counter_history(events) {
        Some(CheckerKind::Counter)
    } else if (format == Format::Edn || events.iter().all(|e| e.key.is_none()))
        && faultline_checkers::is_set_history(events)
    {
        Some(CheckerKind::SetFull)
    } else {
        None
    }
}

/// A history as read: where from, its events, its format.
struct Loaded<'a> {
    file: &'a Path,
    events: &'a [Event],
    format: Format,
}

/// `--checker`: runs the named checkers and prints the report card.
fn card(
    out: &mut String,
    args: &CheckArgs,
    history: &Loaded<'_>,
    model: ModelKind,
    check: CheckOptions,
    kinds: &[CheckerKind],
) -> anyhow::Result<Exit> {
    let quiet = match args.quiet_period {
        Some(s) if !(s.is_finite() && s >= 0.0) => {
            anyhow::bail!("--quiet-period must be a non-negative number of seconds, got {s}")
        }
        Some(s) => Duration::from_secs_f64(s),
        None => Duration::ZERO,
    };
    let mut opts = CardOptions::new(model);
    opts.check = check;
    opts.eventual = EventualOptions {
        quiet_period: quiet,
    };
    opts.staleness = StalenessOptions {
        max_versions: args.max_stale_versions,
        max_lag_ms: args.max_stale_ms,
    };
    opts.txn.model = match args.consistency_model {
        Some(m) => m,
        // Jepsen's long-fork checker looks for forks, not stale reads.
        None if faultline_checkers::is_long_fork_history(history.events) => {
            eprintln!(
                "{}: shaped like Jepsen's long-fork workload (single inserts, group reads): \
                 the verdict is about serializability, as its checker judges \
                 (--consistency-model strict-serializable for the stronger model)",
                history.file.display()
            );
            ConsistencyModel::Serializable
        }
        None => ConsistencyModel::StrictSerializable,
    };
    opts.bank.total = args.bank_total;
    opts.txn.source = history.file.display().to_string();
    let spinner = spinner(history.events.len(), model);
    let verdicts = run_checkers(history.events, kinds, &opts);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let valid = verdicts
        .iter()
        .fold(Validity::Valid, |acc, v| acc.and(v.valid));
    if args.json {
        let doc = serde_json::json!({
            "valid": valid,
            "verdicts": verdicts,
            "card": ReportCard::from_verdicts(&verdicts),
        });
        let json = serde_json::to_string_pretty(&doc).context("serializing the verdicts")?;
        out.push_str(&json);
        out.push('\n');
    } else {
        out.push_str(&crate::run::summary::render_card(&verdicts));
        out.push('\n');
        // The card shows one witness per row; a broken bank lists its reads.
        for v in verdicts
            .iter()
            .filter(|v| v.checker == CheckerKind::Bank.as_str())
        {
            if let Some(text) = crate::report::counterexample::counterexample_text(v) {
                out.push_str(&text);
            }
        }
        let reports: Vec<Report> = verdicts.iter().filter_map(Report::from_verdict).collect();
        // Jepsen's counter and set-full: the counts, and what was wrong.
        for r in &reports {
            match r {
                Report::Counter(r) => out.push_str(&r.render_text()),
                Report::SetFull(r) => out.push_str(&r.render_text()),
                _ => {}
            }
        }
        // Transactions: counts, anomalies with their cycles in words, models.
        for r in &reports {
            if let Report::Txn(r) = r {
                out.push_str(&r.render_text());
            }
        }
        out.push_str(&format!(
            "verdict: {}\n",
            crate::run::summary::validity_word(valid)
        ));
    }
    let mut reports = verdicts.iter().filter_map(Report::from_verdict);
    let txn_html = args.html.as_ref().and_then(|path| {
        reports.clone().find_map(|r| match r {
            Report::Txn(r) => Some((path, r)),
            _ => None,
        })
    });
    if let Some((path, report)) = txn_html {
        std::fs::write(
            path,
            report.render_html(&history.file.display().to_string()),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "wrote the HTML report of the transactions to {}",
            path.display()
        );
    } else if let Some(path) = &args.html {
        let lin = reports.find_map(|r| match r {
            Report::Linearizable(r) => Some(r),
            _ => None,
        });
        match lin {
            Some(report) => {
                write_html(path, &report, history)?;
                eprintln!("wrote the HTML timeline to {}", path.display());
            }
            None => eprintln!("--html needs the linearizable checker; no timeline written"),
        }
    }
    Ok(valid.into())
}

/// Writes the HTML page; a faultline history (JSONL) has real times and its
/// faults, drawn as a time axis with the fault windows shaded.
fn write_html(
    path: &Path,
    report: &LinearizabilityReport,
    history: &Loaded<'_>,
) -> anyhow::Result<()> {
    let ctx = if history.format == Format::Jsonl {
        crate::report::fault_windows::page_context(history.events)
    } else {
        PageContext::default()
    };
    let html = render_html_with(report, &history.file.display().to_string(), &ctx);
    std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))
}

/// The model the run that recorded `file` checked it with, when `file` is a
/// results directory's history: its config.toml names the workload, so
/// `check` says `cas-register` where the run did (not the format's `kv`).
fn run_model(file: &Path) -> Option<ModelKind> {
    let path = file.parent()?.join("config.toml");
    // Most histories checked have no run beside them; an error built only to
    // be dropped captures a backtrace under RUST_BACKTRACE=1 for nothing.
    if !path.is_file() {
        return None;
    }
    // Through from_file: an SSH run's config.toml has [[nodes]] tables.
    let config = crate::run::config::RunConfig::from_file(&path).ok()?;
    Some(config.workload.model())
}

/// `--shrink-timeout`: none given is the library's default, 0 is off.
fn shrink_budget(secs: Option<f64>) -> anyhow::Result<ShrinkBudget> {
    Ok(match secs {
        None => ShrinkBudget::Default,
        Some(s) if !(s.is_finite() && s >= 0.0) => {
            anyhow::bail!("--shrink-timeout must be a non-negative number of seconds, got {s}")
        }
        Some(0.0) => ShrinkBudget::Off,
        Some(s) => ShrinkBudget::Within(Duration::from_secs_f64(s)),
    })
}

/// `--init 0` is the number 0, `--init '"a"'` and `--init a` the string "a".
fn parse_init(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_string()))
}

/// The first Ctrl-C asks the search to stop (unfinished partitions become
/// unknown); a second one ends the process at once. Unlike the ctrlc crate
/// this starts no thread: a check of a small file takes less time than
/// spawning one, and CI scripts run one process per file.
fn install_ctrlc(cancel: &Arc<AtomicBool>) -> anyhow::Result<()> {
    const SIGINT: i32 = nix::libc::SIGINT;
    let flag = Arc::clone(cancel);
    let action = move || {
        if flag.swap(true, Ordering::SeqCst) {
            // SAFETY: _exit(2) is async-signal-safe and runs no Rust code.
            unsafe { nix::libc::_exit(130) }
        }
        let _ = nix::unistd::write(
            std::io::stderr(),
            b"\ninterrupted: stopping the check (Ctrl-C again to quit at once)\n",
        );
    };
    // SAFETY: the action only swaps an atomic, calls write(2) on stderr's
    // descriptor and _exit(2), all async-signal-safe; it neither allocates
    // nor takes locks.
    unsafe { signal_hook_registry::register(SIGINT, action) }
        .context("installing the Ctrl-C handler")?;
    Ok(())
}

/// A spinner on stderr for checks that take a while; none when stderr is not a terminal.
fn spinner(events: usize, model: ModelKind) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        pb.set_style(style);
    }
    pb.set_message(format!("checking {events} events as {model}"));
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

/// Reads and parses the file; with `auto`, the detected format is returned so
/// that the default model can depend on it.
fn load(
    path: &Path,
    format: Format,
    independence: Independence,
) -> anyhow::Result<(Vec<Event>, Format)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| HistoryError::new(&name, 0, format!("cannot read the file: {e}")))?;
    let parsed = parse_history_with(&text, &name, format, independence)?;
    // Transactions are never independent tuples, so there is nothing to say.
    if parsed.format == Format::Edn && !faultline_checkers::is_txn_history(&parsed.events) {
        // Independence changes what the keys are, so the choice is said aloud.
        eprintln!(
            "{name}: {}",
            match (parsed.independent, independence) {
                (true, Independence::Auto) =>
                    "every :value is a [key value] pair, so they are read as \
                     independent tuples (Jepsen's independent checker); --no-independent reads them whole",
                (true, _) => "values read as independent [key value] tuples (--independent)",
                (false, Independence::Auto) =>
                    "values read whole (not every :value is a [key value] \
                     pair); --independent reads them as tuples",
                (false, _) => "values read whole (--no-independent)",
            }
        );
    }
    let format = parsed.format;
    Ok((parsed.events, format))
}
