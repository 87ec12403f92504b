//! `faultline heal`: undoes what a run of SSH nodes may have left behind
//! when the harness died without its own final heal (SIGKILL, a lost
//! machine): faultline's firewall rules, paused database processes and
//! skewed clocks.

use crate::exit::Exit;
use crate::run::config::RunConfig;
use crate::run::sut::ssh::resolve;
use anyhow::{Context, bail};
use faultline_nemeses::{NodeControl, SshClient, SshNodes, Step};
use std::path::PathBuf;
use std::sync::Arc;

/// Clean up SSH nodes after a killed run: faultline's firewall rules, paused processes.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
What it does, on every node of the file's [[nodes]], over SSH:
  - deletes faultline's nftables tables (inet faultline, inet
    faultline_loss) and its iptables chain (FAULTLINE and the INPUT rule
    jumping to it), and its netem qdisc (handle 5fa1:, latency); the
    host's own tables, chains and qdiscs are not touched;
  - runs the [db] resume template, so a process a pause left stopped
    continues;
  - runs the [db] clock template with offset 0, so a clock a clock fault
    skewed tells the true time again.
A run heals by itself on every exit it lives to see (the end, an error,
Ctrl-C); this is for the ones it does not (SIGKILL, a lost machine).

Examples:
  faultline heal --config tests/my-cluster.toml
  faultline heal --config results/latest/config.toml   # the last run's own file

Exit code: 0 when every node was healed, 3 when any was not (each failure
names its host, the command and its stderr).")]
pub struct HealArgs {
    /// The test file the run used (with its [[nodes]] and [db] tables).
    #[arg(long)]
    pub config: PathBuf,
}

/// Heals every node of the file; fails when any node could not be healed.
pub fn execute(args: HealArgs) -> anyhow::Result<Exit> {
    let config = RunConfig::from_file(&args.config)?;
    let Some(hosts) = config.hosts else {
        bail!(
            "config {}: lists no [[nodes]] on hosts; `faultline heal` acts on SSH nodes \
             (the bundled cluster and local etcd are healed when they stop)",
            args.config.display()
        );
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let nodes = resolve(&hosts.nodes).await?;
        let client = Arc::new(SshClient::new().context("preparing the SSH client")?);
        let control = SshNodes::new(client.clone(), nodes.clone(), hosts.db.clone());
        let mut failures = Vec::new();
        match control.clear_firewalls().await {
            Ok(()) => eprintln!(
                "removed faultline's firewall rules on {} node(s)",
                nodes.len()
            ),
            Err(e) => failures.push(format!("firewall: {e}")),
        }
        if control.has(Step::Resume) {
            match control.on_all(Step::Resume).await {
                Ok(()) => eprintln!("ran [db] resume on {} node(s)", nodes.len()),
                Err(e) => failures.push(format!("[db] resume: {e}")),
            }
        } else {
            eprintln!("no [db] resume template: paused processes, if any, are left as they are");
        }
        if hosts.db.clock.is_some() {
            for node in &nodes {
                if let Err(e) = control.set_clock_offset(&node.name, 0).await {
                    failures.push(format!("[db] clock: {e}"));
                }
            }
            if failures.iter().all(|f| !f.starts_with("[db] clock")) {
                eprintln!("reset the clock of {} node(s)", nodes.len());
            }
        }
        client.close().await;
        if failures.is_empty() {
            Ok(Exit::Valid)
        } else {
            bail!("healing failed:\n  {}", failures.join("\n  "))
        }
    })
}
