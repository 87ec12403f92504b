//! A started system under test: its endpoints, and the node control and
//! proxies the nemesis acts through.

use super::client::{ClientKind, ClientOptions};
use faultline_nemeses::{NodeControl, PartitionBackend, ProxyMesh};
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
    /// The bundled cluster's processes, stopped at the end of the run.
    pub cluster: Option<Arc<faultline_cluster::Cluster>>,
    /// A local etcd cluster started by the run, stopped at its end.
    pub etcd: Option<Arc<crate::etcd::LocalEtcd>>,
    /// What cuts links when not the proxy mesh (firewall rules on SSH nodes).
    pub partitions: Option<Arc<dyn PartitionBackend>>,
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
            cluster: None,
            etcd: None,
            partitions: None,
            ssh: None,
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
