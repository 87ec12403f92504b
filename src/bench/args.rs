//! The arguments of `faultline bench`: which benchmark, and the options
//! each target reads.

/// What to benchmark.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchTarget {
    /// The linearizability checker on the corpus and on synthetic histories.
    Checker,
    /// The bundled cluster's throughput and latency (and etcd's, where installed).
    Cluster,
    /// Operations per second the controller sustains against a trivial HTTP server.
    Harness,
    /// How often default-length runs catch each switchable bug of the
    /// bundled cluster, and false alarms on the correct cluster.
    Bugs,
    /// The harness's memory over a long unthrottled run against a trivial
    /// HTTP store, sampled every second, through its check and report.
    Soak,
}

/// Benchmarks that print numbers: checker, cluster, harness, bugs, soak.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Which benchmark to run.
    #[arg(value_enum)]
    pub target: BenchTarget,
    /// Smaller sizes, for a quick look.
    #[arg(long)]
    pub quick: bool,
    /// checker: the corpus folder with manifest.tsv and porcupine-timings.tsv
    /// [default: ./corpus, else the corpus of the checkout faultline was built from].
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<std::path::PathBuf>,
    /// checker: measure one case (JSON) in this process and print the result; used
    /// by the benchmark itself so that each case's peak memory is its own.
    #[arg(long, value_name = "CASE", hide = true)]
    pub one: Option<String>,
    /// checker: the check deadline (seconds) of the case given with --one.
    #[arg(long, value_name = "SECS", hide = true, default_value_t = 60.0)]
    pub one_timeout: f64,
    /// soak: seconds of load [default: 600; with --quick, 30]. A nightly
    /// hour is `--time-limit 3600`.
    #[arg(long, value_name = "SECS")]
    pub time_limit: Option<f64>,
    /// bugs: runs (seeds) per bug and per correct setup.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub seeds: usize,
    /// bugs: the first seed; runs use SEED, SEED+1, ...
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    pub first_seed: u64,
    /// bugs: only these bugs (and the correct setups they use): NAME,...
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub bug: Vec<String>,
    /// bugs: skip the correct-cluster runs.
    #[arg(long)]
    pub skip_correct: bool,
    /// bugs, soak: keep every run's results here [default: a temporary directory, removed].
    #[arg(long, value_name = "DIR")]
    pub results_dir: Option<std::path::PathBuf>,
    /// bugs: print every run as JSON instead of the tables.
    #[arg(long)]
    pub json: bool,
    /// bugs, soak: more `faultline run` flags for every run, after `--`
    /// (e.g. `-- --nemesis-interval 2` to compare schedules, or
    /// `-- --workload register --checker all` to soak every checker).
    #[arg(last = true, value_name = "RUN FLAGS")]
    pub run_args: Vec<String>,
}

impl BenchArgs {
    /// The corpus folder: the one given, `./corpus` when run inside a
    /// checkout, else the checkout this binary was built from.
    pub fn corpus_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.corpus {
            return dir.clone();
        }
        let here = std::path::PathBuf::from("corpus");
        if here.join("manifest.tsv").is_file() {
            here
        } else {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"))
        }
    }
}
