//! The `[[nodes]]` and `[db]` tables of a test file: nodes on hosts that
//! faultline reaches over SSH, and the argv templates of the database's
//! lifecycle on each. `nodes` is the one key with two forms: a count (the
//! bundled cluster) or a list of hosts, so one file runs in either place.

use anyhow::{Context, bail};
use faultline_nemeses::{DbTemplates, placeholders_in};
use serde::{Deserialize, Serialize};

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The placeholders a node's `url` may hold.
pub const URL_PLACEHOLDERS: [&str; 4] = ["node", "host", "address", "port"];

/// One `[[nodes]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct NodeEntry {
    /// The node's name (`{node}`, and the history's `node`).
    pub name: String,
    /// Its host, for SSH and `{host}`.
    pub host: String,
    /// The sshd port.
    #[serde(default = "default_ssh_port", alias = "ssh_port")]
    pub ssh_port: u16,
    /// The remote user (default: ssh's, i.e. the local user or ssh_config's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A private key file (default: ssh's keys and agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    /// The database's port (`{port}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The address its peers see its packets come from, when `host` is
    /// not it (a name, or a public address of a host with a private one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// The client URL; `{node}`, `{host}`, `{address}` and `{port}` are filled in.
    #[serde(default = "default_url")]
    pub url: String,
    /// Whether firewall commands run through `sudo -n` (default: when
    /// `user` is given and is not root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo: Option<bool>,
}

fn default_ssh_port() -> u16 {
    22
}

fn default_url() -> String {
    "http://{host}:{port}".into()
}

impl NodeEntry {
    /// Whether firewall commands on its host need sudo.
    pub fn needs_sudo(&self) -> bool {
        self.sudo
            .unwrap_or_else(|| self.user.as_deref().is_some_and(|u| u != "root"))
    }
}

/// Nodes on hosts and what runs on them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hosts {
    /// The `[[nodes]]`, in the file's order.
    pub nodes: Vec<NodeEntry>,
    /// The `[db]` templates.
    pub db: DbTemplates,
}

impl Hosts {
    /// Takes `[[nodes]]` (when `nodes` is a list) and `[db]` out of a
    /// parsed file, checked: `None` when `nodes` is absent or a count.
    pub fn take(table: &mut toml::Table, path: &Path) -> anyhow::Result<Option<Hosts>> {
        let file = path.display();
        let db = match table.remove("db") {
            Some(db) => Some(
                db.try_into::<DbTemplates>()
                    .map_err(|e| anyhow::anyhow!("config {file}: [db]: {e}"))?,
            ),
            None => None,
        };
        let Some(toml::Value::Array(entries)) = table.get("nodes") else {
            if db.is_some() {
                // The same file runs on the bundled cluster with `nodes = 3`.
                tracing::info!("config {file}: [db] is used only with [[nodes]] on hosts");
            }
            return Ok(None);
        };
        let mut nodes = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let node = entry
                .clone()
                .try_into::<NodeEntry>()
                .map_err(|e| anyhow::anyhow!("config {file}: [[nodes]] entry {}: {e}", i + 1))?;
            nodes.push(node);
        }
        table.remove("nodes");
        let hosts = Hosts {
            nodes,
            db: db.unwrap_or_default(),
        };
        hosts.check().with_context(|| format!("config {file}"))?;
        Ok(Some(hosts))
    }

    /// Names unique, URLs' placeholders known and filled, templates'
    /// placeholders known, no empty template.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.nodes.is_empty() {
            bail!("[[nodes]] lists no node");
        }
        let mut names = BTreeSet::new();
        for node in &self.nodes {
            if node.name.is_empty() {
                bail!("[[nodes]]: a node has an empty name");
            }
            if !names.insert(node.name.as_str()) {
                bail!("[[nodes]]: node name `{}` appears twice", node.name);
            }
            for p in placeholders_in(&node.url) {
                if !URL_PLACEHOLDERS.contains(&p) {
                    bail!(
                        "[[nodes]] {}: url: unknown placeholder {{{p}}} (allowed: {{node}}, {{host}}, {{address}}, {{port}})",
                        node.name
                    );
                }
                if p == "port" && node.port.is_none() {
                    bail!(
                        "[[nodes]] {}: url {:?} uses {{port}}, but the node has no `port`",
                        node.name,
                        node.url
                    );
                }
            }
        }
        self.db.validate()?;
        if let Some(step) = self.db.empty_steps().first() {
            bail!("[db] {step} is an empty list; give an argv or leave the key out");
        }
        Ok(())
    }

    /// The `[[nodes]]` and `[db]` tables as TOML text (for `config.toml`).
    pub fn to_toml(&self) -> anyhow::Result<String> {
        toml::to_string_pretty(self).context("serialising [[nodes]] and [db]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(text: &str) -> anyhow::Result<Option<Hosts>> {
        let mut table: toml::Table = toml::from_str(text).unwrap();
        Hosts::take(&mut table, Path::new("t.toml"))
    }

    #[test]
    fn a_count_is_no_hosts_and_a_list_is() {
        assert!(take("nodes = 3").unwrap().is_none());
        let hosts = take(
            "[[nodes]]\nname = \"n1\"\nhost = \"10.0.0.1\"\nport = 7000\n\
             [db]\nstart = [\"run\", \"{node}\"]\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(hosts.nodes[0].ssh_port, 22);
        assert_eq!(hosts.nodes[0].url, "http://{host}:{port}");
        assert!(hosts.db.start.is_some());
    }

    #[test]
    fn bad_entries_name_the_file_and_the_key() {
        let e = format!(
            "{:#}",
            take("[[nodes]]\nname = \"n1\"\nhost = \"h\"\nport = 1\n[db]\nstart = [\"{bogus}\"]")
                .unwrap_err()
        );
        assert!(
            e.contains("t.toml") && e.contains("[db] start") && e.contains("{bogus}"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            take("[[nodes]]\nname = \"n1\"\nhost = \"h\"").unwrap_err()
        );
        assert!(e.contains("{port}") && e.contains("n1"), "{e}");
        let e = format!(
            "{:#}",
            take("[[nodes]]\nname = \"n1\"\nhots = \"h\"").unwrap_err()
        );
        assert!(e.contains("entry 1") && e.contains("hots"), "{e}");
    }
}
