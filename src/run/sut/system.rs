//! The trait every kind of system under test implements: Jepsen's `DB`,
//! with its optional abilities declared as capabilities, so a run can be
//! refused before it starts when it needs one the SUT lacks.

use super::capability::{Capability, Need};
use super::client::ClientKind;
use super::running::Sut;
use crate::run::config::SutKind;
use faultline_nemeses::NemesisKinds;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

/// A future a SUT returns from `start` (the trait is used as `dyn`).
pub type StartFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Sut>> + Send + 'a>>;

/// A kind of system under test, configured for one test.
pub trait SystemUnderTest: Send + Sync + std::fmt::Debug {
    /// Which kind it is (named in messages and results).
    fn kind(&self) -> SutKind;

    /// The client the run speaks to it with.
    fn client_kind(&self) -> &ClientKind;

    /// Whether its nodes can do `capability` (the client's capabilities
    /// are the client's: see [`SystemUnderTest::can`]).
    fn nodes_can(&self, capability: Capability) -> bool;

    /// Whether it can do `capability`, nodes and client together.
    fn can(&self, capability: Capability) -> bool {
        self.client_kind()
            .can(capability)
            .unwrap_or_else(|| self.nodes_can(capability))
    }

    /// The user-facing reason it cannot do what `need` asks.
    fn refuse(&self, need: &Need) -> anyhow::Error {
        self.client_kind()
            .refuse(need, self.kind())
            .unwrap_or_else(|| generic_refusal(self.kind(), need))
    }

    /// Checks that must come after every other refusal (etcd's binary:
    /// a run refused for another reason should say that reason).
    fn preflight(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Starts the SUT (or connects to it); `faults` are the kinds the
    /// nemesis will inject, node logs go under `nodes_dir`.
    fn start<'a>(&'a self, faults: &'a NemesisKinds, nodes_dir: &'a Path) -> StartFuture<'a>;

    /// What it is, e.g. `the bundled raft cluster (3 nodes)`; `endpoints`
    /// is how many the started SUT has, once known.
    fn describe(&self, endpoints: Option<usize>) -> String {
        match endpoints {
            Some(n) => format!("{} SUT ({n} endpoints)", self.kind()),
            None => format!("{} SUT", self.kind()),
        }
    }

    /// True when the run starts it empty: otherwise earlier runs may have
    /// left values under the keys, so keys get a unique prefix.
    fn starts_empty(&self) -> bool {
        false
    }

    /// True when its protocol is unproven: a store faultline neither
    /// started nor speaks natively is asked questions with known answers
    /// before any load.
    fn probe_first(&self) -> bool {
        false
    }
}

/// The refusal for a capability no SUT-specific text explains.
pub fn generic_refusal(sut: SutKind, need: &Need) -> anyhow::Error {
    match need.capability {
        Capability::Bugs => anyhow::anyhow!(
            "--bug switches on bugs of the bundled cluster; it does not apply to --sut {sut}"
        ),
        Capability::ReadCache => anyhow::anyhow!(
            "--cache switches on the bundled cluster's read cache; it does not apply to --sut {sut}"
        ),
        Capability::Clock => anyhow::anyhow!(
            "--sut {sut} cannot skew the nodes' clocks, which {} needs: only the bundled \
             cluster's nodes read wall time through an offset the harness sets (the \
             machine's clock is never changed); leave clock out of --nemesis",
            need.by
        ),
        other => anyhow::anyhow!("--sut {sut} cannot {other}, which {} needs", need.by),
    }
}
