//! `faultline bench cluster`: throughput and latency of the bundled cluster
//! (3 nodes) in raft and paxos mode, and of a local 3-member etcd where
//! `etcd` is installed.

mod driver;

use crate::bench::args::BenchArgs;
use crate::exit::Exit;
use anyhow::Context;
use driver::{Op, PhaseResult, Target};
use faultline_cluster::launcher::free_base_port;
use faultline_cluster::{Cluster, ClusterSpec, Mode};
use std::path::PathBuf;
use std::time::Duration;
use tabled::{Table, Tabled};

/// Concurrency levels measured.
const CLIENTS: [usize; 3] = [10, 50, 100];

/// One row of the printed table.
#[derive(Tabled)]
struct Row {
    system: String,
    op: &'static str,
    clients: usize,
    #[tabled(rename = "ops/s")]
    rate: String,
    #[tabled(rename = "p50 ms")]
    p50: String,
    #[tabled(rename = "p99 ms")]
    p99: String,
    errors: usize,
}

impl Row {
    fn new(system: &str, clients: usize, r: &PhaseResult) -> Row {
        Row {
            system: system.to_string(),
            op: r.op.name(),
            clients,
            rate: format!("{:.0}", r.rate()),
            p50: format!("{:.2}", r.quantile_ms(0.50)),
            p99: format!("{:.2}", r.quantile_ms(0.99)),
            errors: r.errors,
        }
    }
}

/// Runs the benchmark and prints its numbers.
pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let phase = if args.quick {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(3)
    };
    let scratch = scratch_dir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let mut rows = Vec::new();

    for (mode, cache) in [
        (Mode::Raft, false),
        (Mode::Raft, true),
        (Mode::Paxos, false),
    ] {
        bench_bundled(&runtime, &scratch, phase, mode, cache, &mut rows)?;
    }

    match crate::etcd::binary::find() {
        Some(_) => {
            let dir = scratch.join("etcd");
            let members =
                runtime.block_on(crate::etcd::LocalEtcd::start(3, &dir, Some(&dir), 0, false))?;
            let target = Target::Etcd {
                urls: members.cluster.client_urls(),
            };
            for clients in CLIENTS {
                for op in [Op::Write, Op::Read] {
                    let r = runtime.block_on(driver::run_phase(&target, op, clients, phase))?;
                    rows.push(Row::new("etcd", clients, &r));
                }
            }
            members.stop();
        }
        None => eprintln!("etcd not on PATH: skipping (apt-get install -y etcd-server)"),
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("{}", Table::new(rows));
    Ok(Exit::Valid)
}

/// Measures a fresh bundled cluster (with `--cache` if `cache`) into `rows`.
/// Measures one bundled cluster: 3 nodes in `mode`, with each node's read
/// cache when `cache` (reads then hit it instead of a ReadIndex round).
fn bench_bundled(
    runtime: &tokio::runtime::Runtime,
    scratch: &std::path::Path,
    phase: Duration,
    mode: Mode,
    cache: bool,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let system = if cache {
        format!("faultline {mode} + cache")
    } else {
        format!("faultline {mode}")
    };
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    let mut spec = ClusterSpec::new(
        exe,
        vec!["node".into()],
        3,
        scratch.join(system.replace([' ', '+'], "-")),
        free_base_port(3),
    );
    spec.mode = mode;
    if cache {
        spec.extra_args.push("--cache".into());
    }
    let cluster = Cluster::start(spec).context("starting the bundled cluster")?;
    let urls = if mode.has_leader() {
        let leader = cluster
            .wait_for_leader(Duration::from_secs(15))
            .context("waiting for a leader")?;
        let url = cluster.client_url(&leader).context("leader URL")?;
        eprintln!("{system}: leader {leader} at {url}");
        vec![url]
    } else {
        // Leaderless: every node proposes, so load goes to all of them.
        cluster.client_urls()
    };
    if cache {
        // A new leader holds back every answer for one cache lease (the
        // default 1 s), until its predecessors' cache entries have expired;
        // measuring that wait would say nothing about the cache.
        std::thread::sleep(Duration::from_millis(1200));
    }
    let target = Target::Faultline { urls };
    for clients in CLIENTS {
        for op in [Op::Write, Op::Read] {
            let r = runtime.block_on(driver::run_phase(&target, op, clients, phase))?;
            rows.push(Row::new(&system, clients, &r));
        }
    }
    cluster.stop();
    Ok(())
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("faultline-bench-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
