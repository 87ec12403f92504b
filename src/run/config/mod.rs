//! The test configuration: defaults, a TOML file and flags (flags win).

mod by_name;
pub mod choices;
mod hosts;
pub mod list_word;

pub use hosts::{Hosts, NodeEntry};

use crate::byte_size::{ByteSize, default_memory_limit};
use crate::run::workload::options::{TomlText, WorkloadOptions};
use crate::run::workload::{self, Workload};
use anyhow::{Context, bail};
use faultline_cluster::{Bug, Mode};
use faultline_nemeses::NemesisKind;
use faultline_workloads::client::{Balance, ReadMode};
use faultline_workloads::generator::KeyDist;
use faultline_workloads::workload::WorkloadKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use list_word::{CheckerWord, FaultWord};

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
    /// Nodes on hosts reached over SSH: the config file's `[[nodes]]`,
    /// driven by its `[db]` templates.
    Ssh,
}

impl FromStr for SutKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "bundled" => Ok(SutKind::Bundled),
            "http" => Ok(SutKind::Http),
            "etcd" => Ok(SutKind::Etcd),
            "described" => Ok(SutKind::Described),
            "ssh" => Ok(SutKind::Ssh),
            other => {
                bail!("unknown SUT `{other}` (expected bundled, http, etcd, described or ssh)")
            }
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
            SutKind::Ssh => "ssh",
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

/// Everything that defines a test run; written to `config.toml` so it can be
/// repeated. Each field is one option, defined once: its doc comment is the
/// help of its flag, and its key in a `--config` file is the flag's name.
/// Read a file through [`RunConfig::from_file`] or [`RunConfig::from_text`],
/// not serde alone, which sees the workloads' own keys as unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RunConfig {
    /// Test name (results go to RESULTS_DIR/NAME/TIMESTAMP); default: the workload.
    #[arg(long, default_value_t = RunConfig::default().name, hide_default_value = true)]
    pub name: String,
    /// Results directory.
    #[arg(long, default_value_os_t = RunConfig::default().results_dir)]
    pub results_dir: PathBuf,
    /// System under test: bundled, http, etcd, described, ssh (the default when the config file lists [[nodes]] with hosts).
    #[arg(long, default_value_t = RunConfig::default().sut)]
    pub sut: SutKind,
    /// Endpoints of an HTTP SUT: URL,... (URL=weight for --balance weighted).
    #[arg(long, value_delimiter = ',')]
    pub endpoints: Vec<String>,
    /// Per-endpoint weights for --balance weighted: W,... (overrides URL=weight).
    #[arg(long, value_delimiter = ',')]
    pub weights: Vec<u32>,
    /// Store-description file (TOML) for --sut described, or to drive bundled/etcd through it.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// etcd reads (--sut etcd): linearizable or serializable.
    #[arg(long, default_value_t = RunConfig::default().read_mode)]
    pub read_mode: ReadMode,
    /// Bundled cluster mode.
    #[arg(long, value_enum, default_value_t = RunConfig::default().mode,
        hide_possible_values = true,
        help = format!("Bundled cluster mode: {}", choices::modes()))]
    #[serde(with = "by_name::one")]
    pub mode: Mode,
    /// Bundled cluster size.
    #[arg(long, default_value_t = RunConfig::default().nodes)]
    pub nodes: usize,
    /// Bugs to switch on in the bundled cluster, comma-separated.
    #[arg(long, value_delimiter = ',', help = format!(
        "Bugs to switch on in the bundled cluster, comma-separated: {}", choices::bugs()
    ))]
    #[serde(with = "by_name::list")]
    pub bug: Vec<Bug>,
    /// Raft groups of the bundled cluster; 2 or more run behind a 2PC coordinator.
    #[arg(long, default_value_t = RunConfig::default().shards)]
    pub shards: usize,
    /// First port of the bundled cluster (0: free ports).
    #[arg(long, default_value_t = RunConfig::default().base_port)]
    pub base_port: u16,
    /// The workload.
    #[arg(long, default_value_t = RunConfig::default().workload, help = format!(
        "Workload: {}", choices::workloads()
    ))]
    pub workload: WorkloadKind,
    /// Checkers, comma-separated.
    #[arg(long, value_delimiter = ',', help = format!(
        "Checkers, comma-separated: {} [default: {}]",
        choices::checkers(),
        choices::default_checkers()
    ))]
    #[serde(with = "by_name::list")]
    pub checker: Vec<CheckerWord>,
    /// Concurrent client workers.
    #[arg(long, default_value_t = RunConfig::default().concurrency)]
    pub concurrency: usize,
    /// Target ops/s over all workers, 0 = unlimited.
    #[arg(long, default_value_t = RunConfig::default().rate)]
    pub rate: f64,
    /// Main phase length in seconds.
    #[arg(long, default_value_t = RunConfig::default().time_limit)]
    pub time_limit: f64,
    /// Concurrently active keys.
    #[arg(long, default_value_t = RunConfig::default().keys)]
    pub keys: usize,
    /// Key distribution: uniform or zipf.
    #[arg(long, default_value_t = RunConfig::default().key_dist)]
    pub key_dist: KeyDist,
    /// Operations per key before moving to a fresh key, 0 = unlimited.
    #[arg(long, default_value_t = RunConfig::default().per_key_limit)]
    pub per_key_limit: u64,
    /// Prefix of every key name [default: none for bundled, unique per run for
    /// other SUTs, whose stores may hold values of earlier runs].
    #[arg(long)]
    pub key_prefix: Option<String>,
    /// Faults, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = RunConfig::default().nemesis,
        hide_default_value = true,
        help = format!(
            "Faults, comma-separated: {} [default: {}]; all = every kind but the opt-in \
             loss (a share of the packets or connections between nodes dropped) and clock \
             (bump, strobe and reset the nodes' clocks)",
            choices::nemeses(),
            list_word::joined(&RunConfig::default().nemesis)
        ))]
    #[serde(with = "by_name::list")]
    pub nemesis: Vec<FaultWord>,
    /// Seconds between fault changes.
    #[arg(long, default_value_t = RunConfig::default().nemesis_interval)]
    pub nemesis_interval: f64,
    /// Fault timing: interval (fixed) or random (0.5-1.5 x interval, from the seed).
    #[arg(long, default_value_t = RunConfig::default().nemesis_schedule)]
    pub nemesis_schedule: NemesisSchedule,
    /// Node selection: random, round-robin, weighted, leader (the node
    /// not_leader hints name; for a described store, the one its [leader]
    /// query finds).
    #[arg(long, default_value_t = RunConfig::default().balance)]
    pub balance: Balance,
    /// Seed of the operation schedule [default: random, recorded in config.toml].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of runs (fresh SUT, seed+i); stops at the first invalid.
    #[arg(long, default_value_t = RunConfig::default().test_count)]
    pub test_count: u32,
    /// Seconds between the final heal and the final reads.
    #[arg(long, default_value_t = RunConfig::default().recovery_time)]
    pub recovery_time: f64,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = RunConfig::default().request_timeout)]
    pub request_timeout: f64,
    /// Checker deadline in seconds (after it the verdict is unknown).
    #[arg(long, default_value_t = RunConfig::default().check_timeout)]
    pub check_timeout: f64,
    /// Memory the checkers may hold: 2GiB, 512MiB or bytes [default: half
    /// of this machine's physical memory]. A key whose search would need more
    /// is unknown, and so are the checkers that need the whole history at
    /// once (bank, txn, lock, set-full, counter) when it would not fit;
    /// those of `--checker all` read it key by key.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<ByteSize>,
    /// Gossip mode: peers per anti-entropy round.
    #[arg(long, default_value_t = RunConfig::default().fanout)]
    pub fanout: usize,
    /// Gossip mode: milliseconds between anti-entropy rounds.
    #[arg(long, default_value_t = RunConfig::default().gossip_interval)]
    pub gossip_interval: u64,
    /// The options of single workloads (the lock's lease, the bank's
    /// accounts), each defined in its workload's file. Keys of the file as
    /// any other; read apart (`WorkloadOptions::read`), since serde cannot
    /// refuse unknown keys around a flattened struct and keep line numbers.
    #[command(flatten)]
    #[serde(flatten, skip_deserializing)]
    pub workload_options: WorkloadOptions,
    /// Bundled cluster: serve reads through each node's read-through cache.
    #[arg(long)]
    pub cache: bool,
    /// Lease of a cached value in milliseconds, with --cache.
    #[arg(long, default_value_t = RunConfig::default().cache_ttl_ms)]
    pub cache_ttl_ms: u64,
    /// Nodes on hosts over SSH and their `[db]` templates: only from a
    /// config file (`nodes` as a list of tables), never a flag.
    #[arg(skip)]
    #[serde(skip)]
    pub hosts: Option<Hosts>,
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
            nemesis: [
                NemesisKind::Partition,
                NemesisKind::Kill,
                NemesisKind::Pause,
            ]
            .map(FaultWord::Kind)
            .to_vec(),
            nemesis_interval: 1.0,
            nemesis_schedule: NemesisSchedule::Interval,
            balance: Balance::Random,
            seed: None,
            test_count: 1,
            recovery_time: 3.0,
            request_timeout: 1.5,
            check_timeout: 60.0,
            memory_limit: None,
            fanout: 2,
            gossip_interval: 100,
            workload_options: WorkloadOptions::default(),
            cache: false,
            cache_ttl_ms: 1000,
            hosts: None,
        }
    }
}

impl RunConfig {
    /// Reads a TOML config; unknown keys are errors naming the file and key.
    /// `nodes` as a list of `[[nodes]]` tables (with `[db]`) makes it a
    /// test of nodes on hosts: `sut` is then `ssh` unless the file says.
    pub fn from_file(path: &Path) -> anyhow::Result<RunConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        RunConfig::from_text(&text, path)
    }

    /// [`RunConfig::from_file`] of the text read from `path`.
    pub fn from_text(text: &str, path: &Path) -> anyhow::Result<RunConfig> {
        let bad = |e: &dyn fmt::Display| anyhow::anyhow!("config {}: {e}", path.display());
        let mut table = table_but_seed(text).map_err(|e| bad(&e))?;
        let workload_options = WorkloadOptions::read(&TomlText(text)).map_err(|e| bad(&e))?;
        let had_db = table.contains_key("db");
        let Some(hosts) = Hosts::take(&mut table, path)? else {
            let mut config = if had_db {
                // `nodes = N` with a [db] table: the same file as on hosts.
                let mut config: RunConfig = without_workload_keys(table)
                    .try_into()
                    .map_err(|e| bad(&e))?;
                config.seed = seed_of(text).map_err(|e| bad(&e))?;
                config
            } else {
                // Parsed again from the text: its errors keep their line numbers.
                RunConfig::from_toml(text).map_err(|e| bad(&e))?
            };
            config.workload_options = workload_options;
            return Ok(config);
        };
        let sut_given = table.contains_key("sut");
        let mut config: RunConfig = without_workload_keys(table)
            .try_into()
            .map_err(|e| bad(&e))?;
        if !sut_given {
            config.sut = SutKind::Ssh;
        }
        config.seed = seed_of(text).map_err(|e| bad(&e))?;
        config.hosts = Some(hosts);
        config.workload_options = workload_options;
        Ok(config)
    }

    /// The config a file's text gives, without `[[nodes]]` on hosts and
    /// without the workloads' own options (read apart, by the caller); an
    /// error names its line.
    fn from_toml(text: &str) -> Result<RunConfig, toml::de::Error> {
        let mut root = toml::de::DeTable::parse(text)?;
        for key in WorkloadOptions::keys() {
            root.get_mut().remove(key.as_str());
        }
        RunConfig::deserialize(toml::de::Deserializer::from(root)).map_err(|mut e| {
            e.set_input(Some(text));
            e
        })
    }

    /// This config with the options in `given` (clap's ids, e.g.
    /// `time_limit`) taken from `flags`: how flags override a `--config`
    /// file, key by key, without a second list of the options.
    pub fn overridden_by(&self, flags: &RunConfig, given: &[&str]) -> anyhow::Result<RunConfig> {
        // JSON rather than TOML: it holds every u64 seed.
        let mut merged = serde_json::to_value(self).context("merging flags into the config")?;
        let flags = serde_json::to_value(flags).context("merging flags into the config")?;
        for id in given {
            let key = id.replace('_', "-");
            if let Some(v) = flags.get(&key) {
                merged[&key] = v.clone();
            }
        }
        let workload_options =
            WorkloadOptions::read(&merged).context("merging flags into the config")?;
        if let Some(map) = merged.as_object_mut() {
            for key in WorkloadOptions::keys() {
                map.remove(&key);
            }
        }
        let mut config: RunConfig =
            serde_json::from_value(merged).context("merging flags into the config")?;
        config.workload_options = workload_options;
        // Only a file gives hosts; no flag overrides them.
        config.hosts = self.hosts.clone();
        Ok(config)
    }

    /// The config as TOML, as written to `config.toml`.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        let text = toml::to_string_pretty(self).context("serialising the config")?;
        let Some(hosts) = &self.hosts else {
            return Ok(text);
        };
        // Edited as text, since a toml::Value holds no u64 above i64::MAX
        // and a seed may be one: the count `nodes = N` (one line, as every
        // top-level key) gives way to the [[nodes]] tables, which may
        // follow the top-level keys.
        let mut out: String = text
            .lines()
            .filter(|l| !l.starts_with("nodes = "))
            .flat_map(|l| [l, "\n"])
            .collect();
        out.push('\n');
        out.push_str(&hosts.to_toml()?);
        Ok(out)
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

    /// The workload unit this config runs.
    pub fn workload_unit(&self) -> Arc<dyn Workload> {
        workload::unit(self.workload, &self.workload_options, &self.bug)
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

    /// What the checkers may hold.
    pub fn memory_limit(&self) -> ByteSize {
        self.memory_limit.unwrap_or_else(default_memory_limit)
    }

    /// Per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        secs(self.request_timeout).max(Duration::from_millis(10))
    }

    /// Checker deadline.
    pub fn check_timeout(&self) -> Duration {
        secs(self.check_timeout)
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
        self.workload_options.validate(self.workload)?;
        if self.shards == 0 {
            bail!("shards must be at least 1");
        }
        if self.shards > 1 && self.sut != SutKind::Bundled {
            bail!("shards apply to the bundled cluster only");
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
        ] {
            if !v.is_finite() || v < 0.0 {
                bail!("{name} must be a non-negative number of seconds, got {v}");
            }
        }
        Ok(())
    }
}

/// The file as a table, without its `seed`: a `toml::Value` holds no integer
/// above `i64::MAX`, and half of the seeds a run draws are (a run's own
/// `config.toml` would not read back). [`seed_of`] reads it apart.
fn table_but_seed(text: &str) -> Result<toml::Table, toml::de::Error> {
    let mut root = toml::de::DeTable::parse(text)?;
    root.get_mut().remove("seed");
    toml::Table::deserialize(toml::de::Deserializer::from(root)).map_err(|mut e| {
        e.set_input(Some(text));
        e
    })
}

/// The file's `seed`, as a `u64` of any size.
fn seed_of(text: &str) -> Result<Option<u64>, toml::de::Error> {
    #[derive(Deserialize)]
    struct Seed {
        seed: Option<u64>,
    }
    toml::from_str::<Seed>(text).map(|s| s.seed)
}

/// `table` without the keys of the workloads' own options, which are read
/// apart.
fn without_workload_keys(mut table: toml::Table) -> toml::Table {
    for key in WorkloadOptions::keys() {
        table.remove(&key);
    }
    table
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
            nemesis: vec![FaultWord::Kind(NemesisKind::Clock), FaultWord::All],
            checker: vec![CheckerWord::All],
            ..RunConfig::default()
        };
        let back = RunConfig::from_text(&c.to_toml().unwrap(), Path::new("config.toml")).unwrap();
        assert_eq!(back, c);
    }

    /// Seeds above `i64::MAX` (half of those a run draws) read back from a
    /// run's `config.toml`, on the bundled cluster and on hosts alike.
    #[test]
    fn a_seed_above_the_largest_signed_integer_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        let seed = 16_699_820_221_667_304_320u64;
        let plain = RunConfig {
            seed: Some(seed),
            ..RunConfig::default()
        };
        std::fs::write(&p, plain.to_toml().unwrap()).unwrap();
        assert_eq!(RunConfig::from_file(&p).unwrap(), plain);
        std::fs::write(
            &p,
            format!(
                "seed = {seed}\n[[nodes]]\nname = \"n1\"\nhost = \"10.0.0.1\"\nport = 7000\n\
                 [db]\nstart = [\"run\", \"{{node}}\"]\n"
            ),
        )
        .unwrap();
        assert_eq!(RunConfig::from_file(&p).unwrap().seed, Some(seed));
    }

    #[test]
    fn a_workload_option_of_the_wrong_type_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        std::fs::write(&p, "workload = \"bank\"\naccounts = \"many\"\n").unwrap();
        let err = format!("{:#}", RunConfig::from_file(&p).unwrap_err());
        assert!(err.contains("t.toml") && err.contains("line 2"), "{err}");
        assert!(err.contains("accounts"), "{err}");
        std::fs::write(&p, "workload = \"bank\"\naccounts = 5\nbogus = 1\n").unwrap();
        let err = format!("{:#}", RunConfig::from_file(&p).unwrap_err());
        assert!(err.contains("line 3") && err.contains("bogus"), "{err}");
    }

    #[test]
    fn a_misspelt_fault_or_checker_in_a_file_names_the_line_and_the_words() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        std::fs::write(&p, "concurrency = 3\nnemesis = [\"partition\", \"kil\"]\n").unwrap();
        let err = format!("{:#}", RunConfig::from_file(&p).unwrap_err());
        assert!(err.contains("t.toml") && err.contains("line 2"), "{err}");
        assert!(
            err.contains("`kil`") && err.contains("kill, pause"),
            "{err}"
        );
        std::fs::write(&p, "checker = [\"linearisable\"]\n").unwrap();
        let err = format!("{:#}", RunConfig::from_file(&p).unwrap_err());
        assert!(
            err.contains("`linearisable`") && err.contains("linearizable,"),
            "{err}"
        );
    }

    #[test]
    fn a_config_with_nodes_on_hosts_is_ssh_and_repeats_from_its_config_toml() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        std::fs::write(
            &p,
            "time-limit = 5\nseed = 9223372036854775807\n[[nodes]]\nname = \"n1\"\nhost = \"10.0.0.1\"\nport = 7000\n\
             [db]\nstart = [\"run\", \"{node}\"]\nlogs = [\"/var/log/{node}.log\"]\n",
        )
        .unwrap();
        let c = RunConfig::from_file(&p).unwrap();
        assert_eq!(c.sut, SutKind::Ssh);
        let again = dir.path().join("config.toml");
        std::fs::write(&again, c.to_toml().unwrap()).unwrap();
        assert_eq!(RunConfig::from_file(&again).unwrap(), c);
        // Flags never drop the file's nodes.
        let merged = c
            .overridden_by(&RunConfig::default(), &["time_limit"])
            .unwrap();
        assert_eq!(merged.hosts, c.hosts);
    }

    #[test]
    fn one_file_runs_on_the_bundled_cluster_or_on_hosts_by_its_nodes_alone() {
        let dir = tempfile::tempdir().unwrap();
        let common = "workload = \"register\"\nnemesis = [\"partition\"]\n";
        let db = "[db]\nstart = [\"run\", \"{node}\"]\n";
        let bundled = dir.path().join("bundled.toml");
        std::fs::write(&bundled, format!("{common}nodes = 3\n{db}")).unwrap();
        let c = RunConfig::from_file(&bundled).unwrap();
        assert_eq!(
            (c.sut, c.nodes, c.hosts.is_none()),
            (SutKind::Bundled, 3, true)
        );
        let hosts = dir.path().join("hosts.toml");
        std::fs::write(
            &hosts,
            format!("{common}[[nodes]]\nname = \"n1\"\nhost = \"h1\"\nport = 1\n{db}"),
        )
        .unwrap();
        let c = RunConfig::from_file(&hosts).unwrap();
        assert_eq!(c.sut, SutKind::Ssh);
        assert_eq!(c.hosts.map(|h| h.nodes.len()), Some(1));
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
