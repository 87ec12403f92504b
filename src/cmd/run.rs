//! `faultline run`: start the SUT, drive a workload under faults, record and check.

use crate::exit::Exit;
use crate::run::config::{RunConfig, choices};
use crate::run::test::Test;
use clap::ArgMatches;
use clap::parser::ValueSource;
use std::path::PathBuf;

/// Run a test: start the SUT, drive a workload under faults, record and check the history.
// The arguments: a `--config` file and every option of [`RunConfig`], each
// of which overrides the same key of the file.
#[derive(clap::Args, Debug)]
#[command(after_help = after_help())]
pub struct RunArgs {
    /// TOML config file (keys as the long flags, e.g. `time-limit = 30`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The options as the flags give them (defaults where not given).
    #[command(flatten)]
    pub options: RunConfig,
}

/// Examples and exit codes, after the options in `run --help`.
fn after_help() -> String {
    format!(
        "Examples:\n  \
         faultline run                                     # 20 s on the bundled raft cluster under faults\n  \
         faultline run --bug stale-reads --seed 1          # a deliberate bug the checker must catch\n  \
         faultline run --workload bank --nemesis partition --time-limit 30\n  \
         faultline run --workload lock --nemesis clock     # skewed node clocks (bundled only; never the machine's)\n  \
         faultline run --sut http --endpoints http://10.0.0.1:8080,http://10.0.0.2:8080 --nemesis none\n  \
         faultline run --sut described --store stores/etcd.toml --nemesis none\n  \
         faultline run --config results/latest/config.toml       # repeat the last run\n  \
         faultline run --config mystore.toml     # [[nodes]] on hosts: --sut ssh (docs/ssh-nodes.md)\n\n\
         Exit codes:\n{}",
        choices::exit_codes()
    )
}

impl RunArgs {
    /// The test these flags describe: defaults, then `--config`, then the
    /// flags `matches` says were given on the command line.
    pub fn resolve(self, matches: &ArgMatches) -> anyhow::Result<Test> {
        let base = match &self.config {
            Some(path) => RunConfig::from_file(path)?,
            None => RunConfig::default(),
        };
        let given: Vec<&str> = matches
            .ids()
            .map(|id| id.as_str())
            .filter(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
            .collect();
        Test::build(base.overridden_by(&self.options, &given)?)
    }
}

/// Runs the command; `matches` are the parsed arguments of `run`.
pub fn execute(args: RunArgs, matches: &ArgMatches) -> anyhow::Result<Exit> {
    let test = args.resolve(matches)?;
    crate::run::run_tests(test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        run: RunArgs,
    }

    /// `faultline run ARGS`, resolved.
    fn resolve(args: &[&str]) -> anyhow::Result<Test> {
        let m = Cli::command()
            .try_get_matches_from(std::iter::once("run").chain(args.iter().copied()))?;
        Cli::from_arg_matches(&m)?.run.resolve(&m)
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "concurrency = 3\nkeys = 9\nseed = 5\n").unwrap();
        let c = resolve(&["--config", p.to_str().unwrap(), "--concurrency", "4"])
            .unwrap()
            .config;
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.keys, 9);
        assert_eq!(c.seed, Some(5));
    }

    /// A workload's own options are flags and keys like any other, with
    /// flags winning key by key; given to another workload, refused.
    #[test]
    fn workload_options_come_from_the_file_and_the_flags() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "workload = \"lock\"\nlock-ttl-ms = 80\nlock-pause-ms = 30\n",
        )
        .unwrap();
        let path = p.to_str().unwrap();
        let c = resolve(&["--config", path, "--lock-pause-ms", "60"])
            .unwrap()
            .config;
        assert_eq!(c.workload_options.lock.lock_ttl_ms, 80);
        assert_eq!(c.workload_options.lock.lock_pause_ms, 60);
        let written = dir.path().join("config.toml");
        std::fs::write(&written, c.to_toml().unwrap()).unwrap();
        assert_eq!(RunConfig::from_file(&written).unwrap(), c);

        let err = resolve(&["--config", path, "--workload", "bank"]).unwrap_err();
        assert!(
            format!("{err:#}").contains("--lock-pause-ms does nothing"),
            "{err:#}"
        );
        let err = resolve(&["--workload", "bank", "--accounts", "1"]).unwrap_err();
        assert!(
            format!("{err:#}").contains("at least 2 accounts"),
            "{err:#}"
        );
        let err = resolve(&["--workload", "lock", "--lock-pause-probability", "1.5"]).unwrap_err();
        assert!(format!("{err:#}").contains("between 0 and 1"), "{err:#}");
    }

    #[test]
    fn the_read_cache_is_for_the_bundled_cluster_and_its_bug_needs_it() {
        let c = resolve(&["--cache", "--cache-ttl-ms", "300", "--bug", "cache-stale"])
            .unwrap()
            .config;
        assert!(c.cache);
        assert_eq!(c.cache_ttl_ms, 300);
        let err = resolve(&["--bug", "cache-stale"]).unwrap_err();
        assert!(format!("{err:#}").contains("--cache"), "{err:#}");
        let err = resolve(&[
            "--cache",
            "--sut",
            "http",
            "--endpoints",
            "http://127.0.0.1:1",
        ])
        .unwrap_err();
        assert!(format!("{err:#}").contains("bundled"), "{err:#}");
    }
}
