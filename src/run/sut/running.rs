//! A started system under test: its endpoints, and the node control and
//! proxies the nemesis acts through.

use super::client::{ClientKind, ClientOptions};
use faultline_nemeses::{NetworkBackends, NodeControl, ProxyMesh};
use faultline_workloads::client::{Endpoint, SutClient};
use std::sync::Arc;

/// A running system under test.
pub struct Sut {
    /// The client endpoints, in node order.
    pub endpoints: Vec<Endpoint>,
    /// Weights parsed from `URL=weight` endpoints (1 where not given).
    pub weights: Vec<u32>,
    /// Kill/restart/pause/leader control for nemeses, when the SUT offers it.
    pub control: Option<Arc<dyn NodeControl>>,
    /// The proxies on the peer links, when the run routes them.
    pub mesh: Option<Arc<ProxyMesh>>,
    /// Partitions and latency through something other than the mesh (a
    /// described store's commands, SSH nodes' firewalls); where empty, the
    /// mesh's are used.
    pub network: NetworkBackends,
    /// The bundled cluster's processes, stopped at the end of the run.
    pub cluster: Option<Arc<faultline_cluster::Cluster>>,
    /// A local etcd cluster started by the run, stopped at its end.
    pub etcd: Option<Arc<crate::etcd::LocalEtcd>>,
    /// Nodes on hosts over SSH: healed, logs fetched and stopped at the end.
    pub ssh: Option<Arc<super::ssh_run::SshRun>>,
}

impl std::fmt::Debug for Sut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sut")
            .field("endpoints", &self.endpoints)
            .field("weights", &self.weights)
            .field("control", &self.control.is_some())
            .field("mesh", &self.mesh.is_some())
            .field("partitions", &self.network.partitions.is_some())
            .field("latency", &self.network.latency.is_some())
            .finish()
    }
}

impl Sut {
    /// A SUT the run only connects to: endpoints and nothing to control.
    pub fn remote(endpoints: Vec<Endpoint>, weights: Vec<u32>) -> Sut {
        Sut {
            endpoints,
            weights,
            control: None,
            mesh: None,
            network: NetworkBackends::default(),
            cluster: None,
            etcd: None,
            ssh: None,
        }
    }

    /// What the nemesis cuts and slows links through: the SUT's own
    /// backends, else its proxy mesh.
    pub fn network_backends(&self) -> NetworkBackends {
        let mesh = self.mesh.clone();
        NetworkBackends {
            partitions: self.network.partitions.clone().or_else(|| {
                mesh.clone()
                    .map(|m| m as Arc<dyn faultline_nemeses::PartitionBackend>)
            }),
            latency: self.network.latency.clone().or_else(|| {
                mesh.clone()
                    .map(|m| m as Arc<dyn faultline_nemeses::LatencyBackend>)
            }),
            loss: self
                .network
                .loss
                .clone()
                .or_else(|| mesh.map(|m| m as Arc<dyn faultline_nemeses::LatencyBackend>)),
        }
    }

    /// Stops whatever the run started (the bundled cluster's nodes and
    /// proxies; on SSH nodes also heals, resumes and fetches their logs).
    pub async fn stop(&self) {
        if let Some(cluster) = self.cluster.clone() {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
        if let Some(etcd) = self.etcd.clone() {
            let _ = tokio::task::spawn_blocking(move || etcd.stop()).await;
        }
        if let Some(mesh) = &self.mesh {
            mesh.shutdown();
        }
        if let Some(ssh) = &self.ssh {
            ssh.finish().await;
        }
    }

    /// The client the workers share, of the kind `kind`.
    pub fn client(&self, kind: &ClientKind, opts: &ClientOptions) -> anyhow::Result<SutClient> {
        kind.build(self.endpoints.clone(), self.weights.clone(), opts)
    }
}
