//! When a caught run's anomaly first became visible: the shortest prefix
//! of its history (cut after some event) that the checker which fired
//! already calls invalid, found by bisection with `faultline check`.
//!
//! A run's verdict arrives only after its whole schedule, recovery and
//! final reads; what a user tuning `--time-limit` needs is how far into a
//! run the bug is already on record. Cutting a history keeps it a history
//! (an operation still open at the cut counts as indeterminate), and for
//! the checkers here a prefix that is invalid stays invalid as events are
//! added (later events only constrain more), so bisection finds the first
//! cut. Anomalies only final reads can show (a lost element, say) are
//! found at the final reads, which is the honest answer for them.

use anyhow::Context;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// At most this many `faultline check` runs per history: 2^24 events is
/// far beyond any default run.
const MAX_CHECKS: usize = 24;
/// At most this long bisecting one history; past it the time is reported
/// as not measured rather than as a bound.
const BUDGET: Duration = Duration::from_secs(120);
/// One check's `--timeout`; undecided counts as not (yet) invalid.
const CHECK_TIMEOUT_S: u64 = 20;
/// How long one check process may take in all before it is killed.
const CHECK_DEADLINE: Duration = Duration::from_secs(40);

/// Seconds from the test's start to the event that completed the first
/// anomaly `checker` finds in `dir`'s history; `None` when it could not be
/// measured (the whole history is not invalid by itself, or the budget ran out).
pub fn seconds(exe: &Path, dir: &Path, checker: &str) -> anyhow::Result<Option<f64>> {
    let history = dir.join("history.jsonl");
    let text = std::fs::read_to_string(&history)
        .with_context(|| format!("reading {}", history.display()))?;
    let events = Events::index(&text);
    if events.is_empty() {
        return Ok(None);
    }
    let scratch = dir.join("first-anomaly");
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    // `check` takes the run's model from a config.toml beside the history.
    if let Err(e) = std::fs::copy(dir.join("config.toml"), scratch.join("config.toml")) {
        anyhow::bail!("copying {}/config.toml: {e}", dir.display());
    }
    let prefix = scratch.join("history.jsonl");
    let invalid = |lines: usize| -> anyhow::Result<bool> {
        std::fs::write(&prefix, &text[..events.end(lines)])
            .with_context(|| format!("writing {}", prefix.display()))?;
        check_invalid(exe, &prefix, checker)
    };
    let started = Instant::now();
    let found = bisect(events.len(), MAX_CHECKS, &mut |n| {
        if started.elapsed() > BUDGET {
            anyhow::bail!("out of time");
        }
        invalid(n)
    });
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(match found {
        Ok(Some(lines)) => events.seconds(lines - 1),
        Ok(None) | Err(_) => None,
    })
}

/// The smallest `n` in `1..=len` with `invalid(n)`, given that `invalid`
/// is monotone and `invalid(0)` is false; `None` when `invalid(len)` is
/// false or `max_checks` calls did not narrow it down to one.
fn bisect(
    len: usize,
    max_checks: usize,
    invalid: &mut dyn FnMut(usize) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<usize>> {
    if len == 0 || max_checks == 0 || !invalid(len)? {
        return Ok(None);
    }
    let (mut valid, mut bad) = (0, len);
    let mut checks = 1;
    while bad - valid > 1 {
        if checks == max_checks {
            return Ok(None);
        }
        let mid = valid + (bad - valid) / 2;
        checks += 1;
        if invalid(mid)? {
            bad = mid;
        } else {
            valid = mid;
        }
    }
    Ok(Some(bad))
}

/// Whether `faultline check --checker CHECKER FILE` calls it invalid (exit 1).
fn check_invalid(exe: &Path, file: &Path, checker: &str) -> anyhow::Result<bool> {
    let mut child = Command::new(exe)
        .args(["check", "--checker", checker])
        .args(["--timeout", &CHECK_TIMEOUT_S.to_string()])
        .args(["--shrink-timeout", "0"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} check", exe.display()))?;
    let (status, timed_out) = crate::bench::wait_bounded(
        &mut child,
        CHECK_DEADLINE,
        Duration::from_secs(5),
        Duration::from_millis(20),
        |_| {},
    )?;
    Ok(!timed_out && status.and_then(|s| s.code()) == Some(1))
}

/// Where each line of a history ends and when its event happened.
struct Events {
    /// Byte offset just past each line's newline.
    ends: Vec<usize>,
    /// The event's `time` (ns since the test started), if it has one.
    times: Vec<Option<u64>>,
}

impl Events {
    fn index(text: &str) -> Events {
        let mut ends = Vec::new();
        let mut times = Vec::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            at += line.len();
            if line.trim().is_empty() {
                continue;
            }
            ends.push(at);
            times.push(
                serde_json::from_str::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| v["time"].as_u64()),
            );
        }
        Events { ends, times }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The byte length of the first `lines` lines.
    fn end(&self, lines: usize) -> usize {
        lines.checked_sub(1).map_or(0, |i| self.ends[i])
    }

    /// Event `i`'s time in seconds, or the nearest earlier timed one's.
    fn seconds(&self, i: usize) -> Option<f64> {
        self.times[..=i]
            .iter()
            .rev()
            .find_map(|t| *t)
            .map(|ns| ns as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(len: usize, from: usize, max: usize) -> (Option<usize>, usize) {
        let mut calls = 0;
        let found = bisect(len, max, &mut |n| {
            calls += 1;
            Ok(n >= from)
        })
        .unwrap();
        (found, calls)
    }

    #[test]
    fn bisection_finds_the_first_invalid_prefix() {
        for len in 1..200 {
            for from in 1..=len {
                let (found, calls) = first(len, from, MAX_CHECKS);
                assert_eq!(found, Some(from), "len {len} from {from}");
                assert!(calls <= 1 + (len as f64).log2().ceil() as usize + 1);
            }
        }
    }

    #[test]
    fn a_history_valid_as_a_whole_has_no_first_anomaly() {
        assert_eq!(first(50, 51, MAX_CHECKS), (None, 1));
        assert_eq!(first(0, 1, MAX_CHECKS).0, None);
    }

    #[test]
    fn too_few_checks_measure_nothing() {
        assert_eq!(first(1000, 500, 3).0, None);
    }

    #[test]
    fn times_come_from_the_events() {
        let text = "{\"time\":1000000000}\n\n{\"x\":1}\n{\"time\":2500000000}\n";
        let e = Events::index(text);
        assert_eq!(e.len(), 3);
        assert_eq!(e.seconds(0), Some(1.0));
        assert_eq!(e.seconds(1), Some(1.0));
        assert_eq!(e.seconds(2), Some(2.5));
        assert_eq!(&text[..e.end(2)], "{\"time\":1000000000}\n\n{\"x\":1}\n");
        assert_eq!(e.end(0), 0);
    }
}
