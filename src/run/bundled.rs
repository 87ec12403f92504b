//! The bundled reference cluster as a system under test: started with its
//! peer links routed through the nemeses' proxy mesh, and adapted to the
//! nemeses' `NodeControl` (kill, restart, pause via pid, leader).

use super::config::RunConfig;
use anyhow::{Context, anyhow};
use faultline_cluster::{Bug, Cluster, ClusterSpec, Mode, NodeId};
use faultline_nemeses::{
    BoxFuture, NemesisError, NemesisKind, NemesisKinds, NodeControl, ProxyMesh,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a fresh cluster may take to elect its first leader.
const LEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// A started bundled cluster and, when faults need it, its proxy mesh.
pub struct Bundled {
    /// The node processes.
    pub cluster: Arc<Cluster>,
    /// Proxies on every directed peer link.
    pub mesh: Option<Arc<ProxyMesh>>,
}

/// Starts `config.nodes` nodes of this executable under `nodes_dir` (per
/// shard, plus the coordinator, with `config.shards` > 1), waits for a
/// leader (in each group, in modes that have one).
pub async fn start(
    config: &RunConfig,
    kinds: &NemesisKinds,
    nodes_dir: &Path,
) -> anyhow::Result<Bundled> {
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    let mode: Mode = config
        .mode
        .parse()
        .map_err(|e: String| anyhow!("--mode: {e}"))?;
    let bugs = config
        .bug
        .iter()
        .map(|b| b.parse::<Bug>().map_err(|e| anyhow!("--bug: {e}")))
        .collect::<anyhow::Result<Vec<Bug>>>()?;
    mode.check_bugs(&bugs).map_err(|e| anyhow!(e))?;
    if config.cache && mode != Mode::Raft {
        anyhow::bail!("--cache applies to raft mode; {mode} mode has no read cache");
    }
    let mut spec = ClusterSpec::new(
        exe,
        vec!["node".to_string()],
        config.nodes,
        nodes_dir,
        config.base_port,
    );
    spec.shards = config.shards;
    if config.base_port == 0 {
        // Every process: each shard's nodes and the coordinator.
        spec.base_port = faultline_cluster::launcher::free_base_port(spec.node_ids().len());
    }
    spec.mode = mode;
    spec.bugs = bugs;
    if mode == Mode::Gossip {
        spec.extra_args
            .extend(faultline_cluster::gossip::node_flags(
                config.fanout,
                config.gossip_interval,
            ));
    }
    if config.cache {
        spec.extra_args.extend([
            "--cache".to_string(),
            "--cache-ttl-ms".to_string(),
            config.cache_ttl_ms.to_string(),
        ]);
    }
    // Partitions and latency act on peer links, so those go through proxies.
    let mesh = if kinds.contains(NemesisKind::Partition) || kinds.contains(NemesisKind::Latency) {
        let targets: Vec<(String, std::net::SocketAddr)> = spec
            .node_ids()
            .iter()
            .enumerate()
            .map(|(i, id)| (id.to_string(), spec.addr_of(i + 1)))
            .collect();
        let mesh = ProxyMesh::start(&targets).context("starting the proxy mesh")?;
        let mut urls: BTreeMap<NodeId, BTreeMap<NodeId, String>> = BTreeMap::new();
        for (from, tos) in mesh.peer_urls() {
            let from: NodeId = from.parse().map_err(|e: String| anyhow!(e))?;
            let entry = urls.entry(from).or_default();
            for (to, url) in tos {
                entry.insert(to.parse().map_err(|e: String| anyhow!(e))?, url);
            }
        }
        spec.peer_urls = Some(urls);
        Some(Arc::new(mesh))
    } else {
        None
    };
    let cluster = tokio::task::spawn_blocking(move || -> anyhow::Result<Cluster> {
        let cluster = Cluster::start(spec).context("starting the bundled cluster")?;
        // Leaderless modes serve as soon as every node accepts connections.
        if mode.has_leader() {
            cluster
                .wait_for_leader(LEADER_TIMEOUT)
                .context("waiting for the bundled cluster to elect a leader")?;
        }
        Ok(cluster)
    })
    .await
    .context("the cluster start task panicked")??;
    Ok(Bundled {
        cluster: Arc::new(cluster),
        mesh,
    })
}

/// The bundled cluster seen through the nemeses' `NodeControl`.
pub struct BundledControl {
    cluster: Arc<Cluster>,
}

impl BundledControl {
    /// An adapter over `cluster`.
    pub fn new(cluster: Arc<Cluster>) -> BundledControl {
        BundledControl { cluster }
    }

    /// Runs a blocking launcher call on `node` off the async threads.
    fn act<'a>(
        &'a self,
        op: &'static str,
        node: &'a str,
        f: fn(&Cluster, &NodeId) -> Result<(), faultline_cluster::ClusterError>,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let id: NodeId = node
                .parse()
                .map_err(|_| NemesisError::UnknownNode(node.to_string()))?;
            let cluster = self.cluster.clone();
            tokio::task::spawn_blocking(move || f(&cluster, &id))
                .await
                .map_err(|e| control_error(op, node, e.to_string()))?
                .map_err(|e| control_error(op, node, e.to_string()))
        })
    }
}

fn control_error(op: &'static str, node: &str, message: String) -> NemesisError {
    NemesisError::Control {
        op,
        node: node.to_string(),
        message,
    }
}

impl NodeControl for BundledControl {
    fn nodes(&self) -> Vec<String> {
        self.cluster
            .node_ids()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("kill", node, Cluster::kill)
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("start", node, Cluster::restart)
    }

    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("pause", node, Cluster::pause)
    }

    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("resume", node, Cluster::resume)
    }

    fn pid(&self, node: &str) -> Option<u32> {
        let id: NodeId = node.parse().ok()?;
        self.cluster.pid(&id)
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            let cluster = self.cluster.clone();
            tokio::task::spawn_blocking(move || cluster.leader().map(|l| l.to_string()))
                .await
                .ok()
                .flatten()
        })
    }
}
