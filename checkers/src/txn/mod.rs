//! The transactional isolation checker, by Elle's method (Kingsbury &
//! Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
//! Observations", VLDB 2020).
//!
//! A history of `txn` operations, each a list of micro-ops over
//! list-append (`[append k v]`, `[r k [v ...]]`) or rw-register (`[w k v]`,
//! `[r k v]`) keys with unique values, is turned into a dependency graph:
//! write-write, write-read and read-write dependencies inferred from the
//! values (see [`list_append`](self) and `rw_register` for what each
//! workload reveals), plus real-time and process order. Cycles in it are
//! Adya's anomalies (G0, G1c, G-single, G2-item, and their `-realtime` and
//! `-process` variants); aborted and intermediate reads, lost updates and
//! reads no database could return need no cycle. The anomalies found rule
//! out consistency models, listed in a table, and the verdict is about the
//! model asked for (strict serializability by default).
//!
//! ```no_run
//! use faultline_checkers::{TxnOptions, check_txn};
//! use faultline_checkers::{Format, read_history};
//! let events = read_history(std::path::Path::new("history.edn"), Format::Auto).unwrap();
//! let report = check_txn(&events, &TxnOptions::default()).unwrap();
//! print!("{}", report.render_text());
//! ```

mod anomaly;
mod cycles;
mod describe;
mod edges;
mod error;
mod explain;
mod findings;
mod graph;
mod history;
mod html;
mod infer;
mod list_append;
mod long_fork;
mod models;
mod options;
mod order_edges;
mod report;
mod rw_register;
mod values;
mod workload;
mod writers;

pub use anomaly::{Anomaly, AnomalyKind, CycleStep, TxnRef};
pub use edges::EdgeKind;
pub use error::TxnError;
pub use history::{TxnHistory, TxnStatus};
pub use long_fork::is_long_fork_history;
pub use models::{ConsistencyModel, ModelRow, UnknownConsistencyModel, model_table};
pub use options::TxnOptions;
pub use report::{AnomalyGroup, GraphStats, TxnCounts, TxnReport};
pub use workload::TxnWorkload;

use crate::history::Event;
use crate::verdict::Validity;
use edges::EdgeKind as K;
use findings::Findings;
use infer::Explain;

/// True if the history's client operations are transactions (`f` = `txn`).
pub fn is_txn_history(events: &[Event]) -> bool {
    let mut clients = events
        .iter()
        .filter(|e| e.process != crate::history::ProcessId::Nemesis)
        .peekable();
    clients.peek().is_some() && clients.all(|e| e.f == crate::history::OpFn::Txn)
}

/// Checks a history of transactions (see the module documentation).
pub fn check_txn(events: &[Event], opts: &TxnOptions) -> Result<TxnReport, TxnError> {
    check_txn_located(events, None, opts)
}

/// Like [`check_txn`], with the source line of each event for error messages.
pub fn check_txn_located(
    events: &[Event],
    lines: Option<&[usize]>,
    opts: &TxnOptions,
) -> Result<TxnReport, TxnError> {
    let h = TxnHistory::from_events(events, lines, &opts.source, opts.workload)?;
    let mut findings = Findings::new(opts.max_examples);
    match h.workload {
        TxnWorkload::ListAppend => {
            let (la, inferred) = list_append::infer(&h, &opts.source, &mut findings)?;
            Ok(finish(&h, &la, inferred, findings, opts))
        }
        TxnWorkload::RwRegister => {
            let (rr, inferred) =
                rw_register::infer(&h, &opts.source, opts.writes_follow_reads, &mut findings)?;
            Ok(finish(&h, &rr, inferred, findings, opts))
        }
    }
}

/// Adds order edges, searches the cycles and writes the report.
fn finish(
    h: &TxnHistory,
    ex: &dyn Explain,
    inferred: infer::Inferred,
    mut findings: Findings,
    opts: &TxnOptions,
) -> TxnReport {
    let infer::Inferred {
        in_graph,
        mut edges,
    } = inferred;
    order_edges::realtime(h, &in_graph, &mut edges);
    order_edges::process(h, &in_graph, &mut edges);
    let graph = graph::DepGraph::build(h.txns.len(), edges.edges);
    let search = cycles::find_cycles(&graph, opts.cycle_search_budget);
    let mut found = search.cycles;
    // Shortest first, so the examples kept are the easiest to read.
    found.sort_by_key(|c| c.steps.len());
    for c in &found {
        findings.add(c.kind, || explain::cycle_anomaly(h, ex, c));
    }
    let kinds = findings.kinds();
    let models = model_table(&kinds);
    let ruled_out = models.iter().any(|r| r.model == opts.model && r.ruled_out);
    let undecided = search.incomplete.iter().any(|k| opts.model.forbids(*k));
    // Nothing to judge is not a pass: a wrong --checker must not look green.
    let reason = h.txns.is_empty().then(|| {
        format!(
            "no transactions (f txn) in the history{}",
            if h.ignored_ops > 0 {
                format!("; {} other operations left out", h.ignored_ops)
            } else {
                String::new()
            }
        )
    });
    let valid = if ruled_out {
        Validity::Invalid
    } else if undecided || reason.is_some() {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    let count = |s: TxnStatus| h.txns.iter().filter(|t| t.status == s).count();
    let kc = graph.kind_counts();
    let at = |k: K| K::ALL.iter().position(|x| *x == k).map_or(0, |i| kc[i]);
    TxnReport {
        valid,
        model: opts.model,
        workload: h.workload,
        counts: TxnCounts {
            committed: count(TxnStatus::Committed),
            aborted: count(TxnStatus::Aborted),
            unknown: count(TxnStatus::Unknown),
            unknown_seen: h
                .txns
                .iter()
                .filter(|t| t.status == TxnStatus::Unknown && in_graph[t.id])
                .count(),
            ignored_ops: h.ignored_ops,
        },
        graph: GraphStats {
            nodes: in_graph.iter().filter(|b| **b).count(),
            arcs: graph.arc_count(),
            ww: at(K::Ww),
            wr: at(K::Wr),
            rw: at(K::Rw),
            realtime: at(K::Realtime),
            process: at(K::Process),
            cyclic: search.cyclic_nodes,
        },
        anomalies: findings
            .groups
            .into_iter()
            .map(|(kind, g)| AnomalyGroup {
                kind,
                count: g.count,
                examples: g.examples,
            })
            .collect(),
        models,
        incomplete: search.incomplete,
        reason,
    }
}
