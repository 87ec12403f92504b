//! `--sut etcd`: a local etcd cluster started by the run (peer links through
//! the proxy mesh, kill/pause through `EtcdControl`), or the members at
//! `--endpoints`, which the run only connects to.

use super::capability::{Capability, Need, NeededBy};
use super::client::ClientKind;
use super::endpoints::{parse_endpoints, pick_weights};
use super::http::no_node_control;
use super::running::Sut;
use super::system::{StartFuture, SystemUnderTest};
use crate::etcd::{EtcdControl, LocalEtcd};
use crate::run::config::{RunConfig, SutKind};
use faultline_nemeses::{NemesisKind, NemesisKinds, NodeControl};
use faultline_workloads::client::Endpoint;
use std::path::Path;
use std::sync::Arc;

/// etcd, local or remote.
#[derive(Debug)]
pub struct EtcdSut {
    /// Members to connect to; empty: start `nodes` members locally.
    endpoints: Vec<String>,
    weights: Vec<u32>,
    nodes: usize,
    base_port: u16,
    client: ClientKind,
}

impl EtcdSut {
    /// The etcd `config` asks for.
    pub fn new(config: &RunConfig, client: ClientKind) -> EtcdSut {
        EtcdSut {
            endpoints: config.endpoints.clone(),
            weights: config.weights.clone(),
            nodes: config.nodes,
            base_port: config.base_port,
            client,
        }
    }

    fn local(&self) -> bool {
        self.endpoints.is_empty()
    }
}

impl SystemUnderTest for EtcdSut {
    fn kind(&self) -> SutKind {
        SutKind::Etcd
    }

    fn client_kind(&self) -> &ClientKind {
        &self.client
    }

    fn nodes_can(&self, capability: Capability) -> bool {
        self.local()
            && matches!(
                capability,
                Capability::Kill
                    | Capability::Pause
                    | Capability::Partition
                    | Capability::Latency
                    | Capability::Loss
            )
    }

    fn refuse(&self, need: &Need) -> anyhow::Error {
        match &need.by {
            NeededBy::Nemesis { .. } if !self.local() => {
                no_node_control("--sut etcd with --endpoints", need)
            }
            _ => self
                .client
                .refuse(need, self.kind())
                .unwrap_or_else(|| super::system::generic_refusal(self.kind(), need)),
        }
    }

    fn preflight(&self) -> anyhow::Result<()> {
        if self.local() {
            // Here, not when the members start, so that no results
            // directory is left behind.
            crate::etcd::binary::require()?;
        }
        Ok(())
    }

    fn start<'a>(&'a self, faults: &'a NemesisKinds, nodes_dir: &'a Path) -> StartFuture<'a> {
        Box::pin(async move {
            if !self.local() {
                let (endpoints, weights) = parse_endpoints(&self.endpoints)?;
                return Ok(Sut::remote(endpoints, pick_weights(&self.weights, weights)));
            }
            let with_mesh = [
                NemesisKind::Partition,
                NemesisKind::Latency,
                NemesisKind::Loss,
            ]
            .into_iter()
            .any(|k| faults.contains(k));
            let local =
                LocalEtcd::start(self.nodes, nodes_dir, None, self.base_port, with_mesh).await?;
            let endpoints: Vec<Endpoint> = local
                .cluster
                .names()
                .into_iter()
                .zip(local.cluster.client_urls())
                .map(|(name, url)| Endpoint::new(name, url))
                .collect();
            let control: Arc<dyn NodeControl> = Arc::new(EtcdControl::new(local.cluster.clone()));
            Ok(Sut {
                weights: pick_weights(&self.weights, vec![1; endpoints.len()]),
                endpoints,
                control: Some(control),
                mesh: local.mesh.clone(),
                network: faultline_nemeses::NetworkBackends::default(),
                cluster: None,
                etcd: Some(Arc::new(local)),
                ssh: None,
            })
        })
    }
}
