//! `faultline report DIR`: regenerates a run's plots, report.html and
//! junit.xml, or prints the run as Markdown for a CI job's summary.

use crate::exit::Exit;
use crate::report::run_data::LoadOptions;
use std::path::PathBuf;
use std::time::Duration;

/// Regenerate plots and report.html of a results directory.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The run's results directory (the one holding history.jsonl), or `results/latest`.
    pub dir: PathBuf,
    /// Check the history again instead of using the verdicts in results.json.
    #[arg(long)]
    pub recheck: bool,
    /// Deadline of a re-check, in seconds (undecided keys become unknown).
    #[arg(long, default_value_t = 60.0)]
    pub check_timeout: f64,
    /// Print the run as Markdown on stdout (for `$GITHUB_STEP_SUMMARY`)
    /// instead of writing files; exits with the run's own exit code.
    #[arg(long)]
    pub markdown: bool,
}

/// Runs the command; exits with the run's verdict (0 valid, 1 invalid, 2
/// unknown; with `--markdown`, 3 for a run whose fault failed mid-run, as
/// `faultline run` exited).
pub fn execute(args: ReportArgs) -> anyhow::Result<Exit> {
    if !(args.check_timeout.is_finite() && args.check_timeout > 0.0) {
        anyhow::bail!("--check-timeout must be a positive number of seconds");
    }
    let opts = LoadOptions {
        recheck: args.recheck,
        check_timeout: Duration::from_secs_f64(args.check_timeout),
    };
    if args.markdown {
        // Reads only: a downloaded artifact or a read-only checkout works.
        let run = crate::report::run_data::load(&args.dir, &opts)?;
        print!("{}", crate::report::markdown::render(&run));
        return Ok(Exit::of_run(run.validity(), run.harness_error()));
    }
    let written = crate::report::write_with(&args.dir, &opts)?;
    for f in &written.files {
        println!("wrote {}", f.display());
    }
    println!(
        "verdict: {}",
        crate::report::html::verdict_word(written.valid).to_lowercase()
    );
    Ok(Exit::from(written.valid))
}
