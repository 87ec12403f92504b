//! The bundled reference cluster as a system under test: started by the run
//! with its peer links routed through the nemeses' proxy mesh, so it can do
//! every fault, and with bugs and a read cache that can be switched on.

use super::bundled_control::BundledControl;
use super::capability::Capability;
use super::client::ClientKind;
use super::endpoints::pick_weights;
use super::running::Sut;
use super::system::{StartFuture, SystemUnderTest};
use crate::run::config::{RunConfig, SutKind};
use anyhow::{Context, anyhow};
use faultline_cluster::{Bug, Cluster, ClusterSpec, Mode, NodeId};
use faultline_nemeses::{NemesisKind, NemesisKinds, NodeControl, ProxyMesh};
use faultline_workloads::client::Endpoint;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a fresh cluster may take to elect its first leader.
const LEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// The bundled cluster as configured for one test.
#[derive(Debug)]
pub struct BundledSut {
    mode: Mode,
    bugs: Vec<Bug>,
    nodes: usize,
    shards: usize,
    base_port: u16,
    fanout: usize,
    gossip_interval: u64,
    /// The read cache's lease, when the cache is on.
    cache_ttl_ms: Option<u64>,
    weights: Vec<u32>,
    client: ClientKind,
}

impl BundledSut {
    /// The cluster `config` asks for; refuses shards, a cache or endpoints
    /// that do not go with it, and more nodes than the open-file limit allows.
    pub fn new(config: &RunConfig, client: ClientKind) -> anyhow::Result<BundledSut> {
        let (mode, bugs) = (config.mode, config.bug.clone());
        if config.shards > 1 && mode != Mode::Raft {
            anyhow::bail!("shards are raft groups; mode {mode} has none");
        }
        if config.shards > 1 && config.cache {
            // A 2PC commit names no keys, so it could not invalidate caches.
            anyhow::bail!("cache is not available on sharded clusters");
        }
        if !config.endpoints.is_empty() {
            // The bundled cluster's endpoints are the nodes it starts: given
            // ones would be silently ignored while a different system is tested.
            anyhow::bail!(
                "--endpoints applies to --sut http, etcd or described; the bundled cluster \
                 (the default --sut) starts its own nodes. Add --sut http to test {}",
                config.endpoints.join(",")
            );
        }
        let processes = config.nodes * config.shards;
        let need = crate::fd_limit::needed_for_bundled(processes, config.concurrency);
        if let Some(limit) = crate::fd_limit::current()
            && limit < need
        {
            anyhow::bail!(
                "{processes} nodes need about {need} open files in the harness (peer proxies grow \
                 with the square of the node count), but the limit is {limit} even after raising \
                 the soft limit to the hard one: raise it (`ulimit -n {need}` as root, or \
                 LimitNOFILE= in a systemd unit) or run fewer nodes"
            );
        }
        if bugs.contains(&Bug::CacheStale) && !config.cache {
            anyhow::bail!("--bug cache-stale breaks the read cache; switch it on with --cache");
        }
        Ok(BundledSut {
            mode,
            bugs,
            nodes: config.nodes,
            shards: config.shards,
            base_port: config.base_port,
            fanout: config.fanout,
            gossip_interval: config.gossip_interval,
            cache_ttl_ms: config.cache.then_some(config.cache_ttl_ms),
            weights: config.weights.clone(),
            client,
        })
    }

    /// Checks the bugs and cache against the mode (after the run's other
    /// checks, as when the cluster started).
    fn check_mode(&self) -> anyhow::Result<()> {
        self.mode.check_bugs(&self.bugs).map_err(|e| anyhow!(e))?;
        if self.cache_ttl_ms.is_some() && self.mode != Mode::Raft {
            anyhow::bail!(
                "--cache applies to raft mode; {} mode has no read cache",
                self.mode
            );
        }
        Ok(())
    }

    /// Starts the nodes of this executable under `nodes_dir` (per shard,
    /// plus the coordinator with 2 or more shards) and waits for a leader
    /// (in each group, in modes that have one).
    async fn start_cluster(&self, faults: &NemesisKinds, nodes_dir: &Path) -> anyhow::Result<Sut> {
        let exe = std::env::current_exe().context("locating the faultline executable")?;
        let mut spec = ClusterSpec::new(
            exe,
            vec!["node".to_string()],
            self.nodes,
            nodes_dir,
            self.base_port,
        );
        spec.shards = self.shards;
        if self.base_port == 0 {
            // Every process: each shard's nodes and the coordinator.
            spec.base_port = faultline_cluster::launcher::free_base_port(spec.node_ids().len());
        }
        let mode = self.mode;
        spec.mode = mode;
        spec.bugs = self.bugs.clone();
        if mode == Mode::Gossip {
            spec.extra_args
                .extend(faultline_cluster::gossip::node_flags(
                    self.fanout,
                    self.gossip_interval,
                ));
        }
        if let Some(ttl) = self.cache_ttl_ms {
            spec.extra_args.extend([
                "--cache".to_string(),
                "--cache-ttl-ms".to_string(),
                ttl.to_string(),
            ]);
        }
        // Partitions, latency and loss act on peer links, so those go through proxies.
        let mesh = if [
            NemesisKind::Partition,
            NemesisKind::Latency,
            NemesisKind::Loss,
        ]
        .into_iter()
        .any(|k| faults.contains(k))
        {
            Some(Arc::new(route_through_proxies(&mut spec)?))
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
        let cluster = Arc::new(cluster);
        // With shards, clients talk to the coordinator only.
        let endpoints: Vec<Endpoint> = cluster
            .client_endpoints()
            .into_iter()
            .map(|(id, url)| Endpoint::new(id.to_string(), url))
            .collect();
        let weights = pick_weights(&self.weights, vec![1; endpoints.len()]);
        let control: Arc<dyn NodeControl> = Arc::new(BundledControl::new(cluster.clone()));
        Ok(Sut {
            endpoints,
            weights,
            control: Some(control),
            mesh,
            network: faultline_nemeses::NetworkBackends::default(),
            cluster: Some(cluster),
            etcd: None,
            ssh: None,
        })
    }
}

/// Starts a proxy on every directed peer link of `spec` and points the
/// nodes' peer URLs at them.
fn route_through_proxies(spec: &mut ClusterSpec) -> anyhow::Result<ProxyMesh> {
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
    Ok(mesh)
}

impl SystemUnderTest for BundledSut {
    fn kind(&self) -> SutKind {
        SutKind::Bundled
    }

    fn client_kind(&self) -> &ClientKind {
        &self.client
    }

    fn nodes_can(&self, capability: Capability) -> bool {
        capability != Capability::ReadMode
    }

    fn preflight(&self) -> anyhow::Result<()> {
        self.check_mode()
    }

    fn start<'a>(&'a self, faults: &'a NemesisKinds, nodes_dir: &'a Path) -> StartFuture<'a> {
        Box::pin(self.start_cluster(faults, nodes_dir))
    }

    fn describe(&self, _: Option<usize>) -> String {
        let bugs = if self.bugs.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = self.bugs.iter().map(ToString::to_string).collect();
            format!(", bug {}", names.join(","))
        };
        let gossip = if self.mode == Mode::Gossip {
            format!(", fanout {} every {} ms", self.fanout, self.gossip_interval)
        } else {
            String::new()
        };
        let cache = if self.cache_ttl_ms.is_some() {
            ", read cache"
        } else {
            ""
        };
        let size = if self.shards > 1 {
            format!(
                "{} shards of {} nodes and a 2PC coordinator",
                self.shards, self.nodes
            )
        } else {
            format!("{} nodes", self.nodes)
        };
        format!(
            "the bundled {} cluster ({size}{gossip}{cache}{bugs})",
            self.mode
        )
    }

    fn starts_empty(&self) -> bool {
        true
    }
}
