//! A local etcd cluster as a system under test: members started from the
//! etcd binary, peer traffic through the proxy mesh when faults need it.

use super::binary;
use super::launcher::{EtcdCluster, EtcdSpec};
use super::peer_front::PeerFront;
use anyhow::Context;
use faultline_nemeses::ProxyMesh;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long fresh members may take to elect a leader and serve reads.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running local etcd cluster with its proxies.
#[derive(Debug)]
pub struct LocalEtcd {
    /// The member processes.
    pub cluster: Arc<EtcdCluster>,
    /// Proxies on every directed peer link (when routed through the mesh).
    pub mesh: Option<Arc<ProxyMesh>>,
    front: Option<PeerFront>,
    // Removed when the cluster is dropped (WAL segments are 64 MB each).
    _scratch: Option<tempfile::TempDir>,
}

impl LocalEtcd {
    /// Starts `nodes` members with logs under `dir` and data under
    /// `data_dir` (a temporary directory when `None`), ports from `base_port`
    /// (0 = free ports), peer traffic through a proxy mesh if `with_mesh`, and
    /// waits until every member serves linearizable reads. Call inside a tokio runtime.
    pub async fn start(
        nodes: usize,
        dir: &Path,
        data_dir: Option<&Path>,
        base_port: u16,
        with_mesh: bool,
    ) -> anyhow::Result<LocalEtcd> {
        let bin = binary::require()?;
        let (data_dir, scratch) = match data_dir {
            Some(d) => (d.to_path_buf(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("faultline-etcd-")
                    .tempdir()
                    .context("creating a temporary etcd data directory")?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let base_port = if base_port == 0 {
            faultline_cluster::launcher::free_base_port(2 * nodes)
        } else {
            base_port
        };
        let token = format!(
            "faultline-{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let mut spec = EtcdSpec {
            bin,
            nodes,
            dir: dir.to_path_buf(),
            data_dir,
            base_port,
            advertise_peer_urls: None,
            token,
        };
        let (mesh, front) = if with_mesh {
            let members: Vec<(String, std::net::SocketAddr)> = spec
                .names()
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, spec.peer_addr(i)))
                .collect();
            let mesh = Arc::new(ProxyMesh::start(&members).context("starting the proxy mesh")?);
            let front = PeerFront::start(&members, mesh.clone())?;
            spec.advertise_peer_urls = Some(front.urls().to_vec());
            (Some(mesh), Some(front))
        } else {
            (None, None)
        };
        let cluster = Arc::new(EtcdCluster::start(spec).context("starting etcd members")?);
        cluster
            .wait_ready(READY_TIMEOUT)
            .await
            .context("waiting for the etcd cluster")?;
        Ok(LocalEtcd {
            cluster,
            mesh,
            front,
            _scratch: scratch,
        })
    }

    /// Kills the members and stops the proxies.
    pub fn stop(&self) {
        self.cluster.stop();
        if let Some(front) = &self.front {
            front.shutdown();
        }
        if let Some(mesh) = &self.mesh {
            mesh.shutdown();
        }
    }
}
