//! Setting up and tearing down the system under test.

use super::bundled;
use super::config::{RunConfig, SutKind};
use anyhow::{Context, bail};
use faultline_nemeses::{NodeControl, ProxyMesh};
use faultline_workloads::client::{Endpoint, SutClient};
use std::path::Path;
use std::sync::Arc;

/// A running system under test.
pub struct Sut {
    /// The client endpoints, in node order.
    pub endpoints: Vec<Endpoint>,
    /// Weights parsed from `URL=weight` endpoints (1 where not given).
    pub weights: Vec<u32>,
    /// Kill/restart/pause/leader control for nemeses (bundled cluster only).
    pub control: Option<Arc<dyn NodeControl>>,
    /// The proxies on the peer links (bundled cluster only).
    pub mesh: Option<Arc<ProxyMesh>>,
    /// The bundled cluster's processes, stopped at the end of the run.
    pub cluster: Option<Arc<faultline_cluster::Cluster>>,
    /// A local etcd cluster started by the run, stopped at its end.
    pub etcd: Option<Arc<crate::etcd::LocalEtcd>>,
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
    /// Starts (bundled) or connects to (http) the SUT; node logs go under `nodes_dir`.
    pub async fn start(config: &RunConfig, nodes_dir: &Path) -> anyhow::Result<Sut> {
        match config.sut {
            SutKind::Http => {
                let (endpoints, mut weights) = parse_endpoints(&config.endpoints)?;
                if !config.weights.is_empty() {
                    if config.weights.len() != endpoints.len() {
                        bail!(
                            "--weights has {} entries for {} endpoints",
                            config.weights.len(),
                            endpoints.len()
                        );
                    }
                    weights = config.weights.clone();
                }
                Ok(Sut {
                    endpoints,
                    weights,
                    control: None,
                    mesh: None,
                    cluster: None,
                    etcd: None,
                })
            }
            SutKind::Etcd => super::etcd_sut::start(config, nodes_dir).await,
            SutKind::Described => super::described_sut::start(config),
            SutKind::Bundled => {
                let kinds = super::nemesis::kinds(config)?;
                let b = bundled::start(config, &kinds, nodes_dir).await?;
                // With shards, clients talk to the coordinator only.
                let endpoints: Vec<Endpoint> = b
                    .cluster
                    .client_endpoints()
                    .into_iter()
                    .map(|(id, url)| Endpoint::new(id.to_string(), url))
                    .collect();
                let weights = if config.weights.len() == endpoints.len() {
                    config.weights.clone()
                } else {
                    vec![1; endpoints.len()]
                };
                let control: Arc<dyn NodeControl> =
                    Arc::new(bundled::BundledControl::new(b.cluster.clone()));
                Ok(Sut {
                    endpoints,
                    weights,
                    control: Some(control),
                    mesh: b.mesh,
                    cluster: Some(b.cluster),
                    etcd: None,
                })
            }
        }
    }

    /// Stops whatever the run started (the bundled cluster's nodes and proxies).
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
    }

    /// The client the workers share: the store description's when one is
    /// given, else the SUT's native one.
    pub fn client(&self, config: &RunConfig) -> anyhow::Result<SutClient> {
        super::sut_client::build(config, self)
    }
}

/// Rejects SUT settings no run can use (called from `RunConfig::validate`).
pub fn validate(config: &RunConfig) -> anyhow::Result<()> {
    super::sut_client::validate(config)
}

/// Parses `URL` or `URL=weight` entries; nodes are named n1, n2, ...
pub fn parse_endpoints(raw: &[String]) -> anyhow::Result<(Vec<Endpoint>, Vec<u32>)> {
    let mut endpoints = Vec::new();
    let mut weights = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let entry = entry.trim();
        let (url, weight) = match entry.rsplit_once('=') {
            Some((url, w)) => (
                url,
                w.parse::<u32>()
                    .with_context(|| format!("endpoint `{entry}`: weight `{w}` is not a number"))?,
            ),
            None => (entry, 1),
        };
        if !url.starts_with("http://") && !url.starts_with("https://") {
            bail!("endpoint `{entry}` is not an http:// URL");
        }
        endpoints.push(Endpoint::new(format!("n{}", i + 1), url));
        weights.push(weight);
    }
    Ok((endpoints, weights))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_with_weights() {
        let (e, w) =
            parse_endpoints(&["http://127.0.0.1:1/".into(), "http://127.0.0.1:2=3".into()])
                .unwrap();
        assert_eq!(e[0].url, "http://127.0.0.1:1");
        assert_eq!(e[1].name, "n2");
        assert_eq!(w, vec![1, 3]);
        assert!(parse_endpoints(&["localhost:1".into()]).is_err());
        assert!(parse_endpoints(&["http://x=y".into()]).is_err());
    }
}
