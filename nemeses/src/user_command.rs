//! Faults through user-supplied commands, for systems the harness does not start.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::command::{run_argv, substitute};
use crate::control::{BoxFuture, LeaderSource, NodeControl};
use crate::error::NemesisError;
use crate::latency::{LatencyBackend, Slowdown};
use crate::partition::PartitionBackend;
use crate::topology::Link;

/// User commands for a harness built on this crate (`faultline run` takes
/// them from a store description's `[commands]`). Every command is an argv
/// list; `{node}`, `{host}`, `{port}`, and for a partition `{peer}`,
/// `{peer_host}`, `{peer_port}`, for latency `{delay_ms}`, `{jitter_ms}`,
/// are substituted per argument.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCommandConfig {
    /// Node names, in order.
    pub nodes: Vec<String>,
    /// Per-node host (for `{host}` / `{peer_host}`); a node without one uses its name.
    #[serde(default)]
    pub hosts: BTreeMap<String, String>,
    /// Per-node port (for `{port}` / `{peer_port}`); empty where not given.
    #[serde(default)]
    pub ports: BTreeMap<String, String>,
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
    /// Run once per node: `{node}` delays its traffic by `{delay_ms}` ± `{jitter_ms}`.
    #[serde(default)]
    pub latency: Option<Vec<String>>,
    /// Run once per node when latency heals.
    #[serde(default)]
    pub latency_heal: Option<Vec<String>>,
    /// Prints the leader's node name on stdout (optional).
    pub leader: Option<Vec<String>>,
    /// Limit for each command, in seconds (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

/// Node control, partitions and latency by running the configured commands.
#[derive(Clone)]
pub struct UserCommands {
    config: UserCommandConfig,
    leader_source: Option<std::sync::Arc<dyn LeaderSource>>,
}

impl std::fmt::Debug for UserCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCommands")
            .field("config", &self.config)
            .field("leader_source", &self.leader_source.is_some())
            .finish()
    }
}

const PLACEHOLDERS: [&str; 8] = [
    "{node}",
    "{host}",
    "{port}",
    "{peer}",
    "{peer_host}",
    "{peer_port}",
    "{delay_ms}",
    "{jitter_ms}",
];

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
        Ok(UserCommands {
            config,
            leader_source: None,
        })
    }

    /// Asks `source` for the leader instead of running a `leader` command.
    pub fn with_leader_source(mut self, source: std::sync::Arc<dyn LeaderSource>) -> Self {
        self.leader_source = Some(source);
        self
    }

    /// Whether partitions can be cut and healed (`partition` and `heal` given).
    pub fn can_partition(&self) -> bool {
        self.config.partition.is_some() && self.config.heal.is_some()
    }

    /// Whether links can be slowed and restored (`latency` and `latency_heal` given).
    pub fn can_slow(&self) -> bool {
        self.config.latency.is_some() && self.config.latency_heal.is_some()
    }

    /// The validated config.
    pub fn config(&self) -> &UserCommandConfig {
        &self.config
    }

    fn host<'a>(&'a self, node: &'a str) -> &'a str {
        self.config.hosts.get(node).map_or(node, String::as_str)
    }

    fn port(&self, node: &str) -> &str {
        self.config.ports.get(node).map_or("", String::as_str)
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
        extra: &[(&'static str, &str)],
    ) -> Result<String, NemesisError> {
        self.check_node(node)?;
        let argv = argv
            .as_ref()
            .ok_or_else(|| NemesisError::BadCommand(format!("no `{name}` command configured")))?;
        let mut values = BTreeMap::from([
            ("node", node),
            ("host", self.host(node)),
            ("port", self.port(node)),
        ]);
        values.extend(extra.iter().copied());
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
            ("latency", &self.latency),
            ("latency_heal", &self.latency_heal),
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
            self.run("kill", &self.config.kill, node, &[])
                .await
                .map(drop)
        })
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("start", &self.config.start, node, &[])
                .await
                .map(drop)
        })
    }

    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("pause", &self.config.pause, node, &[])
                .await
                .map(drop)
        })
    }

    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.run("resume", &self.config.resume, node, &[])
                .await
                .map(drop)
        })
    }

    fn pid(&self, _node: &str) -> Option<u32> {
        None
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            if let Some(source) = &self.leader_source {
                return source.leader().await;
            }
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
                let peer = [
                    ("peer", link.from.as_str()),
                    ("peer_host", self.host(&link.from)),
                    ("peer_port", self.port(&link.from)),
                ];
                self.run("partition", &self.config.partition, &link.to, &peer)
                    .await?;
            }
            Ok(())
        })
    }

    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let mut failure = None;
            for node in &self.config.nodes {
                if let Err(e) = self.run("heal", &self.config.heal, node, &[]).await {
                    failure.get_or_insert(e);
                }
            }
            failure.map_or(Ok(()), Err)
        })
    }
}

impl LatencyBackend for UserCommands {
    fn name(&self) -> &'static str {
        "user-command"
    }

    fn slow(&self, slowdown: Slowdown) -> BoxFuture<'_, Result<serde_json::Value, NemesisError>> {
        Box::pin(async move {
            let delay = slowdown.delay.as_millis().to_string();
            let jitter = slowdown.jitter.as_millis().to_string();
            let values = [("delay_ms", delay.as_str()), ("jitter_ms", jitter.as_str())];
            for node in &self.config.nodes {
                self.run("latency", &self.config.latency, node, &values)
                    .await?;
            }
            Ok(serde_json::json!({ "nodes": self.config.nodes }))
        })
    }

    fn restore(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            // Every node, even after one fails: a node left slow outlives the run.
            let mut failure = None;
            for node in &self.config.nodes {
                let healed = self
                    .run("latency_heal", &self.config.latency_heal, node, &[])
                    .await;
                if let Err(e) = healed {
                    failure.get_or_insert(e);
                }
            }
            failure.map_or(Ok(()), Err)
        })
    }
}
