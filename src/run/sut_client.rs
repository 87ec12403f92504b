//! Which client a run uses, and the SUT settings checked before anything starts.

use super::config::{RunConfig, SutKind};
use super::described_sut;
use super::sut::Sut;
use anyhow::{Context, bail};
use faultline_nemeses::NemesisKind;
use faultline_workloads::client::{
    Balancer, DescribedClient, EtcdClient, HttpClient, ReadMode, SutClient,
};
use faultline_workloads::workload::WorkloadKind;
use std::sync::Arc;

/// The description's client when `--store` is given, else the SUT's native one.
pub fn build(config: &RunConfig, sut: &Sut) -> anyhow::Result<SutClient> {
    let balancer = Balancer::new(config.balance, sut.weights.clone());
    let endpoints = sut.endpoints.clone();
    let timeout = config.request_timeout();
    if let Some(d) = described_sut::load(config)? {
        let c = DescribedClient::new(
            Arc::new(d),
            endpoints,
            balancer,
            config.workload.storage(),
            timeout,
            config.concurrency,
        )
        .context("building the described-store client")?;
        return Ok(c.into());
    }
    Ok(match config.sut {
        SutKind::Etcd => EtcdClient::new(
            endpoints,
            balancer,
            config.read_mode,
            timeout,
            config.concurrency,
        )
        .context("building the etcd client")?
        .with_storage(config.workload.storage())
        .into(),
        _ => HttpClient::new(
            endpoints,
            balancer,
            config.workload.storage(),
            timeout,
            config.concurrency,
        )
        .context("building the SUT client")?
        .into(),
    })
}

/// A SUT the run does not start has no node control, so any requested fault
/// would silently not happen (the default `partition,kill` included).
fn no_node_control(config: &RunConfig, what: &str) -> anyhow::Result<()> {
    let kinds = super::nemesis::kinds(config)?;
    if kinds.is_none() {
        return Ok(());
    }
    bail!(
        "{what} gives faultline no control over the nodes, so --nemesis {}{} cannot run: \
         pass --nemesis none to test without faults, or describe the store (--sut described \
         --store FILE) with kill/start/pause/resume [commands]",
        config.nemesis.join(","),
        if config.nemesis == RunConfig::default().nemesis {
            " (the default)"
        } else {
            ""
        }
    )
}

/// Rejects combinations of SUT, client, workload and faults that cannot run.
pub fn validate(config: &RunConfig) -> anyhow::Result<()> {
    let description = described_sut::load(config)?;
    if config.workload == WorkloadKind::Bank
        && (description.is_some() || config.sut == SutKind::Etcd)
    {
        bail!(
            "the bank workload sends multi-key transactions (POST /txn of docs/DESIGN.md's protocol), \
             which only the native HTTP client speaks: use --sut bundled or --sut http \
             (not --sut {}{})",
            config.sut,
            if description.is_some() {
                " with --store"
            } else {
                ""
            }
        );
    }
    if !config.bug.is_empty() && matches!(config.sut, SutKind::Etcd | SutKind::Described) {
        bail!(
            "--bug switches on bugs of the bundled cluster; it does not apply to --sut {}",
            config.sut
        );
    }
    if config.cache && config.sut != SutKind::Bundled {
        bail!(
            "--cache switches on the bundled cluster's read cache; it does not apply to --sut {}",
            config.sut
        );
    }
    if config.bug.iter().any(|b| b == "cache-stale") && !config.cache {
        bail!("--bug cache-stale breaks the read cache; switch it on with --cache");
    }
    if config.read_mode != ReadMode::Linearizable
        && (config.sut != SutKind::Etcd || description.is_some())
    {
        bail!(
            "--read-mode applies to the native etcd client (--sut etcd without --store); \
             a store description sets its own read request"
        );
    }
    if let Some(d) = &description {
        let missing = d.missing_for(config.workload);
        if let Some(first) = missing.first() {
            // `txn.append`: a template missing from a table that is there.
            let hint = match first.split_once('.') {
                Some((table, key)) => format!("add `{key}` to the [{table}] table"),
                None => format!("add a [{first}] table"),
            };
            bail!(
                "store description {}: the {} workload needs the operation(s) {} ({hint})",
                config
                    .store
                    .as_deref()
                    .unwrap_or(std::path::Path::new("?"))
                    .display(),
                config.workload,
                missing.join(", "),
            );
        }
    }
    match config.sut {
        SutKind::Etcd
            if description.is_none()
                && !matches!(
                    config.workload,
                    WorkloadKind::Register
                        | WorkloadKind::CasRegister
                        | WorkloadKind::Kv
                        | WorkloadKind::ListAppend
                        | WorkloadKind::RwRegister
                ) =>
        {
            bail!(
                "the etcd client supports the register, cas-register, kv, list-append and \
                 rw-register workloads, not {}",
                config.workload
            );
        }
        SutKind::Described => {
            let Some(d) = &description else {
                bail!("--sut described needs --store FILE (a store description)");
            };
            if described_sut::endpoint_list(config, d).is_empty() {
                bail!(
                    "--sut described needs endpoints: --endpoints URL,... or `endpoints = [...]` in {}",
                    config
                        .store
                        .as_deref()
                        .unwrap_or(std::path::Path::new("?"))
                        .display()
                );
            }
            let kinds = super::nemesis::kinds(config)?;
            for kind in kinds.iter() {
                let needs: Option<(&str, bool)> = match kind {
                    NemesisKind::Partition | NemesisKind::Latency => Some(("", false)),
                    NemesisKind::Kill => Some((
                        "kill and start",
                        d.commands
                            .as_ref()
                            .is_some_and(|c| c.kill.is_some() && c.start.is_some()),
                    )),
                    NemesisKind::Pause => Some((
                        "pause and resume",
                        d.commands
                            .as_ref()
                            .is_some_and(|c| c.pause.is_some() && c.resume.is_some()),
                    )),
                };
                match needs {
                    Some(("", _)) => bail!(
                        "--sut described cannot inject {kind} faults: they act on peer links \
                         through the proxy mesh, which only the bundled and etcd SUTs route \
                         through; use --nemesis kill,pause (with [commands]) or none"
                    ),
                    Some((commands, false)) => bail!(
                        "--nemesis {kind} against a described store needs the {commands} \
                         commands in its [commands] table (or use --nemesis none)"
                    ),
                    _ => {}
                }
            }
        }
        SutKind::Http => no_node_control(config, "--sut http")?,
        SutKind::Etcd if !config.endpoints.is_empty() => {
            no_node_control(config, "--sut etcd with --endpoints")?;
        }
        _ => {}
    }
    if config.sut == SutKind::Etcd && config.endpoints.is_empty() {
        // Last, so that a run refused for another reason says that reason;
        // here, not when the members start, so that no results directory is
        // left behind.
        crate::etcd::binary::require()?;
    }
    Ok(())
}
