//! Local etcd members seen through the nemeses' `NodeControl`.

use super::launcher::EtcdCluster;
use faultline_nemeses::{BoxFuture, NemesisError, NodeControl};
use std::sync::Arc;

/// Kill/restart/pause/leader for local etcd members.
pub struct EtcdControl {
    cluster: Arc<EtcdCluster>,
}

impl EtcdControl {
    /// An adapter over `cluster`.
    pub fn new(cluster: Arc<EtcdCluster>) -> EtcdControl {
        EtcdControl { cluster }
    }

    /// Runs a blocking launcher call off the async threads.
    fn act<'a>(
        &'a self,
        op: &'static str,
        node: &'a str,
        f: fn(&EtcdCluster, &str) -> anyhow::Result<()>,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.cluster.names().iter().any(|n| n == node) {
                return Err(NemesisError::UnknownNode(node.to_string()));
            }
            let cluster = self.cluster.clone();
            let name = node.to_string();
            let error = |message: String| NemesisError::Control {
                op,
                node: node.to_string(),
                message,
            };
            tokio::task::spawn_blocking(move || f(&cluster, &name))
                .await
                .map_err(|e| error(e.to_string()))?
                .map_err(|e| error(format!("{e:#}")))
        })
    }
}

impl NodeControl for EtcdControl {
    fn nodes(&self) -> Vec<String> {
        self.cluster.names()
    }

    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("kill", node, EtcdCluster::kill)
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("start", node, EtcdCluster::restart)
    }

    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("pause", node, EtcdCluster::pause)
    }

    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.act("resume", node, EtcdCluster::resume)
    }

    fn pid(&self, node: &str) -> Option<u32> {
        self.cluster.pid(node)
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(self.cluster.leader())
    }
}
