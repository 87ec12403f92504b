//! Faults through user-supplied commands, for systems the harness does not start.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::command::{run_argv, substitute};
use crate::control::{BoxFuture, NodeControl};
use crate::error::NemesisError;
use crate::partition::PartitionBackend;
use crate::topology::Link;

/// The `[nemesis.commands]` section of a harness config. Every command is an
/// argv list; `{node}`, `{host}`, `{peer}`, `{peer_host}` are substituted per argument.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCommandConfig {
    /// Node names, in order.
    pub nodes: Vec<String>,
    /// Per-node host (for `{host}` / `{peer_host}`); a node without one uses its name.
    #[serde(default)]
    pub hosts: BTreeMap<String, String>,
    /// Kills `{node}` hard.
    pub kill: Option<Vec<String>>,
    /// Starts `{node}` again.
    pub start: Option<Vec<String>>,
    /// Freezes `{node}`.
    pub pause: Option<Vec<String>>,
    /// Thaws `{node}`.
    pub resume: Option<Vec<String>>,
    /// Run once per cut directed link: `{node}` must stop receiving from `{peer}`.
    pub partition: Option<Vec<String>>,
    /// Run once per node on heal: `{node}` accepts traffic from everyone again.
    pub heal: Option<Vec<String>>,
    /// Prints the leader's node name on stdout (optional).
    pub leader: Option<Vec<String>>,
    /// Limit for each command, in seconds (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

/// Node control and partitions by running the configured commands.
#[derive(Debug, Clone)]
pub struct UserCommands {
    config: UserCommandConfig,
}

const PLACEHOLDERS: [&str; 4] = ["{node}", "{host}", "{peer}", "{peer_host}"];

impl UserCommands {
    /// Validates the config: nodes present and unique, no empty command lists.
    pub fn new(config: UserCommandConfig) -> Result<Self, NemesisError> {
        if config.nodes.is_empty() {
            return Err(NemesisError::BadCommand("no nodes configured".into()));
        }
        let unique: BTreeSet<&String> = config.nodes.iter().collect();
        if unique.len() != config.nodes.len() {
            return Err(NemesisError::BadCommand("duplicate node names".into()));
        }
        for (name, argv) in config.commands() {
            if argv.is_empty() || argv[0].trim().is_empty() {
                return Err(NemesisError::BadCommand(format!(
                    "command {name} is empty; give an argv list such as [\"kill\", \"-9\", \"...\"]"
                )));
            }
            if PLACEHOLDERS.iter().any(|p| argv[0].contains(p)) {
                return Err(NemesisError::BadCommand(format!(
                    "command {name}: the program itself must not be a placeholder"
                )));
            }
        }
        Ok(UserCommands { config })
    }

    /// The validated config.
    pub fn config(&self) -> &UserCommandConfig {
        &self.config
    }

    fn host<'a>(&'a self, node: &'a str) -> &'a str {
        self.config.hosts.get(node).map_or(node, String::as_str)
    }

    fn check_node(&self, node: &str) -> Result<(), NemesisError> {
        if self.config.nodes.iter().any(|n| n == node) {
            Ok(())
        } else {
            Err(NemesisError::UnknownNode(node.to_string()))
        }
    }

    async fn run(
        &self,
        name: &'static str,
        argv: &Option<Vec<String>>,
        node: &str,
        peer: Option<&str>,
    ) -> Result<String, NemesisError> {
        self.check_node(node)?;
        let argv = argv
            .as_ref()
            .ok_or_else(|| NemesisError::BadCommand(format!("no `{name}` command configured")))?;
        let mut values = BTreeMap::from([("node", node), ("host", self.host(node))]);
        if let Some(peer) = peer {
            values.insert("peer", peer);
            values.insert("peer_host", self.host(peer));
        }
        let argv = substitute(argv, &values);
        run_argv(&argv, Duration::from_secs(self.config.timeout_secs)).await
    }
}

impl UserCommandConfig {
    fn commands(&self) -> Vec<(&'static str, &Vec<String>)> {
        [
            ("kill", &self.kill),
            ("start", &self.start),
            ("pause", &self.pause),
            ("resume", &self.resume),
            ("partition", &self.partition),
            ("heal", &self.heal),
            ("leader", &self.leader),
        ]
        .into_iter()
        .filter_map(|(name, argv)| argv.as_ref().map(|a| (name, a)))
        .collect()
    }
}

impl NodeControl for UserCommands {
    fn nodes(&self) -> Vec<String> {
        self.config.nodes.clone()
    }

    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("kill", &self.config.kill, node, None)
                .await
                .map(drop)
        })
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("start", &self.config.start, node, None)
                .await
                .map(drop)
        })
    }

    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("pause", &self.config.pause, node, None)
                .await
                .map(drop)
        })
    }

    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("resume", &self.config.resume, node, None)
                .await
                .map(drop)
        })
    }

    fn pid(&self, _node: &str) -> Option<u32> {
        None
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            let argv = self.config.leader.as_ref()?;
            let out = match run_argv(argv, Duration::from_secs(self.config.timeout_secs)).await {
                Ok(out) => out,
                Err(error) => {
                    // No leader is a normal answer; the reason still belongs in the log.
                    tracing::warn!(%error, "leader command failed");
                    return None;
                }
            };
            let name = out.trim();
            self.config
                .nodes
                .iter()
                .find(|n| n.as_str() == name)
                .cloned()
        })
    }
}

impl PartitionBackend for UserCommands {
    fn name(&self) -> &'static str {
        "user-command"
    }

    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            for link in cuts {
                // The receiving side drops what the sender sends it.
                self.run(
                    "partition",
                    &self.config.partition,
                    &link.to,
                    Some(&link.from),
                )
                .await?;
            }
            Ok(())
        })
    }

    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let mut failure = None;
            for node in &self.config.nodes {
                if let Err(e) = self.run("heal", &self.config.heal, node, None).await {
                    failure.get_or_insert(e);
                }
            }
            failure.map_or(Ok(()), Err)
        })
    }
}
