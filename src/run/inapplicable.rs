//! Options that do nothing for the chosen SUT, mode or workload are refused.
//! An option silently ignored lets a user believe they tested something they
//! did not (`--mode paxos` against their own store tests no Paxos at all).
//!
//! An option counts as given when it differs from its default, so the rule
//! holds alike for flags and for keys of a `--config` file.

use super::config::{RunConfig, SutKind};
use faultline_cluster::Mode;
use faultline_workloads::client::Balance;

/// One option, whether it was given, whether it applies, and why not.
struct Rule {
    option: &'static str,
    given: bool,
    applies: bool,
    why: &'static str,
}

/// The first option that was given but does not apply, as an error.
pub fn check(c: &RunConfig) -> anyhow::Result<()> {
    let d = RunConfig::default();
    let bundled = c.sut == SutKind::Bundled;
    let starts_nodes = bundled || (c.sut == SutKind::Etcd && c.endpoints.is_empty());
    let gossip = bundled && c.mode == Mode::Gossip;
    let rules = [
        Rule {
            option: "mode",
            given: c.mode != d.mode,
            applies: bundled,
            why: "the replication mode belongs to the bundled cluster (--sut bundled)",
        },
        Rule {
            option: "bug",
            given: !c.bug.is_empty(),
            applies: bundled,
            why: "the switchable bugs are the bundled cluster's (--sut bundled)",
        },
        Rule {
            option: "nodes",
            given: c.nodes != d.nodes,
            applies: starts_nodes,
            why: "a store faultline does not start has the nodes its endpoints name",
        },
        Rule {
            option: "nodes",
            given: c.hosts.is_some(),
            applies: c.sut == SutKind::Ssh,
            why: "nodes on hosts are reached over SSH by --sut ssh (the default when a config file lists them)",
        },
        Rule {
            option: "base-port",
            given: c.base_port != d.base_port,
            applies: bundled,
            why: "it places the ports of the bundled cluster's nodes",
        },
        Rule {
            option: "fanout",
            given: c.fanout != d.fanout,
            applies: gossip,
            why: "it is a setting of the bundled cluster's gossip mode (--mode gossip)",
        },
        Rule {
            option: "gossip-interval",
            given: c.gossip_interval != d.gossip_interval,
            applies: gossip,
            why: "it is a setting of the bundled cluster's gossip mode (--mode gossip)",
        },
        Rule {
            option: "cache-ttl-ms",
            given: c.cache_ttl_ms != d.cache_ttl_ms,
            applies: c.cache,
            why: "it is the lease of the read cache, which only --cache switches on",
        },
        Rule {
            option: "weights",
            given: !c.weights.is_empty(),
            applies: c.balance == Balance::Weighted,
            why: "only --balance weighted uses weights",
        },
    ];
    let another_workloads =
        c.workload_options
            .given_to_another(c.workload)
            .map(|(option, owner)| {
                (
                    option,
                    format!("it is a setting of the {owner} workload (--workload {owner})"),
                )
            });
    let refused = rules
        .iter()
        .find(|r| r.given && !r.applies)
        .map(|r| (r.option.to_string(), r.why.to_string()))
        .or(another_workloads);
    match refused {
        Some((option, why)) => anyhow::bail!(
            "--{option} does nothing in this run: {why} (sut {}, workload {}{})",
            c.sut,
            c.workload,
            if bundled {
                format!(", mode {}", c.mode)
            } else {
                String::new()
            }
        ),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_workloads::workload::WorkloadKind;

    #[test]
    fn options_of_another_sut_mode_or_workload_are_refused() {
        let http = RunConfig {
            sut: SutKind::Http,
            endpoints: vec!["http://127.0.0.1:1".into()],
            ..RunConfig::default()
        };
        let refused = |c: RunConfig| format!("{:#}", check(&c).unwrap_err());
        let e = refused(RunConfig {
            mode: Mode::Paxos,
            ..http.clone()
        });
        assert!(e.starts_with("--mode does nothing"), "{e}");
        assert!(e.contains("sut http"), "{e}");
        let e = refused(RunConfig {
            nodes: 5,
            ..http.clone()
        });
        assert!(e.starts_with("--nodes"), "{e}");
        let e = refused(RunConfig {
            bug: vec![faultline_cluster::Bug::StaleReads],
            ..http.clone()
        });
        assert!(e.starts_with("--bug"), "{e}");
        let e = refused(RunConfig {
            fanout: 3,
            ..RunConfig::default()
        });
        assert!(e.contains("--mode gossip"), "{e}");
        let mut lock = RunConfig::default();
        lock.workload_options.lock.lock_ttl_ms = 50;
        let e = refused(lock);
        assert!(e.starts_with("--lock-ttl-ms"), "{e}");
        assert!(e.contains("the lock workload (--workload lock)"), "{e}");
        let mut bank = RunConfig::default();
        bank.workload_options.bank.accounts = 9;
        let e = refused(bank);
        assert!(e.starts_with("--accounts"), "{e}");
        let e = refused(RunConfig {
            weights: vec![1, 2],
            ..RunConfig::default()
        });
        assert!(e.contains("--balance weighted"), "{e}");
        let e = refused(RunConfig {
            cache_ttl_ms: 5,
            ..RunConfig::default()
        });
        assert!(e.contains("--cache"), "{e}");
    }

    #[test]
    fn options_that_apply_are_accepted() {
        let ok = |c: RunConfig| check(&c).unwrap();
        ok(RunConfig::default());
        ok(RunConfig {
            mode: Mode::Gossip,
            fanout: 3,
            gossip_interval: 50,
            ..RunConfig::default()
        });
        let mut lock = RunConfig {
            workload: WorkloadKind::Lock,
            ..RunConfig::default()
        };
        lock.workload_options.lock.lock_ttl_ms = 50;
        ok(lock);
        ok(RunConfig {
            sut: SutKind::Etcd,
            nodes: 5,
            ..RunConfig::default()
        });
        ok(RunConfig {
            balance: Balance::Weighted,
            weights: vec![1, 2, 3],
            ..RunConfig::default()
        });
    }
}
