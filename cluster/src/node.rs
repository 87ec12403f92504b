//! Running one node: recover state, start the Raft tasks (or the Paxos
//! node in paxos mode), serve HTTP.

use crate::args::NodeArgs;
use crate::bugs::BugSet;
use crate::error::ClusterError;
use crate::http;
use crate::mode::Mode;
use crate::node_id::NodeId;
use crate::paxos;
use crate::raft::{Config, RaftNode, election, persist, replication};
use std::collections::BTreeMap;
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
    if args.mode == Mode::Paxos {
        return run_paxos(args);
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
    };
    runtime()?.block_on(serve(cfg, args))
}

/// The other nodes and their URLs (a node listed as its own peer is skipped).
fn peers(args: &NodeArgs) -> BTreeMap<NodeId, String> {
    args.peers
        .iter()
        .filter(|p| p.id != args.id)
        .map(|p| (p.id.clone(), p.url.clone()))
        .collect()
}

fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ClusterError::Server)
}

/// Paxos mode: no leader, no log; the raft timing flags do not apply.
fn run_paxos(args: NodeArgs) -> Result<(), ClusterError> {
    args.mode
        .check_bugs(&args.bugs)
        .map_err(ClusterError::InvalidArgument)?;
    let cfg = paxos::Config {
        id: args.id.clone(),
        peers: peers(&args),
        data_dir: args.data_dir.clone(),
        commit_timeout: Duration::from_millis(args.commit_timeout_ms.max(1)),
    };
    tracing::info!(id = %cfg.id, listen = %args.listen, mode = %args.mode, "starting node");
    runtime()?.block_on(paxos::server::serve(cfg, args.listen))
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
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            ClusterError::Server(std::io::Error::new(
                e.kind(),
                format!("bind {}: {e}", args.listen),
            ))
        })?;
    for (peer, url) in &node.cfg.peers {
        tokio::spawn(replication::run_replicator(
            node.clone(),
            peer.clone(),
            url.clone(),
        ));
    }
    tokio::spawn(election::run_ticker(node.clone()));
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
