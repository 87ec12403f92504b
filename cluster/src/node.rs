//! Running one node: recover state, start the mode's tasks (Raft, Paxos
//! or gossip), serve HTTP.

use crate::args::NodeArgs;
use crate::bugs::BugSet;
use crate::error::ClusterError;
use crate::gossip::{self, GossipConfig};
use crate::mode::Mode;
use crate::paxos;
use crate::raft::http;
use crate::raft::{Config, RaftNode, election, persist, replication};
use std::time::Duration;

/// Runs a node until it fails; builds its own tokio runtime (blocking).
pub fn run_node(args: NodeArgs) -> Result<(), ClusterError> {
    // The node's stderr is its log file when started by the launcher.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    // The coordinator replicates nothing, so it runs whatever the mode.
    if args.role == crate::twopc::ProcessRole::Coordinator {
        return runtime()?.block_on(crate::twopc::server::serve(args));
    }
    match args.mode {
        Mode::Paxos => return run_paxos(args),
        Mode::Gossip => return run_gossip(args),
        Mode::Raft => {}
    }
    if args.election_min_ms >= args.election_max_ms {
        return Err(ClusterError::InvalidArgument(
            "--election-min-ms must be below --election-max-ms".into(),
        ));
    }
    let cfg = Config {
        id: args.id.clone(),
        peers: peers(&args),
        data_dir: args.data_dir.clone(),
        bugs: BugSet::new(args.bugs.iter().copied()),
        snapshot_threshold: args.snapshot_threshold.max(1),
        heartbeat: Duration::from_millis(args.heartbeat_ms.max(1)),
        election: (
            Duration::from_millis(args.election_min_ms),
            Duration::from_millis(args.election_max_ms),
        ),
        commit_timeout: Duration::from_millis(args.commit_timeout_ms.max(1)),
        cache_ttl: args
            .cache
            .then(|| Duration::from_millis(args.cache_ttl_ms.max(1))),
    };
    runtime()?.block_on(serve(cfg, args))
}

/// This node's peers (itself left out), as (id, URL) in any collection.
fn peers<C: FromIterator<(crate::NodeId, String)>>(args: &NodeArgs) -> C {
    args.peers
        .iter()
        .filter(|p| p.id != args.id)
        .map(|p| (p.id.clone(), p.url.clone()))
        .collect()
}

/// Refuses what only the Raft code implements (bugs, the read cache):
/// silently ignoring it would make a run claim a test it did not do.
fn raft_only_flags_are_off(args: &NodeArgs) -> Result<(), ClusterError> {
    args.mode
        .check_bugs(&args.bugs)
        .map_err(ClusterError::InvalidArgument)?;
    if args.cache {
        return Err(ClusterError::InvalidArgument(format!(
            "--cache applies to raft mode; {} mode has no read cache",
            args.mode
        )));
    }
    Ok(())
}

/// Paxos mode: no leader, no log; the raft timing flags do not apply.
fn run_paxos(args: NodeArgs) -> Result<(), ClusterError> {
    raft_only_flags_are_off(&args)?;
    let cfg = paxos::Config {
        id: args.id.clone(),
        peers: peers(&args),
        data_dir: args.data_dir.clone(),
        commit_timeout: Duration::from_millis(args.commit_timeout_ms.max(1)),
    };
    tracing::info!(id = %cfg.id, listen = %args.listen, mode = %args.mode, "starting node");
    runtime()?.block_on(paxos::serve(cfg, args.listen))
}

async fn serve(cfg: Config, args: NodeArgs) -> Result<(), ClusterError> {
    tracing::info!(
        id = %cfg.id,
        listen = %args.listen,
        mode = %args.mode,
        bugs = ?cfg.bugs,
        "starting node"
    );
    let node = RaftNode::recover(cfg)?;
    let listener = crate::net::bind(args.listen).await?;
    for (peer, url) in &node.cfg.peers {
        tokio::spawn(replication::run_replicator(
            node.clone(),
            peer.clone(),
            url.clone(),
        ));
    }
    tokio::spawn(election::run_ticker(node.clone()));
    if let Some(coordinator) = args.coordinator.clone() {
        let after = Duration::from_millis(args.resolve_after_ms);
        tokio::spawn(crate::twopc::resolver::run(
            node.clone(),
            coordinator,
            after,
        ));
    }
    let flusher = tokio::spawn(persist::run_flusher(node.clone()));
    let app = http::router(node.clone());
    let server = axum::serve(listener, app);
    tokio::select! {
        res = server => res.map_err(ClusterError::Server),
        res = flusher => match res {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Ok(()),
            Err(e) => Err(ClusterError::Server(std::io::Error::other(e.to_string()))),
        },
    }
}

/// Runs a gossip-mode node (blocking, like [`run_node`]).
fn run_gossip(args: NodeArgs) -> Result<(), ClusterError> {
    raft_only_flags_are_off(&args)?;
    if args.gossip_interval == 0 {
        return Err(ClusterError::InvalidArgument(
            "--gossip-interval must be at least 1 ms".into(),
        ));
    }
    let cfg = GossipConfig {
        id: args.id.clone(),
        peers: peers(&args),
        data_dir: args.data_dir.clone(),
        fanout: args.fanout,
        interval: Duration::from_millis(args.gossip_interval),
        bugs: BugSet::new(args.bugs.iter().copied()),
    };
    tracing::info!(
        id = %cfg.id,
        listen = %args.listen,
        mode = %args.mode,
        fanout = cfg.fanout,
        interval_ms = args.gossip_interval,
        "starting node"
    );
    runtime()?.block_on(gossip::server::serve(cfg, args.listen))
}

/// The node's async runtime: two workers are plenty for one node.
fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ClusterError::Server)
}
