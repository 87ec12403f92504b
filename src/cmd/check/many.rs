//! `faultline check A B DIR...`: several histories in one process, for CI
//! scripts that would otherwise start one process per file. Each file is
//! checked on its own, its report printed as it finishes, then one line per
//! file that did not pass and the counts.

use crate::exit::Exit;
use anyhow::Context;
use faultline_checkers::natural_cmp;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The history a run's results directory holds.
const RUN_HISTORY: &str = "history.jsonl";
/// How deep below a given directory runs are looked for
/// (`results/<test>/<timestamp>/history.jsonl` is two levels down).
const MAX_DEPTH: usize = 4;
/// Directory entries looked at in all, so that a mistaken `/` ends quickly.
const MAX_ENTRIES: usize = 200_000;

/// The files to check: files as given; a directory holding `history.jsonl`
/// is that run; any other directory stands for every run below it.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let own = path.join(RUN_HISTORY);
        if own.is_file() {
            files.push(own);
            continue;
        }
        let mut found = Vec::new();
        let mut seen = 0usize;
        walk(path, 0, &mut found, &mut seen)?;
        if found.is_empty() {
            anyhow::bail!(
                "{} holds no {RUN_HISTORY} (looked {MAX_DEPTH} levels down): give history files or results directories",
                path.display()
            );
        }
        found.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
        files.extend(found);
    }
    Ok(files)
}

/// Collects `history.jsonl` files below `dir`, not following links (the
/// `latest` link of a results directory would list a run twice).
fn walk(
    dir: &Path,
    depth: usize,
    found: &mut Vec<PathBuf>,
    seen: &mut usize,
) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        *seen += 1;
        if *seen > MAX_ENTRIES {
            anyhow::bail!(
                "more than {MAX_ENTRIES} entries below the directories given: name the runs to check"
            );
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        if kind.is_symlink() {
            continue;
        }
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, depth + 1, found, seen)?;
        } else if kind.is_file() && entry.file_name() == RUN_HISTORY {
            found.push(path);
        }
    }
    Ok(())
}

/// How one file ended.
enum Ended {
    Checked(Exit),
    Failed(String),
    NotChecked,
}

/// Checks every file with `check`, which writes the file's report to the
/// string it is given. Text: each report under a `== FILE` line, then the
/// files that did not pass and the counts. JSON: one object per line,
/// `{"file", "exit", "report"}` (or `"error"`).
///
/// The exit code: 1 if any file is invalid, else 3 if any could not be
/// checked, else 2 if any is unknown (or Ctrl-C stopped the list), else 0.
pub fn check_all(
    files: &[PathBuf],
    json: bool,
    cancel: &Arc<AtomicBool>,
    mut check: impl FnMut(&mut String, &Path) -> anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    let start = Instant::now();
    let mut ended: Vec<Ended> = Vec::with_capacity(files.len());
    for file in files {
        if cancel.load(Ordering::Relaxed) {
            ended.push(Ended::NotChecked);
            continue;
        }
        let mut out = String::new();
        let result = check(&mut out, file);
        let name = file.display().to_string();
        if json {
            let line = match &result {
                Ok(exit) => serde_json::json!({
                    "file": name,
                    "exit": exit.code(),
                    "report": serde_json::from_str::<serde_json::Value>(&out)
                        .unwrap_or(serde_json::Value::String(out.clone())),
                }),
                Err(e) => serde_json::json!({ "file": name, "exit": 3, "error": format!("{e:#}") }),
            };
            println!("{line}");
        } else {
            println!("== {name}");
            print!("{out}");
            if let Err(e) = &result {
                println!("error: {e:#}");
            }
            println!();
        }
        ended.push(match result {
            Ok(exit) => Ended::Checked(exit),
            Err(e) => Ended::Failed(format!("{e:#}")),
        });
    }
    let exit = combined(&ended);
    if !json {
        print!("{}", summary(files, &ended, start.elapsed().as_secs_f64()));
    }
    Ok(exit)
}

fn combined(ended: &[Ended]) -> Exit {
    let any = |want: fn(&Ended) -> bool| ended.iter().any(want);
    if any(|e| matches!(e, Ended::Checked(Exit::Invalid))) {
        Exit::Invalid
    } else if any(|e| matches!(e, Ended::Failed(_) | Ended::Checked(Exit::Error))) {
        Exit::Error
    } else if any(|e| matches!(e, Ended::Checked(Exit::Unknown) | Ended::NotChecked)) {
        Exit::Unknown
    } else {
        Exit::Valid
    }
}

/// The closing lines: every file that did not pass, then the counts.
fn summary(files: &[PathBuf], ended: &[Ended], secs: f64) -> String {
    let mut out = String::new();
    let mut counts = [0usize; 5];
    for (file, e) in files.iter().zip(ended) {
        let (slot, word) = match e {
            Ended::Checked(Exit::Valid) => (0, None),
            Ended::Checked(Exit::Invalid) => (1, Some("INVALID".to_string())),
            Ended::Checked(Exit::Unknown) => (2, Some("UNKNOWN".to_string())),
            Ended::Checked(Exit::Error) => (3, Some("ERROR".to_string())),
            Ended::Failed(why) => (3, Some(format!("ERROR ({why})"))),
            Ended::NotChecked => (4, Some("NOT CHECKED (interrupted)".to_string())),
        };
        counts[slot] += 1;
        if let Some(w) = word {
            let _ = writeln!(out, "  {w:<9} {}", file.display());
        }
    }
    let [valid, invalid, unknown, errors, skipped] = counts;
    let mut line = format!(
        "checked {} files in {secs:.2} s: {valid} valid, {invalid} invalid, {unknown} unknown, {errors} could not be checked",
        files.len()
    );
    if skipped > 0 {
        let _ = write!(line, ", {skipped} not checked");
    }
    format!("{line}\n{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_wins_then_errors_then_unknown() {
        use Ended::*;
        assert_eq!(combined(&[Checked(Exit::Valid)]), Exit::Valid);
        assert_eq!(
            combined(&[Checked(Exit::Unknown), Failed("x".into())]),
            Exit::Error
        );
        assert_eq!(
            combined(&[Failed("x".into()), Checked(Exit::Invalid)]),
            Exit::Invalid
        );
        assert_eq!(combined(&[Checked(Exit::Valid), NotChecked]), Exit::Unknown);
    }
}
