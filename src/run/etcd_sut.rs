//! `--sut etcd`: a local etcd cluster started by the run (peer links through
//! the proxy mesh, kill/pause through `EtcdControl`), or the members at
//! `--endpoints`.

use super::config::RunConfig;
use super::sut::{Sut, parse_endpoints};
use crate::etcd::{EtcdControl, LocalEtcd};
use faultline_nemeses::{NemesisKind, NodeControl};
use faultline_workloads::client::Endpoint;
use std::path::Path;
use std::sync::Arc;

/// Starts (no endpoints) or connects to (endpoints) etcd.
pub async fn start(config: &RunConfig, nodes_dir: &Path) -> anyhow::Result<Sut> {
    if !config.endpoints.is_empty() {
        let (endpoints, weights) = parse_endpoints(&config.endpoints)?;
        return Ok(Sut {
            weights: pick_weights(config, weights),
            endpoints,
            control: None,
            mesh: None,
            cluster: None,
            etcd: None,
        });
    }
    let kinds = super::nemesis::kinds(config)?;
    let with_mesh = kinds.contains(NemesisKind::Partition) || kinds.contains(NemesisKind::Latency);
    let local =
        LocalEtcd::start(config.nodes, nodes_dir, None, config.base_port, with_mesh).await?;
    let endpoints: Vec<Endpoint> = local
        .cluster
        .names()
        .into_iter()
        .zip(local.cluster.client_urls())
        .map(|(name, url)| Endpoint::new(name, url))
        .collect();
    let control: Arc<dyn NodeControl> = Arc::new(EtcdControl::new(local.cluster.clone()));
    Ok(Sut {
        weights: pick_weights(config, vec![1; endpoints.len()]),
        endpoints,
        control: Some(control),
        mesh: local.mesh.clone(),
        cluster: None,
        etcd: Some(Arc::new(local)),
    })
}

fn pick_weights(config: &RunConfig, parsed: Vec<u32>) -> Vec<u32> {
    if config.weights.len() == parsed.len() {
        config.weights.clone()
    } else {
        parsed
    }
}
