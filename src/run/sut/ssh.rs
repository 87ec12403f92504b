//! `--sut ssh`: nodes on hosts listed by the config file's `[[nodes]]`,
//! reached with the system `ssh` client and driven by its `[db]` argv
//! templates (Jepsen's `DB` as commands): kill and pause where the
//! templates exist, partitions always (firewall rules on the hosts).

use super::capability::{Capability, Need};
use super::client::ClientKind;
use super::described_leader::QueriedLeader;
use super::endpoints::pick_weights;
use super::running::Sut;
use super::ssh_run::SshRun;
use super::status_leader::StatusLeader;
use super::system::{StartFuture, SystemUnderTest, generic_refusal};
use crate::run::config::{Hosts, NodeEntry, RunConfig, SutKind};
use anyhow::{Context, bail};
use faultline_nemeses::{
    LatencyBackend, NemesisKind, NemesisKinds, NetworkBackends, NodeControl, PartitionBackend,
    RemoteNode, SshClient, SshLoss, SshNetem, SshNodes, SshPartition, SshTarget, Step,
};
use faultline_workloads::client::Endpoint;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

/// Nodes on hosts, over SSH.
#[derive(Debug)]
pub struct SshSut {
    hosts: Hosts,
    weights: Vec<u32>,
    client: ClientKind,
}

impl SshSut {
    /// The nodes of `config`'s file; refused without any.
    pub fn new(config: &RunConfig, client: ClientKind) -> anyhow::Result<SshSut> {
        let Some(hosts) = config.hosts.clone() else {
            bail!(
                "--sut ssh needs a --config file listing the nodes as [[nodes]] tables \
                 (name, host, port, ...) with a [db] table of argv templates; see docs/ssh-nodes.md"
            );
        };
        Ok(SshSut {
            hosts,
            weights: config.weights.clone(),
            client,
        })
    }

    fn has(&self, step: Step) -> bool {
        self.hosts.db.get(step).is_some()
    }
}

impl SystemUnderTest for SshSut {
    fn kind(&self) -> SutKind {
        SutKind::Ssh
    }

    fn client_kind(&self) -> &ClientKind {
        &self.client
    }

    fn nodes_can(&self, capability: Capability) -> bool {
        match capability {
            Capability::Kill => self.has(Step::Kill) && self.has(Step::Start),
            Capability::Pause => self.has(Step::Pause) && self.has(Step::Resume),
            // Firewall rules: nftables or iptables for cuts, nftables for
            // loss; tc netem for latency (probed at the start).
            Capability::Partition | Capability::Loss | Capability::Latency => true,
            Capability::Clock => self.hosts.db.clock.is_some(),
            _ => false,
        }
    }

    fn refuse(&self, need: &Need) -> anyhow::Error {
        match need.capability {
            Capability::Kill => anyhow::anyhow!(
                "{} on SSH nodes needs the kill and start templates in the config's [db] table",
                need.by
            ),
            Capability::Pause => anyhow::anyhow!(
                "{} on SSH nodes needs the pause and resume templates in the config's [db] table",
                need.by
            ),
            Capability::Clock => anyhow::anyhow!(
                "{} on SSH nodes needs a clock template in the config's [db] table \
                 (an argv with {{offset_ms}}, e.g. through faketime or date)",
                need.by
            ),
            _ => self
                .client
                .refuse(need, self.kind())
                .unwrap_or_else(|| generic_refusal(self.kind(), need)),
        }
    }

    fn start<'a>(&'a self, faults: &'a NemesisKinds, nodes_dir: &'a Path) -> StartFuture<'a> {
        Box::pin(async move {
            let nodes = resolve(&self.hosts.nodes).await?;
            let ssh = Arc::new(SshClient::new().context("preparing the SSH client")?);
            let endpoints: Vec<Endpoint> = nodes
                .iter()
                .map(|n| Endpoint::new(n.name.clone(), n.url.clone()))
                .collect();
            let mut control = SshNodes::new(ssh.clone(), nodes.clone(), self.hosts.db.clone());
            // A described store's [leader] query aims leader faults at the
            // node the store calls leader; without one they fall back,
            // visibly. Nodes speaking faultline's protocol are asked for
            // their /status, as the bundled cluster's nodes are.
            match self.client.described() {
                Some(d) => {
                    if let Some(source) = QueriedLeader::of(d, &endpoints)? {
                        control = control.with_leader_source(source);
                    }
                }
                None => {
                    let source = StatusLeader::new(endpoints.clone())?;
                    control = control.with_leader_source(Arc::new(source));
                }
            }
            let control = Arc::new(control);
            let partition = faults
                .contains(NemesisKind::Partition)
                .then(|| Arc::new(SshPartition::new(ssh.clone(), &nodes, control.timeout())));
            let latency = match faults.contains(NemesisKind::Latency) {
                true => {
                    let netem = SshNetem::new(ssh.clone(), nodes.clone(), control.timeout());
                    // Up front: a kernel without netem stops the run before any load.
                    if let Err(e) = netem.probe().await {
                        ssh.close().await;
                        return Err(anyhow::Error::new(e)
                            .context("--nemesis latency on SSH nodes needs tc netem"));
                    }
                    Some(Arc::new(netem))
                }
                false => None,
            };
            let loss = faults
                .contains(NemesisKind::Loss)
                .then(|| Arc::new(SshLoss::new(ssh.clone(), nodes.clone(), control.timeout())));
            let run = Arc::new(SshRun::new(
                control.clone(),
                partition.clone(),
                nodes_dir.to_path_buf(),
            ));
            if let Err(e) = run.prepare().await {
                // Whatever did start is stopped, and its logs kept.
                run.finish().await;
                return Err(e.context("starting the SSH nodes"));
            }
            let weights = pick_weights(&self.weights, vec![1; endpoints.len()]);
            Ok(Sut {
                control: Some(control as Arc<dyn NodeControl>),
                network: NetworkBackends {
                    partitions: partition.map(|p| p as Arc<dyn PartitionBackend>),
                    latency: latency.map(|l| l as Arc<dyn LatencyBackend>),
                    loss: loss.map(|l| l as Arc<dyn LatencyBackend>),
                },
                ssh: Some(run),
                ..Sut::remote(endpoints, weights)
            })
        })
    }

    fn describe(&self, _: Option<usize>) -> String {
        let nodes: Vec<String> = self
            .hosts
            .nodes
            .iter()
            .map(|n| format!("{} on {}", n.name, n.host))
            .collect();
        format!("{} nodes over SSH ({})", nodes.len(), nodes.join(", "))
    }

    fn starts_empty(&self) -> bool {
        self.has(Step::Wipe)
    }

    fn probe_first(&self) -> bool {
        true
    }
}

/// The nodes as the nemeses see them: addresses resolved (a host name is
/// looked up once, here), URLs filled in.
pub async fn resolve(entries: &[NodeEntry]) -> anyhow::Result<Vec<RemoteNode>> {
    let mut nodes = Vec::with_capacity(entries.len());
    for e in entries {
        let address = match e.address {
            Some(a) => a,
            None => match e.host.parse::<IpAddr>() {
                Ok(a) => a,
                Err(_) => tokio::net::lookup_host((e.host.as_str(), 0))
                    .await
                    .ok()
                    .and_then(|mut addrs| addrs.next())
                    .map(|a| a.ip())
                    .with_context(|| {
                        format!(
                            "node {}: cannot resolve host {:?}; give its `address`",
                            e.name, e.host
                        )
                    })?,
            },
        };
        let port = e.port.map(|p| p.to_string()).unwrap_or_default();
        let address_text = address.to_string();
        let values = BTreeMap::from([
            ("node", e.name.as_str()),
            ("host", e.host.as_str()),
            ("address", address_text.as_str()),
            ("port", port.as_str()),
        ]);
        let url = faultline_nemeses::fill(&e.url, &values);
        nodes.push(RemoteNode {
            name: e.name.clone(),
            ssh: SshTarget {
                host: e.host.clone(),
                port: e.ssh_port,
                user: e.user.clone(),
                key: e.key.clone(),
            },
            address,
            port: e.port,
            url,
            sudo: e.needs_sudo(),
        });
    }
    Ok(nodes)
}
