//! Partitions on nodes of other hosts, Jepsen's way: each cut link
//! from→to becomes a rule on `to`'s host dropping packets from `from`'s
//! address (a grudge), so any topology is a set of such rules.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::fanout::{Job, first_error, run_all};
use super::firewall::{Firewall, detect_argv, heal_partition_argv, parse_detected};
use super::node::RemoteNode;
use super::ssh::SshClient;
use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::partition::PartitionBackend;
use crate::topology::Link;

/// Cuts links with firewall rules on the nodes' hosts, over SSH.
pub struct SshPartition {
    client: Arc<SshClient>,
    nodes: BTreeMap<String, RemoteNode>,
    timeout: Duration,
    /// Each host's firewall, detected once.
    firewalls: tokio::sync::Mutex<BTreeMap<String, Firewall>>,
}

impl SshPartition {
    /// A backend for `nodes`; each command may take `timeout`.
    pub fn new(client: Arc<SshClient>, nodes: &[RemoteNode], timeout: Duration) -> SshPartition {
        SshPartition {
            client,
            nodes: nodes.iter().map(|n| (n.name.clone(), n.clone())).collect(),
            timeout,
            firewalls: tokio::sync::Mutex::new(BTreeMap::new()),
        }
    }

    fn node(&self, name: &str) -> Result<&RemoteNode, NemesisError> {
        self.nodes
            .get(name)
            .ok_or_else(|| NemesisError::UnknownNode(name.to_string()))
    }

    /// Finds each host's firewall (nftables, else iptables) unless known;
    /// a host with neither is an error naming it. Run before the first
    /// fault, so a host that cannot be partitioned stops the run early.
    pub async fn detect(&self) -> Result<BTreeMap<String, Firewall>, NemesisError> {
        let mut known = self.firewalls.lock().await;
        let jobs: Vec<Job> = self
            .nodes
            .values()
            .filter(|n| !known.contains_key(&n.name))
            .map(|n| Job {
                node: n.name.clone(),
                target: n.ssh.clone(),
                argv: detect_argv(),
            })
            .collect();
        for (name, result) in run_all(&self.client, jobs, self.timeout).await {
            let out = result?;
            let found = parse_detected(&String::from_utf8_lossy(&out)).ok_or_else(|| {
                NemesisError::control(
                    "partition",
                    &name,
                    "the host has neither `nft` (nftables) nor `iptables` on its PATH \
                     (or /usr/sbin, /sbin); install nftables there",
                )
            })?;
            known.insert(name, found);
        }
        Ok(known.clone())
    }
}

impl PartitionBackend for SshPartition {
    fn name(&self) -> &'static str {
        "ssh-firewall"
    }

    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let mut sources: BTreeMap<&str, Vec<IpAddr>> = BTreeMap::new();
            for link in cuts {
                let from = self.node(&link.from)?;
                self.node(&link.to)?;
                sources.entry(&link.to).or_default().push(from.address);
            }
            let firewalls = self.detect().await?;
            let mut jobs = Vec::new();
            for (to, addresses) in sources {
                let node = self.node(to)?;
                let firewall = firewalls
                    .get(to)
                    .copied()
                    .ok_or_else(|| NemesisError::UnknownNode(to.to_string()))?;
                jobs.push(Job {
                    node: to.to_string(),
                    target: node.ssh.clone(),
                    argv: node.privileged(firewall.cut_argv(&addresses)),
                });
            }
            first_error(run_all(&self.client, jobs, self.timeout).await)
        })
    }

    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            // Every node, not only those cut: a cut may have half-applied
            // before an error, and healing a clean host changes nothing.
            let jobs = self
                .nodes
                .values()
                .map(|n| Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(heal_partition_argv()),
                })
                .collect();
            first_error(run_all(&self.client, jobs, self.timeout).await)
        })
    }
}
