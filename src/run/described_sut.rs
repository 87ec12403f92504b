//! `--sut described`: any HTTP store, described in a TOML file; nodes at
//! `--endpoints` or the file's `endpoints`, kill/pause through the file's
//! per-node commands.

use super::config::RunConfig;
use super::sut::{Sut, parse_endpoints};
use anyhow::{Context, bail};
use faultline_nemeses::{NodeControl, UserCommandConfig, UserCommands};
use faultline_workloads::client::StoreDescription;
use faultline_workloads::client::described::ProcessCommands;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The description named by `--store` (which `--sut described` requires).
pub fn load(config: &RunConfig) -> anyhow::Result<Option<StoreDescription>> {
    match &config.store {
        Some(path) => Ok(Some(load_file(path)?)),
        None => Ok(None),
    }
}

fn load_file(path: &Path) -> anyhow::Result<StoreDescription> {
    // The error already names the file, the line, the key and what was expected.
    StoreDescription::from_file(path).map_err(anyhow::Error::new)
}

/// The endpoints of a described store: `--endpoints` wins over the file's.
pub fn endpoint_list(config: &RunConfig, d: &StoreDescription) -> Vec<String> {
    if config.endpoints.is_empty() {
        d.endpoints.clone()
    } else {
        config.endpoints.clone()
    }
}

/// Connects to the described store.
pub fn start(config: &RunConfig) -> anyhow::Result<Sut> {
    let Some(d) = load(config)? else {
        bail!("--sut described needs --store FILE (a store description)");
    };
    let (endpoints, mut weights) = parse_endpoints(&endpoint_list(config, &d))?;
    if config.weights.len() == endpoints.len() {
        weights = config.weights.clone();
    }
    let control = match &d.commands {
        Some(commands) => {
            let names: Vec<String> = endpoints.iter().map(|e| e.name.clone()).collect();
            let hosts = endpoints
                .iter()
                .map(|e| (e.name.clone(), host_of(&e.url)))
                .collect();
            let c = UserCommands::new(user_commands(commands, names, hosts))
                .context("the store description's [commands]")?;
            Some(Arc::new(c) as Arc<dyn NodeControl>)
        }
        None => None,
    };
    Ok(Sut {
        endpoints,
        weights,
        control,
        mesh: None,
        cluster: None,
        etcd: None,
    })
}

fn user_commands(
    c: &ProcessCommands,
    nodes: Vec<String>,
    hosts: BTreeMap<String, String>,
) -> UserCommandConfig {
    UserCommandConfig {
        nodes,
        hosts,
        kill: c.kill.clone(),
        start: c.start.clone(),
        pause: c.pause.clone(),
        resume: c.resume.clone(),
        timeout_secs: c.timeout_secs,
        ..UserCommandConfig::default()
    }
}

/// `http://host:port/path` → `host`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host.to_string(),
        _ => authority.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_urls() {
        assert_eq!(host_of("http://127.0.0.1:2379"), "127.0.0.1");
        assert_eq!(host_of("http://db-1/v3"), "db-1");
    }
}
