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

#[cfg(test)]
mod tests {
    //! Needs the etcd binary (Debian package etcd-server), like tests/etcd_*.rs;
    //! skipped with a line saying so where it is missing.

    use crate::requirements;

    use super::*;
    use faultline_checkers::EventType;
    use faultline_nemeses::cuts_between;
    use faultline_workloads::Op;
    use faultline_workloads::client::{Balance, Balancer, Endpoint, EtcdClient, ReadMode};
    use serde_json::{Value, json};
    use std::time::Instant;

    fn client(etcd: &LocalEtcd, mode: ReadMode) -> EtcdClient {
        let endpoints = etcd
            .cluster
            .names()
            .into_iter()
            .zip(etcd.cluster.client_urls())
            .map(|(n, u)| Endpoint::new(n, u))
            .collect();
        EtcdClient::new(
            endpoints,
            Balancer::new(Balance::Random, vec![1; 3]),
            mode,
            Duration::from_secs(2),
            2,
        )
        .unwrap()
    }

    /// Retries `op` on member `idx` until it completes ok (bounded); returns the value.
    async fn until_ok(c: &EtcdClient, idx: usize, op: &Op) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let done = c.invoke_at(idx, op).await;
            if done.kind == EventType::Ok {
                return done.value;
            }
            assert!(Instant::now() < deadline, "{op:?} on {idx}: {done:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Reads `k` on member `idx` until it shows `want` (bounded).
    async fn until_value(c: &EtcdClient, idx: usize, want: Value) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = until_ok(c, idx, &Op::read("k")).await;
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "member {idx} shows {got}, not {want}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_partition_in_the_mesh_cuts_etcd_peer_traffic() {
        if !requirements::have(
            requirements::Need::Etcd,
            "a_partition_in_the_mesh_cuts_etcd_peer_traffic",
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let etcd = LocalEtcd::start(3, dir.path(), None, 0, true)
            .await
            .unwrap();
        let mesh = etcd.mesh.clone().unwrap();
        // Raft traffic goes through the mesh, not around it.
        let through_mesh: u64 = ["n1", "n2", "n3"]
            .iter()
            .flat_map(|a| ["n1", "n2", "n3"].map(|b| (*a, b)))
            .filter(|(a, b)| a != b)
            .map(|(a, b)| mesh.connections_forwarded(a, b))
            .sum();
        assert!(through_mesh > 0);

        let lin = client(&etcd, ReadMode::Linearizable);
        let ser = client(&etcd, ReadMode::Serializable);
        let write = |v: i64| Op {
            f: faultline_checkers::OpFn::Write,
            key: Some("k".into()),
            value: json!(v),
        };
        until_ok(&lin, 0, &write(1)).await;
        until_value(&ser, 2, json!(1)).await;

        // Cut n3 off; the majority (after an election if n3 led) takes a new write.
        let groups = vec![
            vec!["n1".to_string(), "n2".to_string()],
            vec!["n3".to_string()],
        ];
        mesh.cut(&cuts_between(&groups)).unwrap();
        until_ok(&lin, 0, &write(2)).await;
        // n3 still serves its old state to serializable reads, and refuses linearizable ones.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(until_ok(&ser, 2, &Op::read("k")).await, json!(1));
        assert_ne!(lin.invoke_at(2, &Op::read("k")).await.kind, EventType::Ok);

        // Healed, n3 catches up.
        mesh.heal_all();
        until_value(&ser, 2, json!(2)).await;
        etcd.stop();
    }
}
