//! Packet loss between nodes on other hosts: each node drops a share of
//! the packets from its peers, chosen at random by nftables (`numgen
//! random`), which works on kernels without netem. Client traffic from
//! the harness is not dropped.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::fanout::{Job, first_error, run_all};
use super::firewall::{heal_loss_argv, loss_argv};
use super::node::RemoteNode;
use super::ssh::SshClient;
use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::latency::{LatencyBackend, Slowdown};

/// Loss on every link between the nodes, as the loss nemesis' backend.
pub struct SshLoss {
    client: Arc<SshClient>,
    nodes: Vec<RemoteNode>,
    timeout: Duration,
}

impl SshLoss {
    /// Loss between `nodes`, each command within `timeout`; the hosts need `nft`.
    pub fn new(client: Arc<SshClient>, nodes: Vec<RemoteNode>, timeout: Duration) -> SshLoss {
        SshLoss {
            client,
            nodes,
            timeout,
        }
    }
}

impl LatencyBackend for SshLoss {
    fn name(&self) -> &'static str {
        "ssh-nft"
    }

    fn slow(&self, slowdown: Slowdown) -> BoxFuture<'_, Result<Value, NemesisError>> {
        Box::pin(async move {
            if !slowdown.delay.is_zero() || !slowdown.jitter.is_zero() {
                // nftables drops; only netem delays.
                return Err(NemesisError::BadCommand(
                    "nftables on SSH nodes can drop packets but not delay them".into(),
                ));
            }
            let percent = (slowdown.loss * 100.0).round().clamp(0.0, 100.0) as u8;
            let percent = if slowdown.loss > 0.0 {
                percent.max(1)
            } else {
                0
            };
            let jobs = self
                .nodes
                .iter()
                .map(|n| {
                    let peers: Vec<_> = self
                        .nodes
                        .iter()
                        .filter(|p| p.name != n.name)
                        .map(|p| p.address)
                        .collect();
                    Job {
                        node: n.name.clone(),
                        target: n.ssh.clone(),
                        argv: n.privileged(loss_argv(percent, &peers)),
                    }
                })
                .collect();
            first_error(run_all(&self.client, jobs, self.timeout).await)?;
            let nodes: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
            Ok(json!({"percent": percent, "nodes": nodes}))
        })
    }

    fn restore(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let jobs = self
                .nodes
                .iter()
                .map(|n| Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(heal_loss_argv()),
                })
                .collect();
            first_error(run_all(&self.client, jobs, self.timeout).await)
        })
    }
}
