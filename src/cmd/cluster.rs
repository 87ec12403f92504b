//! `faultline cluster up`: start the bundled cluster locally until Ctrl-C.

use crate::exit::Exit;
use anyhow::Context;
use faultline_cluster::{Bug, Cluster, ClusterSpec, Mode};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Manage the bundled reference cluster.
#[derive(clap::Args, Debug)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

/// Subcommands of `faultline cluster`.
#[derive(clap::Subcommand, Debug)]
enum ClusterCommand {
    /// Start N nodes on 127.0.0.1 and keep them running until Ctrl-C.
    Up(UpArgs),
}

/// Arguments of `faultline cluster up`.
#[derive(clap::Args, Debug)]
struct UpArgs {
    /// Number of nodes (per shard).
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Independent Raft groups; 2 or more also start the 2PC coordinator c1, which clients talk to.
    #[arg(long, default_value_t = 1)]
    shards: usize,
    /// Replication mode.
    #[arg(long, value_enum, default_value_t = Mode::Raft)]
    mode: Mode,
    /// Deliberate bugs, comma-separated (docs/cluster.md says what each breaks and needs).
    #[arg(long = "bug", value_delimiter = ',', help = format!(
        "Deliberate bugs, comma-separated: {} (2pc-no-prepare and dirty-reads need --shards)",
        crate::run::config::choices::bugs()
    ))]
    bugs: Vec<Bug>,
    /// Parent data directory (default: results/cluster-<timestamp>).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Node i listens on base-port + i (0: free ports, printed at start).
    #[arg(long, default_value_t = 7000)]
    base_port: u16,
    /// Applied entries between snapshots.
    #[arg(long)]
    snapshot_threshold: Option<u64>,
    /// Gossip mode: peers each node exchanges state with per round.
    #[arg(long, default_value_t = 2)]
    fanout: usize,
    /// Gossip mode: milliseconds between anti-entropy rounds.
    #[arg(long, default_value_t = 100)]
    gossip_interval: u64,
    /// Serve reads through each node's read-through cache (invalidated on write).
    #[arg(long)]
    cache: bool,
    /// Lease of a cached value in milliseconds, with --cache.
    #[arg(long, default_value_t = 1000)]
    cache_ttl_ms: u64,
    /// Which system: the bundled cluster, or etcd members from the etcd binary on the PATH.
    #[arg(long, value_enum, default_value_t = ClusterSut::Bundled)]
    sut: ClusterSut,
}

/// Systems `cluster up` can start.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ClusterSut {
    /// faultline's own reference cluster.
    Bundled,
    /// etcd (client ports from --base-port, peer ports after them, peer traffic through the proxy mesh).
    Etcd,
}

/// Runs the command.
pub fn execute(args: ClusterArgs) -> anyhow::Result<Exit> {
    match args.command {
        ClusterCommand::Up(up) => run_up(up),
    }
}

fn run_up(args: UpArgs) -> anyhow::Result<Exit> {
    let data_dir = args.data_dir.unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        PathBuf::from("results").join(format!("cluster-{stamp}"))
    });
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    if args.sut == ClusterSut::Etcd {
        if !args.bugs.is_empty()
            || args.mode != Mode::Raft
            || args.snapshot_threshold.is_some()
            || args.cache
            || args.shards != 1
        {
            anyhow::bail!(
                "--bug, --mode, --shards, --snapshot-threshold and --cache apply to the bundled cluster, not to etcd"
            );
        }
        return crate::etcd::up::run(args.nodes, &data_dir, args.base_port);
    }
    if args.bugs.contains(&Bug::CacheStale) && !args.cache {
        anyhow::bail!("--bug cache-stale breaks the read cache; switch it on with --cache");
    }
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    let mut spec = ClusterSpec::new(
        exe,
        vec!["node".into()],
        args.nodes,
        &data_dir,
        args.base_port,
    );
    spec.mode = args.mode;
    spec.bugs = args.bugs;
    anyhow::ensure!(args.shards >= 1, "--shards must be at least 1");
    anyhow::ensure!(
        args.shards == 1 || (args.mode == Mode::Raft && !args.cache),
        "--shards needs raft mode without --cache (shards are raft groups, and a 2PC commit names no keys a cache could drop)"
    );
    spec.shards = args.shards;
    if args.base_port == 0 {
        // Every process: each shard's nodes and the coordinator.
        spec.base_port = faultline_cluster::launcher::free_base_port(spec.node_ids().len());
    }
    if let Some(t) = args.snapshot_threshold {
        spec.extra_args = vec!["--snapshot-threshold".into(), t.to_string()];
    }
    if args.mode == Mode::Gossip {
        spec.extra_args
            .extend(faultline_cluster::gossip::node_flags(
                args.fanout,
                args.gossip_interval,
            ));
    }
    if args.cache {
        if args.mode != Mode::Raft {
            anyhow::bail!(
                "--cache applies to raft mode; {} mode has no read cache",
                args.mode
            );
        }
        spec.extra_args.extend([
            "--cache".into(),
            "--cache-ttl-ms".into(),
            args.cache_ttl_ms.to_string(),
        ]);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    let cluster = Cluster::start(spec).context("starting the cluster")?;
    println!("data dir: {}", data_dir.display());
    let groups = cluster.spec().groups();
    for (s, group) in groups.iter().enumerate() {
        if cluster.spec().is_sharded() {
            println!("shard {}:", s + 1);
        }
        for id in group {
            let url = cluster.client_url(id).unwrap_or_default();
            let log = cluster.log_path(id).unwrap_or_default();
            println!("{id}: {url}  (log: {})", log.display());
        }
    }
    for id in cluster.spec().coordinators() {
        let url = cluster.client_url(&id).unwrap_or_default();
        let log = cluster.log_path(&id).unwrap_or_default();
        println!("coordinator {id}: {url}  (log: {})", log.display());
    }
    if args.mode.has_leader() {
        match cluster.wait_for_leader(Duration::from_secs(15)) {
            Ok(_) => {
                let leaders = cluster.group_leaders().unwrap_or_default();
                let names: Vec<String> = leaders.iter().map(ToString::to_string).collect();
                println!("leader: {}", names.join(", "));
            }
            Err(e) => eprintln!("warning: {e}"),
        }
    } else {
        println!(
            "mode {}: no leader, every node serves every request",
            args.mode
        );
    }
    if cluster.spec().is_sharded() {
        // Clients of a sharded cluster talk to the coordinator only.
        let endpoints: Vec<String> = cluster
            .client_endpoints()
            .into_iter()
            .map(|(_, url)| url)
            .collect();
        println!("endpoints: {}", endpoints.join(","));
    }
    println!("running; press Ctrl-C to stop");
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster.stop();
    // The reader of stdout (a pipe, a test) may be gone by now; a lost line must not turn a clean stop into a panic.
    let _ = writeln!(std::io::stdout(), "stopped");
    Ok(Exit::Valid)
}
