//! The test configuration: defaults, a TOML file and flags (flags win).

mod by_name;

use anyhow::{Context, bail};
use faultline_cluster::{Bug, Mode};
use faultline_workloads::client::{Balance, ReadMode};
use faultline_workloads::generator::KeyDist;
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::lock::LockOptions;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Which system is under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SutKind {
    /// The bundled reference cluster, started and stopped by the run.
    #[default]
    Bundled,
    /// Any store speaking docs/DESIGN.md's HTTP protocol at `endpoints`.
    Http,
    /// etcd: a local cluster started by the run, or the members at `endpoints`.
    Etcd,
    /// Any HTTP store described by the TOML file `store`.
    Described,
}

impl FromStr for SutKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "bundled" => Ok(SutKind::Bundled),
            "http" => Ok(SutKind::Http),
            "etcd" => Ok(SutKind::Etcd),
            "described" => Ok(SutKind::Described),
            other => bail!("unknown SUT `{other}` (expected bundled, http, etcd or described)"),
        }
    }
}

impl fmt::Display for SutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SutKind::Bundled => "bundled",
            SutKind::Http => "http",
            SutKind::Etcd => "etcd",
            SutKind::Described => "described",
        })
    }
}

/// How the nemesis times its fault windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NemesisSchedule {
    /// `nemesis-interval` seconds healthy, then as long faulty, repeated.
    #[default]
    Interval,
    /// Healthy and faulty periods each drawn (from the seed) between half and
    /// one and a half `nemesis-interval`, so faults do not line up with a
    /// periodic behaviour of the SUT.
    Random,
}

impl NemesisSchedule {
    /// When faults change, e.g. `every 5 s`.
    pub fn describe(self, interval_s: f64) -> String {
        match self {
            NemesisSchedule::Interval => format!("every {interval_s} s"),
            NemesisSchedule::Random => format!(
                "at random {}-{} s intervals",
                interval_s / 2.0,
                interval_s * 1.5
            ),
        }
    }
}

impl FromStr for NemesisSchedule {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "interval" => Ok(NemesisSchedule::Interval),
            "random" => Ok(NemesisSchedule::Random),
            other => bail!("unknown nemesis schedule `{other}` (expected interval or random)"),
        }
    }
}

impl fmt::Display for NemesisSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NemesisSchedule::Interval => "interval",
            NemesisSchedule::Random => "random",
        })
    }
}

/// Everything that defines a test run; written to `config.toml` so it can be repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RunConfig {
    /// Test name: the directory under `results-dir`.
    pub name: String,
    /// Where results go.
    pub results_dir: PathBuf,
    /// System under test.
    pub sut: SutKind,
    /// Base URLs of an HTTP SUT; `URL=weight` sets a weight for `balance = "weighted"`.
    pub endpoints: Vec<String>,
    /// Per-endpoint weights for `balance = "weighted"` (overrides `URL=weight`).
    pub weights: Vec<u32>,
    /// Store-description file: the client for `described` (and, when given,
    /// for `bundled`/`etcd` instead of their native clients).
    pub store: Option<PathBuf>,
    /// How etcd serves reads (`--sut etcd`).
    pub read_mode: ReadMode,
    /// Replication mode of the bundled cluster.
    #[serde(with = "by_name::one")]
    pub mode: Mode,
    /// Number of nodes of the bundled cluster.
    pub nodes: usize,
    /// Bugs switched on in the bundled cluster.
    #[serde(with = "by_name::list")]
    pub bug: Vec<Bug>,
    /// Raft groups of the bundled cluster; 2 or more run behind a
    /// two-phase-commit coordinator that the clients talk to.
    pub shards: usize,
    /// First port of the bundled cluster (0 = find free ports).
    pub base_port: u16,
    /// The workload.
    pub workload: WorkloadKind,
    /// Checkers to run (default: the workload's linearizability model).
    pub checker: Vec<String>,
    /// Number of concurrent client workers.
    pub concurrency: usize,
    /// Target operations per second over all workers (0 = unlimited).
    pub rate: f64,
    /// Length of the main phase, seconds.
    pub time_limit: f64,
    /// Number of concurrently active keys.
    pub keys: usize,
    /// How keys are chosen.
    pub key_dist: KeyDist,
    /// Operations on one key before its slot moves on to a fresh key (0 = unlimited).
    pub per_key_limit: u64,
    /// Prefix of every key name; when absent, runs against an HTTP SUT get a
    /// unique one (a persistent store would otherwise carry values over from
    /// earlier runs, and keys start absent in the model).
    pub key_prefix: Option<String>,
    /// Fault kinds (kill, pause, partition, latency, all, none).
    pub nemesis: Vec<String>,
    /// Seconds between fault changes.
    pub nemesis_interval: f64,
    /// How fault windows are timed.
    pub nemesis_schedule: NemesisSchedule,
    /// Node selection strategy.
    pub balance: Balance,
    /// Seed of the operation schedule (random when absent; always recorded).
    pub seed: Option<u64>,
    /// Number of runs; each with a fresh cluster and seed + i. Stops at the first invalid.
    pub test_count: u32,
    /// Seconds after the final heal before the final reads.
    pub recovery_time: f64,
    /// Per-request timeout, seconds.
    pub request_timeout: f64,
    /// Checker deadline, seconds (after it the verdict is unknown).
    pub check_timeout: f64,
    /// Gossip mode: peers each node exchanges state with per round.
    pub fanout: usize,
    /// Gossip mode: milliseconds between anti-entropy rounds.
    pub gossip_interval: u64,
    /// Lock workload: lease length asked for, milliseconds.
    pub lock_ttl_ms: u64,
    /// Lock workload: typical client pause (GC-like), milliseconds.
    pub lock_pause_ms: u64,
    /// Lock workload: chance that a cycle pauses.
    pub lock_pause_probability: f64,
    /// Bundled cluster: serve reads through each node's read-through cache.
    pub cache: bool,
    /// Bundled cluster with `cache`: lease of a cached value, milliseconds.
    pub cache_ttl_ms: u64,
    /// Number of bank accounts (bank workload).
    pub accounts: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            name: String::new(),
            results_dir: PathBuf::from("results"),
            sut: SutKind::Bundled,
            endpoints: Vec::new(),
            weights: Vec::new(),
            store: None,
            read_mode: ReadMode::Linearizable,
            mode: Mode::Raft,
            nodes: 3,
            bug: Vec::new(),
            shards: 1,
            base_port: 0,
            workload: WorkloadKind::CasRegister,
            checker: Vec::new(),
            concurrency: 6,
            rate: 100.0,
            time_limit: 20.0,
            keys: 6,
            key_dist: KeyDist::Uniform,
            per_key_limit: 120,
            key_prefix: None,
            nemesis: vec!["partition".into(), "kill".into(), "pause".into()],
            nemesis_interval: 1.0,
            nemesis_schedule: NemesisSchedule::Interval,
            balance: Balance::Random,
            seed: None,
            test_count: 1,
            recovery_time: 3.0,
            request_timeout: 1.5,
            check_timeout: 60.0,
            fanout: 2,
            gossip_interval: 100,
            lock_ttl_ms: 300,
            lock_pause_ms: 450,
            lock_pause_probability: 0.2,
            cache: false,
            cache_ttl_ms: 1000,
            accounts: faultline_workloads::workload::bank::DEFAULT_ACCOUNTS,
        }
    }
}

impl RunConfig {
    /// Reads a TOML config; unknown keys are errors naming the file and key.
    pub fn from_file(path: &Path) -> anyhow::Result<RunConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))
    }

    /// The config as TOML, as written to `config.toml`.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        toml::to_string_pretty(self).context("serialising the config")
    }

    /// The config as one run ran it, for its `config.toml`: the name filled
    /// in and a single test, so `--config` repeats exactly that run (each run
    /// of a `--test-count` series has its own seed).
    pub fn as_ran(&self) -> RunConfig {
        RunConfig {
            name: self.test_name(),
            test_count: 1,
            ..self.clone()
        }
    }

    /// The test name, defaulting to the workload's.
    pub fn test_name(&self) -> String {
        if self.name.is_empty() {
            self.workload.as_str().to_string()
        } else {
            self.name.clone()
        }
    }

    /// Main-phase length.
    pub fn time_limit(&self) -> Duration {
        secs(self.time_limit)
    }

    /// Recovery-phase length.
    pub fn recovery_time(&self) -> Duration {
        secs(self.recovery_time)
    }

    /// How long the run waits after the final heal before the final reads,
    /// and how long the eventual checker wants after the last heal: the
    /// recovery time, but in gossip mode at least `GOSSIP_QUIET_ROUNDS`
    /// anti-entropy rounds, so the nodes have had time to converge.
    pub fn quiet_period(&self) -> Duration {
        let recovery = self.recovery_time();
        if self.sut == SutKind::Bundled && self.mode == Mode::Gossip {
            let rounds = self.gossip_interval.saturating_mul(GOSSIP_QUIET_ROUNDS);
            recovery.max(Duration::from_millis(rounds))
        } else {
            recovery
        }
    }

    /// Per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        secs(self.request_timeout).max(Duration::from_millis(10))
    }

    /// Checker deadline.
    pub fn check_timeout(&self) -> Duration {
        secs(self.check_timeout)
    }

    /// How the lock workload's clients behave; `lease-ignores-pause` (a
    /// client-side bug) turns off their lease check before writing.
    pub fn lock_options(&self) -> LockOptions {
        LockOptions {
            ttl: Duration::from_millis(self.lock_ttl_ms.max(1)),
            pause: Duration::from_millis(self.lock_pause_ms),
            pause_probability: self.lock_pause_probability.clamp(0.0, 1.0),
            check_lease: !self.bug.contains(&Bug::LeaseIgnoresPause),
        }
    }

    /// Rejects counts no run can use; what the SUT, workload and faults
    /// need of each other is the test's to check (`run::test`).
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.concurrency == 0 {
            bail!("concurrency must be at least 1");
        }
        if self.keys == 0 {
            bail!("keys must be at least 1");
        }
        if self.nodes == 0 {
            bail!("nodes must be at least 1");
        }
        if self.workload == WorkloadKind::Bank && self.accounts < 2 {
            bail!(
                "the bank workload needs at least 2 accounts, got {}",
                self.accounts
            );
        }
        if self.shards == 0 {
            bail!("shards must be at least 1");
        }
        if self.shards > 1 && self.sut != SutKind::Bundled {
            bail!("shards apply to the bundled cluster only");
        }
        if self.shards > 1 && self.mode != Mode::Raft {
            bail!("shards are raft groups; mode {} has none", self.mode);
        }
        if self.shards > 1 && self.cache {
            // A 2PC commit names no keys, so it could not invalidate caches.
            bail!("cache is not available on sharded clusters");
        }
        if self.sut == SutKind::Bundled && !self.endpoints.is_empty() {
            // The bundled cluster's endpoints are the nodes it starts: given
            // ones would be silently ignored while a different system is tested.
            bail!(
                "--endpoints applies to --sut http, etcd or described; the bundled cluster \
                 (the default --sut) starts its own nodes. Add --sut http to test {}",
                self.endpoints.join(",")
            );
        }
        if self.sut == SutKind::Bundled {
            let need =
                crate::fd_limit::needed_for_bundled(self.nodes * self.shards, self.concurrency);
            if let Some(limit) = crate::fd_limit::current()
                && limit < need
            {
                bail!(
                    "{} nodes need about {need} open files in the harness (peer proxies grow with \
                     the square of the node count), but the limit is {limit} even after raising \
                     the soft limit to the hard one: raise it (`ulimit -n {need}` as root, or \
                     LimitNOFILE= in a systemd unit) or run fewer nodes",
                    self.nodes * self.shards
                );
            }
        }
        if self.sut == SutKind::Http && self.endpoints.is_empty() {
            bail!("--sut http needs --endpoints URL,...");
        }
        if self.gossip_interval == 0 {
            bail!("gossip-interval must be at least 1 ms");
        }
        Ok(())
    }

    /// Rejects durations and rates no run can use (checked after the
    /// options' combinations, which say more about a mistaken run).
    pub fn validate_numbers(&self) -> anyhow::Result<()> {
        for (name, v) in [
            ("time-limit", self.time_limit),
            ("recovery-time", self.recovery_time),
            ("nemesis-interval", self.nemesis_interval),
            ("request-timeout", self.request_timeout),
            ("check-timeout", self.check_timeout),
            ("rate", self.rate),
            ("lock-pause-probability", self.lock_pause_probability),
        ] {
            if !v.is_finite() || v < 0.0 {
                bail!("{name} must be a non-negative number of seconds, got {v}");
            }
        }
        Ok(())
    }
}

/// Anti-entropy rounds a gossip run waits at least after the final heal: with
/// fanout 2 a value reaches all of a few nodes in 2-4 rounds, so this leaves a
/// wide margin for a loaded machine.
const GOSSIP_QUIET_ROUNDS: u64 = 20;

/// Seconds as a duration; negative or non-finite values become zero.
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        std::fs::write(&p, "concurrency = 3\nbogus-key = 1\n").unwrap();
        let err = format!("{:#}", RunConfig::from_file(&p).unwrap_err());
        assert!(err.contains("t.toml"), "{err}");
        assert!(err.contains("bogus-key"), "{err}");
    }

    #[test]
    fn a_written_config_reads_back_identically() {
        let c = RunConfig {
            seed: Some(17),
            workload: WorkloadKind::Append,
            key_dist: KeyDist::Zipf,
            bug: vec![Bug::StaleReads],
            ..RunConfig::default()
        };
        let back: RunConfig = toml::from_str(&c.to_toml().unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn nemesis_schedules_parse_from_flags_and_files() {
        assert_eq!(
            "random".parse::<NemesisSchedule>().unwrap(),
            NemesisSchedule::Random
        );
        assert!("weekly".parse::<NemesisSchedule>().is_err());
        let c: RunConfig = toml::from_str("nemesis-schedule = \"random\"").unwrap();
        assert_eq!(c.nemesis_schedule, NemesisSchedule::Random);
        assert_eq!(
            RunConfig::default().nemesis_schedule,
            NemesisSchedule::Interval
        );
    }

    #[test]
    fn gossip_runs_wait_at_least_twenty_rounds_before_final_reads() {
        let gossip = RunConfig {
            mode: Mode::Gossip,
            recovery_time: 0.5,
            gossip_interval: 100,
            ..RunConfig::default()
        };
        assert_eq!(gossip.quiet_period(), Duration::from_secs(2));
        let raft = RunConfig {
            recovery_time: 0.5,
            ..RunConfig::default()
        };
        assert_eq!(raft.quiet_period(), Duration::from_millis(500));
    }

    #[test]
    fn integers_are_accepted_for_seconds() {
        let c: RunConfig = toml::from_str("time-limit = 5\nworkload = \"set\"").unwrap();
        assert_eq!(c.time_limit(), Duration::from_secs(5));
        assert_eq!(c.workload, WorkloadKind::Set);
    }
}
