//! Packet loss between nodes on other hosts: each node drops a share of
//! the packets from its peers, chosen at random by nftables (`numgen
//! random`), which works on kernels without netem. Client traffic from
//! the harness is not dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::fanout::{Job, first_error, run_all};
use super::firewall::{heal_loss_argv, loss_argv};
use super::node::RemoteNode;
use super::ssh::SshClient;
use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::nemesis::Nemesis;
use crate::sink::EventSink;

/// Loss on every link between the nodes while a fault is in effect.
pub struct SshLoss {
    client: Arc<SshClient>,
    nodes: Vec<RemoteNode>,
    percent: u8,
    timeout: Duration,
    active: AtomicBool,
}

impl SshLoss {
    /// Drops `percent` % (at most 100) of inter-node packets per fault;
    /// the hosts need `nft`.
    pub fn new(
        client: Arc<SshClient>,
        nodes: Vec<RemoteNode>,
        percent: u8,
        timeout: Duration,
    ) -> SshLoss {
        SshLoss {
            client,
            nodes,
            percent: percent.min(100),
            timeout,
            active: AtomicBool::new(false),
        }
    }
}

impl Nemesis for SshLoss {
    fn name(&self) -> &str {
        "loss"
    }

    fn invoke<'a>(
        &'a self,
        _: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
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
                        argv: n.privileged(loss_argv(self.percent, &peers)),
                    }
                })
                .collect();
            // Marked first: a loss applied on some nodes must still be healed.
            self.active.store(true, Ordering::SeqCst);
            first_error(run_all(&self.client, jobs, self.timeout).await)?;
            let nodes: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
            sink.record(
                "start-loss",
                json!({"percent": self.percent, "nodes": nodes, "backend": "ssh-nft"}),
            );
            Ok(())
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.active.load(Ordering::SeqCst) {
                return Ok(());
            }
            let jobs = self
                .nodes
                .iter()
                .map(|n| Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(heal_loss_argv()),
                })
                .collect();
            first_error(run_all(&self.client, jobs, self.timeout).await)?;
            self.active.store(false, Ordering::SeqCst);
            sink.record("stop-loss", json!({"backend": "ssh-nft"}));
            Ok(())
        })
    }
}
