//! A test as a value: the SUT, the workload and the faults, built once from
//! the configuration and checked against each other before anything runs.
//! The controller only runs its phases.

use super::check::checker_kinds;
use super::config::RunConfig;
use super::inapplicable;
use super::nemesis;
use super::sut::capability::{Capability, Need, NeededBy};
use super::sut::client::ClientOptions;
use super::sut::{self, SystemUnderTest};
use super::workload::Workload;
use faultline_nemeses::NemesisKinds;
use std::sync::Arc;

/// One test, ready to run.
#[derive(Debug, Clone)]
pub struct Test {
    /// The options it was built from (written to `config.toml`, so it can
    /// be repeated).
    pub config: RunConfig,
    /// The system under test.
    pub sut: Arc<dyn SystemUnderTest>,
    /// What the clients do, phase by phase.
    pub workload: Arc<dyn Workload>,
    /// The fault kinds the nemesis injects.
    pub faults: NemesisKinds,
}

impl Test {
    /// Builds the test `config` describes; refuses one whose parts do not
    /// fit (a fault the SUT cannot inject, a workload its client cannot
    /// send, an option that would do nothing).
    pub fn build(config: RunConfig) -> anyhow::Result<Test> {
        config.validate()?;
        let faults = nemesis::kinds(&config)?;
        let sut = sut::from_config(&config)?;
        let workload = config.workload_unit();
        for need in needs(&config, workload.as_ref(), &faults) {
            if !sut.can(need.capability) {
                return Err(sut.refuse(&need));
            }
        }
        // Last of the SUT's checks (a run refused for another reason says
        // that reason), but before the room for faults, as ever.
        sut.preflight()?;
        inapplicable::check(&config)?;
        nemesis::check_room(&config)?;
        // The checkers are chosen again from the config when the history is
        // checked (`check::run_checkers`); here, a bad choice refuses the run.
        checker_kinds(&config)?;
        config.validate_numbers()?;
        Ok(Test {
            config,
            sut,
            workload,
            faults,
        })
    }

    /// The same test with another seed (one of a `--test-count` series).
    pub fn with_seed(&self, seed: u64) -> Test {
        let mut t = self.clone();
        t.config.seed = Some(seed);
        t
    }

    /// How the run's clients behave.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            balance: self.config.balance,
            storage: self.config.workload.storage(),
            timeout: self.config.request_timeout(),
            concurrency: self.config.concurrency,
        }
    }

    /// The key prefix this run uses: the given one, else none on a SUT the
    /// run starts empty, else a unique one (a persistent store would carry
    /// values over from earlier runs, and keys start absent in the model).
    pub fn key_prefix(&self) -> String {
        if let Some(p) = &self.config.key_prefix {
            return p.clone();
        }
        if self.sut.starts_empty() {
            return String::new();
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("r{:x}-", nanos % (1 << 48))
    }
}

/// What the run needs of its SUT, in the order refusals are reported:
/// the workload's operations, the options that act on the SUT, then the faults.
fn needs(config: &RunConfig, workload: &dyn Workload, faults: &NemesisKinds) -> Vec<Need> {
    let by = NeededBy::Workload(workload.kind());
    let mut needs: Vec<Need> = workload
        .needs()
        .into_iter()
        .map(|c| Need::new(c, by.clone()))
        .collect();
    if !config.bug.is_empty() {
        needs.push(Need::new(Capability::Bugs, NeededBy::Option("--bug")));
    }
    if config.cache {
        needs.push(Need::new(
            Capability::ReadCache,
            NeededBy::Option("--cache"),
        ));
    }
    if config.read_mode != RunConfig::default().read_mode {
        needs.push(Need::new(
            Capability::ReadMode,
            NeededBy::Option("--read-mode"),
        ));
    }
    let by = NeededBy::Nemesis {
        list: crate::run::config::list_word::joined(&config.nemesis),
        default: config.nemesis == RunConfig::default().nemesis,
    };
    for kind in faults.iter() {
        needs.push(Need::new(Capability::for_fault(kind), by.clone()));
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::{FaultWord, SutKind};
    use faultline_workloads::workload::WorkloadKind;

    #[test]
    fn the_sut_is_asked_for_what_the_workload_and_the_faults_need() {
        let config = RunConfig {
            workload: WorkloadKind::Bank,
            nemesis: vec![FaultWord::Kind(faultline_nemeses::NemesisKind::Kill)],
            ..RunConfig::default()
        };
        let faults = nemesis::kinds(&config).unwrap();
        let asked: Vec<Capability> = needs(&config, config.workload_unit().as_ref(), &faults)
            .into_iter()
            .map(|n| n.capability)
            .collect();
        assert_eq!(
            asked,
            [
                Capability::Txn,
                Capability::Serve(WorkloadKind::Bank),
                Capability::Kill
            ]
        );
    }

    #[test]
    fn a_store_the_run_does_not_start_refuses_faults_in_its_own_words() {
        let http = RunConfig {
            sut: SutKind::Http,
            endpoints: vec!["http://127.0.0.1:1".into()],
            ..RunConfig::default()
        };
        let e = format!("{:#}", Test::build(http.clone()).unwrap_err());
        assert!(
            e.starts_with(
                "--sut http gives faultline no control over the nodes, so --nemesis \
                 partition,kill,pause (the default) cannot run"
            ),
            "{e}"
        );
        let quiet = RunConfig {
            nemesis: vec![FaultWord::None],
            ..http
        };
        assert!(Test::build(quiet).is_ok());
    }

    #[test]
    fn clock_faults_run_only_where_nodes_take_an_offset() {
        let clock = vec![FaultWord::Kind(faultline_nemeses::NemesisKind::Clock)];
        let bundled = RunConfig {
            nemesis: clock.clone(),
            ..RunConfig::default()
        };
        assert!(Test::build(bundled).is_ok());
        let etcd = RunConfig {
            sut: SutKind::Etcd,
            nemesis: clock,
            ..RunConfig::default()
        };
        let e = format!("{:#}", Test::build(etcd).unwrap_err());
        assert!(
            e.contains("--sut etcd cannot skew the nodes' clocks, which --nemesis clock needs"),
            "{e}"
        );
    }
}
