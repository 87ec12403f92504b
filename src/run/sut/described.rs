//! `--sut described`: any HTTP store, described in a TOML file; nodes at
//! `--endpoints` or the file's `endpoints`; kill, pause, partitions and
//! latency through the file's per-node commands, since such a store does
//! not route its peer links through faultline.

use super::capability::{Capability, Need};
use super::client::{ClientKind, Described};
use super::described_leader::QueriedLeader;
use super::endpoints::{parse_endpoints, pick_weights};
use super::running::Sut;
use super::system::{StartFuture, SystemUnderTest};
use crate::run::config::{RunConfig, SutKind};
use anyhow::{Context, bail};
use faultline_nemeses::{
    LatencyBackend, NemesisKinds, NetworkBackends, NodeControl, PartitionBackend,
    UserCommandConfig, UserCommands,
};
use faultline_workloads::client::Balance;
use faultline_workloads::client::described::{ProcessCommands, Route};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A described store.
#[derive(Debug)]
pub struct DescribedSut {
    /// `--endpoints`, else the description's.
    endpoints: Vec<String>,
    weights: Vec<u32>,
    described: Described,
    client: ClientKind,
}

impl DescribedSut {
    /// The store `config.store` describes; refused without a description
    /// or without endpoints.
    pub fn new(config: &RunConfig, client: ClientKind) -> anyhow::Result<DescribedSut> {
        let Some(described) = client.described().cloned() else {
            bail!("--sut described needs --store FILE (a store description)");
        };
        let endpoints = if config.endpoints.is_empty() {
            described.description.endpoints.clone()
        } else {
            config.endpoints.clone()
        };
        if endpoints.is_empty() {
            bail!(
                "--sut described needs endpoints: --endpoints URL,... or `endpoints = [...]` in {}",
                described.path.display()
            );
        }
        let d = &described.description;
        for (op, route) in d.routes() {
            if let Route::Node(name) = route {
                let index: usize = name[1..].parse().unwrap_or(usize::MAX);
                if index == 0 || index > endpoints.len() {
                    bail!(
                        "{}: `{op}.endpoint = \"{name}\"` names no node: this run has {} endpoint(s), n1 to n{}",
                        described.path.display(),
                        endpoints.len(),
                        endpoints.len()
                    );
                }
            }
        }
        if config.balance == Balance::Leader && d.leader.is_none() {
            // Without a way to ask, the balancer would never learn a leader and
            // would quietly spread requests at random.
            bail!(
                "--balance leader against a described store needs a [leader] table in {} \
                 (how to ask each node whether it leads)",
                described.path.display()
            );
        }
        Ok(DescribedSut {
            endpoints,
            weights: config.weights.clone(),
            described,
            client,
        })
    }

    fn commands(&self) -> Option<&ProcessCommands> {
        self.described.description.commands.as_ref()
    }
}

impl SystemUnderTest for DescribedSut {
    fn kind(&self) -> SutKind {
        SutKind::Described
    }

    fn client_kind(&self) -> &ClientKind {
        &self.client
    }

    fn nodes_can(&self, capability: Capability) -> bool {
        let c = self.commands();
        match capability {
            Capability::Kill => c.is_some_and(|c| c.kill.is_some() && c.start.is_some()),
            Capability::Pause => c.is_some_and(|c| c.pause.is_some() && c.resume.is_some()),
            // The parser takes partition only with heal, latency only with latency-heal.
            Capability::Partition => c.is_some_and(|c| c.partition.is_some()),
            Capability::Latency => c.is_some_and(|c| c.latency.is_some()),
            _ => false,
        }
    }

    fn refuse(&self, need: &Need) -> anyhow::Error {
        match need.capability {
            Capability::Partition | Capability::Latency => anyhow::anyhow!(
                "--nemesis {} against a described store needs the {} commands in its \
                 [commands] table of {} (faultline does not route such a store's peer \
                 links, so only your commands can cut or slow them); or use --nemesis none",
                if need.capability == Capability::Partition {
                    "partition"
                } else {
                    "latency"
                },
                if need.capability == Capability::Partition {
                    "partition and heal"
                } else {
                    "latency and latency-heal"
                },
                self.described.path.display()
            ),
            Capability::Kill | Capability::Pause => anyhow::anyhow!(
                "--nemesis {} against a described store needs the {} commands in its \
                 [commands] table (or use --nemesis none)",
                if need.capability == Capability::Kill {
                    "kill"
                } else {
                    "pause"
                },
                if need.capability == Capability::Kill {
                    "kill and start"
                } else {
                    "pause and resume"
                }
            ),
            _ => self
                .client
                .refuse(need, self.kind())
                .unwrap_or_else(|| super::system::generic_refusal(self.kind(), need)),
        }
    }

    fn start<'a>(&'a self, _: &'a NemesisKinds, _: &'a Path) -> StartFuture<'a> {
        Box::pin(async move {
            let (endpoints, weights) = parse_endpoints(&self.endpoints)?;
            let weights = pick_weights(&self.weights, weights);
            let control = match self.commands() {
                Some(commands) => {
                    let names: Vec<String> = endpoints.iter().map(|e| e.name.clone()).collect();
                    let hosts = endpoints
                        .iter()
                        .map(|e| (e.name.clone(), host_of(&e.url)))
                        .collect();
                    let ports = endpoints
                        .iter()
                        .map(|e| (e.name.clone(), port_of(&e.url)))
                        .collect();
                    let mut c = UserCommands::new(user_commands(commands, names, hosts, ports))
                        .context("the store description's [commands]")?;
                    if let Some(source) = QueriedLeader::of(&self.described, &endpoints)? {
                        c = c.with_leader_source(source);
                    }
                    Some(Arc::new(c))
                }
                None => None,
            };
            let network = NetworkBackends {
                partitions: control
                    .clone()
                    .filter(|c| c.can_partition())
                    .map(|c| c as Arc<dyn PartitionBackend>),
                latency: control
                    .clone()
                    .filter(|c| c.can_slow())
                    .map(|c| c as Arc<dyn LatencyBackend>),
                loss: None,
            };
            Ok(Sut {
                control: control.map(|c| c as Arc<dyn NodeControl>),
                network,
                ..Sut::remote(endpoints, weights)
            })
        })
    }

    fn probe_first(&self) -> bool {
        true
    }
}

fn user_commands(
    c: &ProcessCommands,
    nodes: Vec<String>,
    hosts: BTreeMap<String, String>,
    ports: BTreeMap<String, String>,
) -> UserCommandConfig {
    UserCommandConfig {
        nodes,
        hosts,
        ports,
        kill: c.kill.clone(),
        start: c.start.clone(),
        pause: c.pause.clone(),
        resume: c.resume.clone(),
        partition: c.partition.clone(),
        heal: c.heal.clone(),
        latency: c.latency.clone(),
        latency_heal: c.latency_heal.clone(),
        leader: c.leader.clone(),
        timeout_secs: c.timeout_secs,
    }
}

/// `http://host:port/path` → (`host`, `port`); the port is the scheme's
/// default when the URL names none.
fn host_and_port(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host.to_string(), port.to_string())
        }
        _ => {
            let port = if scheme == "https" { "443" } else { "80" };
            (authority.to_string(), port.to_string())
        }
    }
}

fn host_of(url: &str) -> String {
    host_and_port(url).0
}

fn port_of(url: &str) -> String {
    host_and_port(url).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_urls() {
        assert_eq!(host_of("http://127.0.0.1:2379"), "127.0.0.1");
        assert_eq!(host_of("http://db-1/v3"), "db-1");
        assert_eq!(port_of("http://127.0.0.1:2379/v3"), "2379");
        assert_eq!(port_of("http://db-1/v3"), "80");
    }
}
