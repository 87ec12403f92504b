//! `faultline run`: start the SUT, drive a workload under faults, record and check.

use super::choices;
use crate::exit::Exit;
use crate::run::config::{NemesisSchedule, RunConfig, SutKind};
use crate::run::test::Test;
use faultline_cluster::{Bug, Mode};
use faultline_workloads::client::{Balance, ReadMode};
use faultline_workloads::generator::KeyDist;
use faultline_workloads::workload::WorkloadKind;
use std::path::PathBuf;

/// Arguments of `faultline run`; each overrides the same key of `--config`.
#[derive(clap::Args, Debug, Default)]
#[command(after_help = after_help())]
pub struct RunArgs {
    /// TOML config file (keys as the long flags, e.g. `time-limit = 30`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Test name (results go to RESULTS_DIR/NAME/TIMESTAMP); default: the workload.
    #[arg(long)]
    pub name: Option<String>,
    /// Results directory [default: results].
    #[arg(long)]
    pub results_dir: Option<PathBuf>,
    /// System under test: bundled, http, etcd, described [default: bundled].
    #[arg(long)]
    pub sut: Option<SutKind>,
    /// Endpoints of an HTTP SUT: URL,... (URL=weight for --balance weighted).
    #[arg(long, value_delimiter = ',')]
    pub endpoints: Option<Vec<String>>,
    /// Store-description file (TOML) for --sut described, or to drive bundled/etcd through it.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// etcd reads: linearizable or serializable [default: linearizable].
    #[arg(long)]
    pub read_mode: Option<ReadMode>,
    /// Per-endpoint weights for --balance weighted: W,...
    #[arg(long, value_delimiter = ',')]
    pub weights: Option<Vec<u32>>,
    /// Bundled cluster mode [default: raft].
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Bundled cluster size [default: 3].
    #[arg(long)]
    pub nodes: Option<usize>,
    /// Raft groups of the bundled cluster; 2 or more run behind a 2PC coordinator [default: 1].
    #[arg(long)]
    pub shards: Option<usize>,
    /// Bugs to switch on in the bundled cluster: NAME,...
    #[arg(long, value_delimiter = ',', help = format!(
        "Bugs to switch on in the bundled cluster, comma-separated: {}", choices::bugs()
    ))]
    pub bug: Option<Vec<Bug>>,
    /// First port of the bundled cluster [default: free ports].
    #[arg(long)]
    pub base_port: Option<u16>,
    /// Workload [default: cas-register].
    #[arg(long, help = format!("Workload: {} [default: cas-register]", choices::workloads()))]
    pub workload: Option<WorkloadKind>,
    /// Checkers: NAME,...
    #[arg(long, value_delimiter = ',', help = format!(
        "Checkers, comma-separated: {} [default: linearizable; lock for the lock workload, \
         bank for bank, txn for list-append and rw-register]",
        choices::checkers()
    ))]
    pub checker: Option<Vec<String>>,
    /// Concurrent client workers [default: 6].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Target ops/s over all workers, 0 = unlimited [default: 100].
    #[arg(long)]
    pub rate: Option<f64>,
    /// Main phase length in seconds [default: 20].
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// Bank accounts (bank workload) [default: 8].
    #[arg(long)]
    pub accounts: Option<usize>,
    /// Concurrently active keys [default: 6].
    #[arg(long)]
    pub keys: Option<usize>,
    /// Key distribution: uniform or zipf [default: uniform].
    #[arg(long)]
    pub key_dist: Option<KeyDist>,
    /// Operations per key before moving to a fresh key, 0 = unlimited [default: 120].
    #[arg(long)]
    pub per_key_limit: Option<u64>,
    /// Prefix of every key name [default: none for bundled, unique per run for http].
    #[arg(long)]
    pub key_prefix: Option<String>,
    /// Faults: KIND,...
    #[arg(long, value_delimiter = ',', help = format!(
        "Faults, comma-separated: {} [default: {}]",
        choices::nemeses(),
        RunConfig::default().nemesis.join(",")
    ))]
    pub nemesis: Option<Vec<String>>,
    /// Seconds between fault changes [default: 1].
    #[arg(long)]
    pub nemesis_interval: Option<f64>,
    /// Fault timing: interval (fixed) or random (0.5-1.5 x interval, from the seed) [default: interval].
    #[arg(long)]
    pub nemesis_schedule: Option<NemesisSchedule>,
    /// Node selection: random, round-robin, weighted, leader [default: random].
    #[arg(long)]
    pub balance: Option<Balance>,
    /// Seed of the operation schedule [default: random, recorded in config.toml].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of runs (fresh SUT, seed+i); stops at the first invalid [default: 1].
    #[arg(long)]
    pub test_count: Option<u32>,
    /// Seconds between the final heal and the final reads [default: 3].
    #[arg(long)]
    pub recovery_time: Option<f64>,
    /// Per-request timeout in seconds [default: 1.5].
    #[arg(long)]
    pub request_timeout: Option<f64>,
    /// Checker deadline in seconds [default: 60].
    #[arg(long)]
    pub check_timeout: Option<f64>,
    /// Gossip mode: peers per anti-entropy round [default: 2].
    #[arg(long)]
    pub fanout: Option<usize>,
    /// Gossip mode: milliseconds between anti-entropy rounds [default: 100].
    #[arg(long)]
    pub gossip_interval: Option<u64>,
    /// Lock workload: lease length in ms [default: 300].
    #[arg(long)]
    pub lock_ttl_ms: Option<u64>,
    /// Lock workload: typical client pause in ms, each 0.75-1.25 x this [default: 450].
    #[arg(long)]
    pub lock_pause_ms: Option<u64>,
    /// Lock workload: chance that a cycle pauses [default: 0.2].
    #[arg(long)]
    pub lock_pause_probability: Option<f64>,
    /// Bundled cluster: serve reads through each node's read-through cache.
    #[arg(long)]
    pub cache: bool,
    /// Lease of a cached value in milliseconds, with --cache [default: 1000].
    #[arg(long)]
    pub cache_ttl_ms: Option<u64>,
}

/// Examples and exit codes, after the options in `run --help`.
fn after_help() -> String {
    format!(
        "Examples:\n  \
         faultline run                                     # 20 s on the bundled raft cluster under faults\n  \
         faultline run --bug stale-reads --seed 1          # a deliberate bug the checker must catch\n  \
         faultline run --workload bank --nemesis partition --time-limit 30\n  \
         faultline run --sut http --endpoints http://10.0.0.1:8080,http://10.0.0.2:8080 --nemesis none\n  \
         faultline run --sut described --store stores/etcd.toml --nemesis none\n  \
         faultline run --config results/latest/config.toml       # repeat the last run\n\n\
         Exit codes:\n{}",
        choices::exit_codes()
    )
}

impl RunArgs {
    /// The test these flags describe: defaults, then `--config`, then the flags.
    pub fn resolve(self) -> anyhow::Result<Test> {
        let mut c = match &self.config {
            Some(path) => RunConfig::from_file(path)?,
            None => RunConfig::default(),
        };
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { c.$field = v; } )* };
        }
        set!(
            name,
            results_dir,
            sut,
            endpoints,
            weights,
            read_mode,
            mode,
            nodes,
            shards,
            bug,
            base_port,
            workload,
            checker,
            concurrency,
            rate,
            time_limit,
            keys,
            key_dist,
            per_key_limit,
            nemesis,
            nemesis_interval,
            nemesis_schedule,
            balance,
            test_count,
            recovery_time,
            request_timeout,
            check_timeout,
            fanout,
            gossip_interval,
            lock_ttl_ms,
            lock_pause_ms,
            lock_pause_probability,
            cache_ttl_ms,
            accounts
        );
        if self.cache {
            c.cache = true;
        }
        if self.seed.is_some() {
            c.seed = self.seed;
        }
        if self.store.is_some() {
            c.store = self.store;
        }
        if self.key_prefix.is_some() {
            c.key_prefix = self.key_prefix;
        }
        Test::build(c)
    }
}

/// Runs the command.
pub fn execute(args: RunArgs) -> anyhow::Result<Exit> {
    let test = args.resolve()?;
    crate::run::run_tests(test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "concurrency = 3\nkeys = 9\nseed = 5\n").unwrap();
        let args = RunArgs {
            config: Some(p),
            concurrency: Some(4),
            ..RunArgs::default()
        };
        let c = args.resolve().unwrap().config;
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.keys, 9);
        assert_eq!(c.seed, Some(5));
    }

    #[test]
    fn the_read_cache_is_for_the_bundled_cluster_and_its_bug_needs_it() {
        let c = RunArgs {
            cache: true,
            cache_ttl_ms: Some(300),
            bug: Some(vec![Bug::CacheStale]),
            ..RunArgs::default()
        }
        .resolve()
        .unwrap()
        .config;
        assert!(c.cache);
        assert_eq!(c.cache_ttl_ms, 300);
        let err = RunArgs {
            bug: Some(vec![Bug::CacheStale]),
            ..RunArgs::default()
        }
        .resolve()
        .unwrap_err();
        assert!(format!("{err:#}").contains("--cache"), "{err:#}");
        let err = RunArgs {
            cache: true,
            sut: Some(SutKind::Http),
            endpoints: Some(vec!["http://127.0.0.1:1".into()]),
            ..RunArgs::default()
        }
        .resolve()
        .unwrap_err();
        assert!(format!("{err:#}").contains("bundled"), "{err:#}");
    }
}
