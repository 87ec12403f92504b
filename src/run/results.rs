//! The results directory of one run: `RESULTS_DIR/NAME/YYYYMMDDTHHMMSSZ/`
//! with `config.toml`, `history.jsonl`, `results.json`, `summary.txt`,
//! `nodes/<id>/log`, and the `RESULTS_DIR/latest` link.

use super::config::RunConfig;
use super::stats::RunStats;
use super::timeline::PhaseSpan;
use anyhow::Context;
use faultline_checkers::{Validity, Verdict};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A created results directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
    dir: PathBuf,
    /// When the run started (UTC), as in the directory name.
    pub started: chrono::DateTime<chrono::Utc>,
}

impl RunDir {
    /// Creates a fresh directory for test `name` under `root`.
    pub fn create(root: &Path, name: &str) -> anyhow::Result<RunDir> {
        let started = chrono::Utc::now();
        let stamp = started.format("%Y%m%dT%H%M%SZ").to_string();
        let parent = root.join(name);
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating results directory {}", parent.display()))?;
        // Runs started within the same second (--test-count) get a suffix.
        for n in 0..1000 {
            let dir = if n == 0 {
                parent.join(&stamp)
            } else {
                parent.join(format!("{stamp}-{n}"))
            };
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(RunDir {
                        root: root.to_path_buf(),
                        dir,
                        started,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", dir.display()));
                }
            }
        }
        anyhow::bail!("too many runs of `{name}` within one second")
    }

    /// Removes the run's directory (and `RESULTS_DIR/<name>/` if that leaves
    /// it empty): for a run refused before anything ran, which should leave
    /// nothing behind but its error.
    pub fn discard(self) -> anyhow::Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("removing {}", self.dir.display()))?;
        if let Some(parent) = self.dir.parent() {
            // Fails, as it should, when other runs of the test are there.
            let _ = std::fs::remove_dir(parent);
        }
        Ok(())
    }

    /// The run's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A file inside the run's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a file into the run's directory.
    pub fn write(&self, name: &str, contents: &str) -> anyhow::Result<PathBuf> {
        let p = self.file(name);
        std::fs::write(&p, contents).with_context(|| format!("writing {}", p.display()))?;
        Ok(p)
    }

    /// Points `RESULTS_DIR/latest` at this run (relative, so the tree can move).
    pub fn link_latest(&self) -> anyhow::Result<()> {
        let link = self.root.join("latest");
        let target = self.dir.strip_prefix(&self.root).unwrap_or(&self.dir);
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link).with_context(|| format!("replacing {}", link.display()))?;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, &link)
            .with_context(|| format!("linking {}", link.display()))?;
        Ok(())
    }
}

/// Contents of `results.json`.
#[derive(Debug, Serialize)]
pub struct ResultsFile<'a> {
    /// Test name.
    pub name: String,
    /// Start time, RFC 3339.
    pub started: String,
    /// Seconds the whole run took (setup to report).
    pub elapsed_s: f64,
    /// Combined verdict of all checkers.
    pub valid: Validity,
    /// True when Ctrl-C cut the run short.
    pub interrupted: bool,
    /// Seed of the operation schedule.
    pub seed: u64,
    /// Prefix of every key name in this run.
    pub key_prefix: String,
    /// Endpoints the clients used: (node, URL).
    pub nodes: Vec<(String, String)>,
    /// Counts and latencies.
    pub stats: &'a RunStats,
    /// When each phase began and ended, on the history's clock.
    pub phases: &'a [PhaseSpan],
    /// The faults requested, how many of each were injected, and a mid-run failure.
    pub faults: &'a super::fault_coverage::FaultCoverage,
    /// One verdict per checker.
    pub verdicts: &'a [Verdict],
    /// Files of the run, relative to its directory.
    pub files: Files,
    /// What ran.
    pub config: &'a RunConfig,
}

/// File names inside a run directory.
#[derive(Debug, Serialize)]
pub struct Files {
    /// The recorded history.
    pub history: String,
    /// The config that ran.
    pub config: String,
    /// The terminal summary.
    pub summary: String,
    /// Node logs of the bundled cluster, if any.
    pub nodes: Option<String>,
}
