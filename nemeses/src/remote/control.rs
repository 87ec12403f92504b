//! Node control over SSH: kill, start, pause and resume run the `[db]`
//! templates on the node's host; the run's start and end run the others.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::fanout::{Job, first_error, run_all};
use super::firewall::heal_argv;
use super::netem::heal_netem_argv;
use super::node::RemoteNode;
use super::ssh::SshClient;
use super::template::{DbTemplates, OFFSET_MS, Step};
use crate::control::{BoxFuture, LeaderSource, NodeControl};
use crate::error::NemesisError;

/// The nodes of a run on other hosts and the templates that act on them.
pub struct SshNodes {
    client: Arc<SshClient>,
    nodes: Vec<RemoteNode>,
    db: DbTemplates,
    leader: Option<Arc<dyn LeaderSource>>,
}

impl SshNodes {
    /// Control of `nodes` through `db`'s templates.
    pub fn new(client: Arc<SshClient>, nodes: Vec<RemoteNode>, db: DbTemplates) -> SshNodes {
        SshNodes {
            client,
            nodes,
            db,
            leader: None,
        }
    }

    /// Asks `source` which node leads: the nodes' templates cannot tell,
    /// the store's own answers can (a store description's `[leader]`).
    pub fn with_leader_source(mut self, source: Arc<dyn LeaderSource>) -> SshNodes {
        self.leader = Some(source);
        self
    }

    /// The nodes, in the file's order.
    pub fn remote_nodes(&self) -> &[RemoteNode] {
        &self.nodes
    }

    /// The SSH client they share.
    pub fn client(&self) -> &Arc<SshClient> {
        &self.client
    }

    /// The limit of one command.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.db.timeout_secs.max(1))
    }

    /// Whether `[db]` has a template for `step`.
    pub fn has(&self, step: Step) -> bool {
        self.db.get(step).is_some()
    }

    fn job(&self, step: Step, node: &RemoteNode) -> Option<Job> {
        self.db.get(step).map(|template| Job {
            node: node.name.clone(),
            target: node.ssh.clone(),
            argv: node.fill(template, &self.nodes),
        })
    }

    /// Runs `step` on `node`; a step without a template is an error.
    pub async fn step(&self, step: Step, node: &str) -> Result<(), NemesisError> {
        let remote = self
            .nodes
            .iter()
            .find(|n| n.name == node)
            .ok_or_else(|| NemesisError::UnknownNode(node.to_string()))?;
        let job = self
            .job(step, remote)
            .ok_or_else(|| NemesisError::BadCommand(format!("[db] has no `{step}` template")))?;
        self.client
            .run(&job.target, &job.argv, self.timeout())
            .await
            .map(|_| ())
    }

    /// Runs `step` on every node at once (nothing when `[db]` lacks it);
    /// the first failure is returned, the others logged.
    pub async fn on_all(&self, step: Step) -> Result<(), NemesisError> {
        let jobs: Vec<Job> = self
            .nodes
            .iter()
            .filter_map(|n| self.job(step, n))
            .collect();
        first_error(run_all(&self.client, jobs, self.timeout()).await)
    }

    /// Removes everything faultline adds to the nodes' networking
    /// (firewall rules for partitions and loss, netem qdiscs for latency),
    /// on every node at once; never a host's own rules or qdiscs.
    pub async fn clear_firewalls(&self) -> Result<(), NemesisError> {
        let mut failure = Ok(());
        for argv in [heal_argv(), heal_netem_argv()] {
            let jobs: Vec<Job> = self
                .nodes
                .iter()
                .map(|n| Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(argv.clone()),
                })
                .collect();
            let done = first_error(run_all(&self.client, jobs, self.timeout()).await);
            if failure.is_ok() {
                failure = done;
            }
        }
        failure
    }

    /// Downloads each node's `[db] logs` files into `dir/<node>/`; returns
    /// what could not be fetched (a run's end must not fail on a log).
    pub async fn download_logs(&self, dir: &Path) -> Vec<String> {
        let mut problems = Vec::new();
        let mut jobs = Vec::new();
        let mut places = Vec::new();
        for node in &self.nodes {
            for path in &self.db.logs {
                let remote = node.fill(std::slice::from_ref(path), &self.nodes);
                let remote = remote.into_iter().next().unwrap_or_default();
                let name = Path::new(&remote)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "log".into());
                places.push(dir.join(&node.name).join(name));
                jobs.push(Job {
                    node: node.name.clone(),
                    target: node.ssh.clone(),
                    argv: vec!["cat".into(), "--".into(), remote],
                });
            }
        }
        for ((node, result), local) in run_all(&self.client, jobs, self.timeout())
            .await
            .into_iter()
            .zip(places)
        {
            let written = result.map_err(|e| e.to_string()).and_then(|bytes| {
                if let Some(parent) = local.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&local, bytes).map_err(|e| e.to_string())
            });
            if let Err(e) = written {
                problems.push(format!("{node}: log {}: {e}", local.display()));
            }
        }
        problems
    }
}

impl NodeControl for SshNodes {
    fn nodes(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(self.step(Step::Kill, node))
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(self.step(Step::Start, node))
    }

    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(self.step(Step::Pause, node))
    }

    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(self.step(Step::Resume, node))
    }

    fn set_clock_offset<'a>(
        &'a self,
        node: &'a str,
        offset_ms: i64,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let remote = self
                .nodes
                .iter()
                .find(|n| n.name == node)
                .ok_or_else(|| NemesisError::UnknownNode(node.to_string()))?;
            let template = self
                .db
                .clock
                .as_ref()
                .ok_or_else(|| NemesisError::Unsupported {
                    op: "set-clock",
                    node: node.to_string(),
                    what: "set a node's clock without a [db] clock template",
                })?;
            let offset = offset_ms.to_string();
            let argv = crate::command::substitute(
                &remote.fill(template, &self.nodes),
                &std::collections::BTreeMap::from([(OFFSET_MS, offset.as_str())]),
            );
            self.client
                .run(&remote.ssh, &argv, self.timeout())
                .await
                .map(|_| ())
        })
    }

    fn pid(&self, _: &str) -> Option<u32> {
        None
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        match &self.leader {
            Some(source) => source.leader(),
            None => Box::pin(async { None }),
        }
    }
}
