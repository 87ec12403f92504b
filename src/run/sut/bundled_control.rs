//! The bundled cluster seen through the nemeses' `NodeControl`: kill,
//! restart and pause via the launcher, clock offsets through each node's
//! `POST /admin/clock`, and the leader it reports.

use faultline_cluster::{Cluster, NodeId};
use faultline_nemeses::{BoxFuture, NemesisError, NodeControl};
use std::sync::Arc;

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

    fn set_clock_offset<'a>(
        &'a self,
        node: &'a str,
        offset_ms: i64,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let id: NodeId = node
                .parse()
                .map_err(|_| NemesisError::UnknownNode(node.to_string()))?;
            let cluster = self.cluster.clone();
            tokio::task::spawn_blocking(move || cluster.set_clock_offset(&id, offset_ms))
                .await
                .map_err(|e| control_error("set-clock", node, e.to_string()))?
                .map_err(|e| control_error("set-clock", node, e.to_string()))
        })
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
