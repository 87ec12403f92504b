//! Helpers shared by the integration tests: start a real cluster of
//! `faultline-node` processes in a temporary directory and talk HTTP to it.

pub mod forwarder;

use faultline_cluster::launcher::free_base_port;
use faultline_cluster::{Bug, Cluster, ClusterSpec, Mode, NodeId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Generous bound for anything that should happen "soon" on a loaded machine.
pub const SOON: Duration = Duration::from_secs(20);

/// A cluster plus its data directory (deleted at the end).
pub struct TestCluster {
    pub cluster: Cluster,
    /// Held so the data directory lives as long as the cluster.
    _dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// Starts `n` nodes with the given bugs and extra node flags.
pub fn start(n: usize, bugs: &[Bug], extra: &[&str]) -> TestCluster {
    let dir = tempfile::tempdir().unwrap();
    start_spec(spec(n, bugs, extra, &dir), dir)
}

/// Starts `n` nodes in replication `mode` with default flags.
pub fn start_mode(n: usize, mode: Mode) -> TestCluster {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(n, &[], &[], &dir);
    spec.mode = mode;
    start_spec(spec, dir)
}

/// Starts `n` nodes whose peer traffic goes through a test-owned forwarder mesh.
pub async fn start_with_mesh(n: usize, bugs: &[Bug]) -> (TestCluster, forwarder::Mesh) {
    start_with_mesh_args(n, bugs, &[]).await
}

/// Like [`start_with_mesh`], with extra node flags.
pub async fn start_with_mesh_args(
    n: usize,
    bugs: &[Bug],
    extra: &[&str],
) -> (TestCluster, forwarder::Mesh) {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(n, bugs, extra, &dir);
    start_spec_with_mesh(spec, dir).await
}

/// Starts the nodes of `spec` with their peer traffic through a forwarder mesh.
async fn start_spec_with_mesh(
    mut spec: ClusterSpec,
    dir: tempfile::TempDir,
) -> (TestCluster, forwarder::Mesh) {
    let targets = spec
        .node_ids()
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, spec.addr_of(i + 1)))
        .collect();
    let mesh = forwarder::Mesh::start(&targets).await;
    spec.peer_urls = Some(mesh.peer_urls());
    (start_spec(spec, dir), mesh)
}

/// Starts `n` gossip-mode nodes with the given extra node flags.
pub fn start_gossip(n: usize, extra: &[&str]) -> TestCluster {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(n, &[], extra, &dir);
    spec.mode = Mode::Gossip;
    start_spec(spec, dir)
}

/// Starts `n` gossip-mode nodes whose peer traffic goes through a forwarder mesh.
pub async fn start_gossip_with_mesh(n: usize, extra: &[&str]) -> (TestCluster, forwarder::Mesh) {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(n, &[], extra, &dir);
    spec.mode = Mode::Gossip;
    start_spec_with_mesh(spec, dir).await
}

fn spec(n: usize, bugs: &[Bug], extra: &[&str], dir: &tempfile::TempDir) -> ClusterSpec {
    let mut spec = ClusterSpec::new(
        env!("CARGO_BIN_EXE_faultline-node"),
        Vec::new(),
        n,
        dir.path(),
        free_base_port(n),
    );
    spec.bugs = bugs.to_vec();
    spec.extra_args = extra.iter().map(|s| s.to_string()).collect();
    spec
}

/// Starts `shards` Raft groups of `n` nodes each plus the coordinator `c1`,
/// every process with the extra flags `extra`.
pub fn start_sharded(shards: usize, n: usize, bugs: &[Bug], extra: &[&str]) -> TestCluster {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(n, bugs, extra, &dir);
    spec.shards = shards;
    spec.base_port = free_base_port(shards * n + 1);
    let tc = start_spec(spec, dir);
    tc.cluster.wait_for_leader(SOON).unwrap();
    tc
}

fn start_spec(spec: ClusterSpec, dir: tempfile::TempDir) -> TestCluster {
    let cluster = Cluster::start(spec).unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    TestCluster {
        cluster,
        _dir: dir,
        http,
    }
}

impl TestCluster {
    pub fn url(&self, id: &NodeId) -> String {
        self.cluster.client_url(id).unwrap()
    }

    pub fn leader(&self) -> NodeId {
        self.cluster.wait_for_leader(SOON).unwrap()
    }

    pub fn followers(&self, leader: &NodeId) -> Vec<NodeId> {
        self.cluster
            .node_ids()
            .into_iter()
            .filter(|n| n != leader)
            .collect()
    }

    /// POST a JSON body to `path` on node `id`, retrying while the node has
    /// no leader to forward to (503); returns the status and JSON body.
    pub async fn post(&self, id: &NodeId, path: &str, body: Value) -> (u16, Value) {
        let deadline = Instant::now() + SOON;
        loop {
            let r = self
                .http
                .post(format!("{}{path}", self.url(id)))
                .json(&body)
                .send()
                .await
                .unwrap();
            let code = r.status().as_u16();
            let body = r.json::<Value>().await.unwrap_or(Value::Null);
            if code != 503 || Instant::now() > deadline {
                return (code, body);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// POST once, no retry: status and body (0 if the request failed outright).
    pub async fn post_once(&self, id: &NodeId, path: &str, body: Value) -> (u16, Value) {
        match self
            .http
            .post(format!("{}{path}", self.url(id)))
            .json(&body)
            .send()
            .await
        {
            Ok(r) => {
                let code = r.status().as_u16();
                (code, r.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// PUT; returns the status code (0 if the request failed outright).
    pub async fn put(&self, id: &NodeId, key: &str, value: Value) -> u16 {
        let r = self
            .http
            .put(format!("{}/kv/{key}", self.url(id)))
            .json(&json!({ "value": value }))
            .send()
            .await;
        r.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    /// PUT through whichever node is leader, retrying while leadership
    /// moves; panics unless the write is acknowledged.
    pub async fn put_acked(&self, key: &str, value: Value) {
        let deadline = Instant::now() + SOON;
        while Instant::now() < deadline {
            let leader = self.leader();
            if self.put(&leader, key, value.clone()).await == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("write {key} not acknowledged within {SOON:?}");
    }

    /// GET /kv/{key}: status and body.
    pub async fn get(&self, id: &NodeId, key: &str) -> (u16, Value) {
        match self
            .http
            .get(format!("{}/kv/{key}", self.url(id)))
            .send()
            .await
        {
            Ok(r) => {
                let code = r.status().as_u16();
                (code, r.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// This node's applied value of `key`.
    pub async fn local(&self, id: &NodeId, key: &str) -> Option<Value> {
        let r = self
            .http
            .get(format!("{}/local/kv/{key}", self.url(id)))
            .send()
            .await
            .ok()?;
        if r.status().as_u16() != 200 {
            return None;
        }
        r.json::<Value>().await.ok().map(|b| b["value"].clone())
    }

    /// Waits until `id` has applied `key = value`.
    pub async fn wait_local(&self, id: &NodeId, key: &str, value: &Value) {
        let deadline = Instant::now() + SOON;
        while Instant::now() < deadline {
            if self.local(id, key).await.as_ref() == Some(value) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{id} did not apply {key}={value} within {SOON:?}");
    }

    /// Linearizable read through the leader, retrying while leadership moves.
    pub async fn read_acked(&self, key: &str) -> Option<Value> {
        let deadline = Instant::now() + SOON;
        while Instant::now() < deadline {
            let leader = self.leader();
            let (code, body) = self.get(&leader, key).await;
            match code {
                200 => return Some(body["value"].clone()),
                404 => return None,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("read {key} not answered within {SOON:?}");
    }
}
