//! One node on another host, as the nemeses act on it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::ssh::SshTarget;
use super::template::values;

/// A node: how to log in on its host, and what its peers see of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteNode {
    /// Its name (`n1`), unique in the run.
    pub name: String,
    /// How to reach its host.
    pub ssh: SshTarget,
    /// The address its packets come from, as its peers see them: what a
    /// cut link drops.
    pub address: IpAddr,
    /// The database's port, when the file gives one (`{port}`).
    pub port: Option<u16>,
    /// The client URL, placeholders already filled in.
    pub url: String,
    /// Whether firewall commands need `sudo -n` (a user other than root).
    pub sudo: bool,
}

impl RemoteNode {
    /// `argv` with this node's placeholders filled in; `nodes` (all of
    /// the run's) give `{peers}`.
    pub fn fill(&self, argv: &[String], nodes: &[RemoteNode]) -> Vec<String> {
        let address = self.address.to_string();
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        let peers = peers_of(&self.name, nodes);
        let map: BTreeMap<&str, &str> = values(
            &self.name,
            &self.ssh.host,
            &address,
            &port,
            &self.url,
            &peers,
        );
        crate::command::substitute(argv, &map)
    }

    /// `argv` prefixed with `sudo -n` where this node needs it.
    pub fn privileged(&self, argv: Vec<String>) -> Vec<String> {
        if self.sudo {
            let mut with = vec!["sudo".to_string(), "-n".to_string()];
            with.extend(argv);
            with
        } else {
            argv
        }
    }
}

/// `{peers}`: every other node as `name=url`, comma-separated.
pub fn peers_of(name: &str, nodes: &[RemoteNode]) -> String {
    nodes
        .iter()
        .filter(|n| n.name != name)
        .map(|n| format!("{}={}", n.name, n.url))
        .collect::<Vec<_>>()
        .join(",")
}
