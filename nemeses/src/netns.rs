//! Partitions with network namespaces and nftables (needs root, `ip`, `nft`).
//!
//! Each node runs in its own namespace on a bridge; cutting `from→to` adds an
//! nft rule in `to`'s namespace dropping packets whose source is `from`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::command::run_argv;
use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::partition::PartitionBackend;
use crate::topology::Link;

/// nft table owned by faultline inside each node namespace.
const TABLE: &str = "faultline";
/// Limit for one `ip`/`nft` invocation.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Where one node lives: its namespace and its address on the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetnsNode {
    /// The network namespace name (`ip netns`).
    pub namespace: String,
    /// The node's IPv4 address inside it.
    pub address: Ipv4Addr,
}

/// Checks that netns partitions can work here: root, `ip` and `nft` on PATH.
pub fn check_netns_available() -> Result<(), NemesisError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(NemesisError::NetnsUnavailable("not running as root".into()));
    }
    for tool in ["ip", "nft"] {
        if find_in_path(tool).is_none() {
            return Err(NemesisError::NetnsUnavailable(format!(
                "`{tool}` not found on PATH (apt-get install iproute2 nftables)"
            )));
        }
    }
    Ok(())
}

fn find_in_path(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| Path::new(p).is_file())
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Cuts links with nft rules inside the nodes' namespaces.
#[derive(Debug, Clone)]
pub struct NetnsPartition {
    nodes: BTreeMap<String, NetnsNode>,
}

impl NetnsPartition {
    /// A backend for nodes already placed in namespaces; fails clearly if
    /// not root or `ip`/`nft` are missing.
    pub fn new(nodes: BTreeMap<String, NetnsNode>) -> Result<Self, NemesisError> {
        check_netns_available()?;
        Ok(Self::new_unchecked(nodes))
    }

    /// Without the environment check (for building and inspecting commands).
    pub fn new_unchecked(nodes: BTreeMap<String, NetnsNode>) -> Self {
        NetnsPartition { nodes }
    }

    fn node(&self, name: &str) -> Result<&NetnsNode, NemesisError> {
        self.nodes
            .get(name)
            .ok_or_else(|| NemesisError::UnknownNode(name.to_string()))
    }

    /// The commands that cut `cuts`, in order.
    pub fn cut_commands(&self, cuts: &BTreeSet<Link>) -> Result<Vec<Vec<String>>, NemesisError> {
        let mut commands = Vec::new();
        let mut prepared = BTreeSet::new();
        for link in cuts {
            let receiver = self.node(&link.to)?;
            let sender = self.node(&link.from)?;
            let ns = receiver.namespace.as_str();
            if prepared.insert(ns.to_string()) {
                commands.push(argv(&[
                    "ip", "netns", "exec", ns, "nft", "add", "table", "inet", TABLE,
                ]));
                commands.push(argv(&[
                    "ip", "netns", "exec", ns, "nft", "add", "chain", "inet", TABLE, "input", "{",
                    "type", "filter", "hook", "input", "priority", "0", ";", "policy", "accept",
                    ";", "}",
                ]));
            }
            let source = sender.address.to_string();
            commands.push(argv(&[
                "ip", "netns", "exec", ns, "nft", "add", "rule", "inet", TABLE, "input", "ip",
                "saddr", &source, "drop",
            ]));
        }
        Ok(commands)
    }

    /// The commands that remove every faultline rule (idempotent: the table is
    /// created before it is deleted, so a missing table is no error).
    pub fn heal_commands(&self) -> Vec<Vec<String>> {
        let mut commands = Vec::new();
        for node in self.nodes.values() {
            let ns = node.namespace.as_str();
            commands.push(argv(&[
                "ip", "netns", "exec", ns, "nft", "add", "table", "inet", TABLE,
            ]));
            commands.push(argv(&[
                "ip", "netns", "exec", ns, "nft", "delete", "table", "inet", TABLE,
            ]));
        }
        commands
    }
}

impl PartitionBackend for NetnsPartition {
    fn name(&self) -> &'static str {
        "netns"
    }

    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            for command in self.cut_commands(cuts)? {
                run_argv(&command, COMMAND_TIMEOUT).await?;
            }
            Ok(())
        })
    }

    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let mut failure = None;
            for command in self.heal_commands() {
                if let Err(e) = run_argv(&command, COMMAND_TIMEOUT).await {
                    failure.get_or_insert(e);
                }
            }
            failure.map_or(Ok(()), Err)
        })
    }
}

/// Namespaces on a private bridge, created for a run and deleted on drop.
#[derive(Debug)]
pub struct NetnsLab {
    bridge: String,
    nodes: BTreeMap<String, NetnsNode>,
}

static LAB_COUNTER: AtomicU32 = AtomicU32::new(0);

impl NetnsLab {
    /// Creates one namespace per node on a new bridge, addresses 10.X.Y.(i+1)/24
    /// with X.Y unique to this process and lab. Needs root and `ip`.
    pub fn create(nodes: &[String]) -> Result<NetnsLab, NemesisError> {
        if !nix::unistd::geteuid().is_root() {
            return Err(NemesisError::NetnsUnavailable("not running as root".into()));
        }
        if nodes.len() > 250 {
            return Err(NemesisError::TooFewNodes(
                "at most 250 nodes per lab".into(),
            ));
        }
        // Interface names are limited to 15 bytes: keep the id short but unique per run.
        let serial = LAB_COUNTER.fetch_add(1, Ordering::Relaxed);
        let id = (std::process::id() & 0xffff) as u16 ^ ((serial as u16) << 12);
        let tag = format!("{id:04x}");
        let [hi, lo] = id.to_be_bytes();
        let mut lab = NetnsLab {
            bridge: format!("flbr{tag}"),
            nodes: BTreeMap::new(),
        };
        // From here on, Drop cleans up whatever was created, also on error.
        run_sync(&["ip", "link", "add", &lab.bridge, "type", "bridge"])?;
        run_sync(&["ip", "link", "set", &lab.bridge, "up"])?;
        for (i, name) in nodes.iter().enumerate() {
            let ns = format!("fl{tag}-{i}");
            let host_if = format!("flv{tag}h{i}");
            let ns_if = format!("flv{tag}n{i}");
            let address = Ipv4Addr::new(10, hi, lo, i as u8 + 1);
            run_sync(&["ip", "netns", "add", &ns])?;
            lab.nodes.insert(
                name.clone(),
                NetnsNode {
                    namespace: ns.clone(),
                    address,
                },
            );
            run_sync(&[
                "ip", "link", "add", &host_if, "type", "veth", "peer", "name", &ns_if,
            ])?;
            run_sync(&["ip", "link", "set", &ns_if, "netns", &ns])?;
            run_sync(&["ip", "link", "set", &host_if, "master", &lab.bridge])?;
            run_sync(&["ip", "link", "set", &host_if, "up"])?;
            let cidr = format!("{address}/24");
            run_sync(&[
                "ip", "netns", "exec", &ns, "ip", "addr", "add", &cidr, "dev", &ns_if,
            ])?;
            run_sync(&[
                "ip", "netns", "exec", &ns, "ip", "link", "set", &ns_if, "up",
            ])?;
            run_sync(&["ip", "netns", "exec", &ns, "ip", "link", "set", "lo", "up"])?;
        }
        Ok(lab)
    }

    /// Node name → namespace and address.
    pub fn nodes(&self) -> &BTreeMap<String, NetnsNode> {
        &self.nodes
    }

    /// The bridge interface name.
    pub fn bridge(&self) -> &str {
        &self.bridge
    }

    /// Gives the bridge the address .254 of the nodes' /24, so this (the
    /// root) namespace reaches them like another host on their network,
    /// as a harness reaches SSH nodes; returns that address. The bridge
    /// and its address go when the lab is dropped.
    pub fn address_bridge(&self) -> Result<Ipv4Addr, NemesisError> {
        let first = self
            .nodes
            .values()
            .next()
            .ok_or_else(|| NemesisError::TooFewNodes("a lab without nodes".into()))?;
        let [a, b, c, _] = first.address.octets();
        let address = Ipv4Addr::new(a, b, c, 254);
        let cidr = format!("{address}/24");
        run_sync(&["ip", "addr", "add", &cidr, "dev", &self.bridge])?;
        Ok(address)
    }
}

impl Drop for NetnsLab {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veth end inside it and so its peer.
        for node in self.nodes.values() {
            let _ = run_sync(&["ip", "netns", "delete", &node.namespace]);
        }
        let _ = run_sync(&["ip", "link", "delete", &self.bridge]);
    }
}

fn run_sync(parts: &[&str]) -> Result<(), NemesisError> {
    let (program, args) = parts
        .split_first()
        .ok_or_else(|| NemesisError::BadCommand("empty command".into()))?;
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .map_err(|e| NemesisError::io(format!("running {parts:?}"), e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(NemesisError::CommandFailed {
            argv: argv(parts),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_drops_sender_address_in_receiver_namespace() {
        let nodes = BTreeMap::from([
            (
                "n1".to_string(),
                NetnsNode {
                    namespace: "a".into(),
                    address: Ipv4Addr::new(10, 9, 0, 1),
                },
            ),
            (
                "n2".to_string(),
                NetnsNode {
                    namespace: "b".into(),
                    address: Ipv4Addr::new(10, 9, 0, 2),
                },
            ),
        ]);
        let p = NetnsPartition::new_unchecked(nodes);
        let cuts = BTreeSet::from([Link::new("n1", "n2")]);
        let commands = p.cut_commands(&cuts).unwrap();
        let last = commands.last().unwrap().join(" ");
        assert_eq!(
            last,
            "ip netns exec b nft add rule inet faultline input ip saddr 10.9.0.1 drop"
        );
        assert_eq!(commands.len(), 3);
        assert_eq!(p.heal_commands().len(), 4);
        assert!(
            p.cut_commands(&BTreeSet::from([Link::new("n1", "n7")]))
                .is_err()
        );
    }
}
