//! `--sut http`: any store speaking docs/DESIGN.md's HTTP protocol at
//! `--endpoints`. The run only connects to it, so it offers no faults.

use super::capability::{Capability, Need, NeededBy};
use super::client::ClientKind;
use super::endpoints::parse_endpoints;
use super::running::Sut;
use super::system::{StartFuture, SystemUnderTest};
use crate::run::config::{RunConfig, SutKind};
use anyhow::bail;
use faultline_nemeses::NemesisKinds;
use std::path::Path;

/// A store at given endpoints.
#[derive(Debug)]
pub struct HttpSut {
    endpoints: Vec<String>,
    weights: Vec<u32>,
    client: ClientKind,
}

impl HttpSut {
    /// The store at `config.endpoints`, which it needs.
    pub fn new(config: &RunConfig, client: ClientKind) -> anyhow::Result<HttpSut> {
        if config.endpoints.is_empty() {
            bail!("--sut http needs --endpoints URL,...");
        }
        Ok(HttpSut {
            endpoints: config.endpoints.clone(),
            weights: config.weights.clone(),
            client,
        })
    }
}

impl SystemUnderTest for HttpSut {
    fn kind(&self) -> SutKind {
        SutKind::Http
    }

    fn client_kind(&self) -> &ClientKind {
        &self.client
    }

    fn nodes_can(&self, _: Capability) -> bool {
        false
    }

    fn refuse(&self, need: &Need) -> anyhow::Error {
        match &need.by {
            NeededBy::Nemesis { .. } => no_node_control("--sut http", need),
            _ => self
                .client
                .refuse(need, self.kind())
                .unwrap_or_else(|| super::system::generic_refusal(self.kind(), need)),
        }
    }

    fn start<'a>(&'a self, _: &'a NemesisKinds, _: &'a Path) -> StartFuture<'a> {
        Box::pin(async move {
            let (endpoints, mut weights) = parse_endpoints(&self.endpoints)?;
            if !self.weights.is_empty() {
                if self.weights.len() != endpoints.len() {
                    bail!(
                        "--weights has {} entries for {} endpoints",
                        self.weights.len(),
                        endpoints.len()
                    );
                }
                weights = self.weights.clone();
            }
            Ok(Sut::remote(endpoints, weights))
        })
    }

    fn probe_first(&self) -> bool {
        true
    }
}

/// The refusal of faults by a SUT the run does not start: it has no node
/// control, so any requested fault would silently not happen.
pub fn no_node_control(what: &str, need: &Need) -> anyhow::Error {
    anyhow::anyhow!(
        "{what} gives faultline no control over the nodes, so {} cannot run: \
         pass --nemesis none to test without faults, or describe the store (--sut described \
         --store FILE) with kill/start/pause/resume [commands]",
        need.by
    )
}
