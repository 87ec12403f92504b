//! The one table of what each switchable bug needs besides `--bug`: the
//! workload that can show its anomaly, `--shards 2` or `--cache` where
//! the buggy code lives behind them, and an opt-in fault kind (`--nemesis
//! clock`) where only that fault shows it; and which faults are known to expose
//! it (docs/cluster.md, "Switchable bugs"). A new bug does not compile
//! until it has a row here.

use faultline_cluster::Bug;
use faultline_workloads::workload::WorkloadKind;

/// What a run needs besides `--bug`, and what a correct-cluster run of the
/// same setup uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// `--workload`.
    pub workload: WorkloadKind,
    /// `--shards` (1: none).
    pub shards: usize,
    /// `--cache`.
    pub cache: bool,
    /// `--nemesis`, where the default list cannot expose the bug (clock
    /// faults are opt-in); `None`: the default.
    pub nemesis: Option<&'static str>,
}

impl Setup {
    const fn of(workload: WorkloadKind) -> Setup {
        Setup {
            workload,
            shards: 1,
            cache: false,
            nemesis: None,
        }
    }

    const fn faults(self, nemesis: &'static str) -> Setup {
        Setup {
            nemesis: Some(nemesis),
            ..self
        }
    }

    const fn sharded(self) -> Setup {
        Setup { shards: 2, ..self }
    }

    const fn cached(self) -> Setup {
        Setup {
            cache: true,
            ..self
        }
    }

    /// The `faultline run` flags of the setup (defaults left out).
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["--workload".to_string(), self.workload.as_str().to_string()];
        if self.shards > 1 {
            args.extend(["--shards".to_string(), self.shards.to_string()]);
        }
        if self.cache {
            args.push("--cache".to_string());
        }
        if let Some(nemesis) = self.nemesis {
            args.extend(["--nemesis".to_string(), nemesis.to_string()]);
        }
        args
    }

    /// `append`, `bank --shards 2`, `cas-register --cache`, `lock --nemesis clock`.
    pub fn label(&self) -> String {
        let mut label = self.workload.as_str().to_string();
        if self.shards > 1 {
            label.push_str(&format!(" --shards {}", self.shards));
        }
        if self.cache {
            label.push_str(" --cache");
        }
        if let Some(nemesis) = self.nemesis {
            label.push_str(&format!(" --nemesis {nemesis}"));
        }
        label
    }
}

/// The faults known to expose a bug, as `results.json` names targets:
/// `kill all`, or a bare kind (`partition`) for any of its targets.
/// Empty: the workload's own concurrency (or its client pauses) is enough.
#[derive(Debug, Clone, Copy)]
pub struct Exposure(pub &'static [&'static str]);

impl Exposure {
    /// Whether a fault labelled `target` (e.g. `partition isolate-one`) is
    /// one of them. A leader fault that fell back to a random node is not
    /// a leader fault.
    pub fn matches(&self, target: &str) -> bool {
        !target.contains("(fell back")
            && self
                .0
                .iter()
                .any(|need| target == *need || target.starts_with(&format!("{need} ")))
    }

    /// `kill all or pause leader`, or `none needed`.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            "none needed".to_string()
        } else {
            self.0.join(" or ")
        }
    }
}

/// How `bug` is run, and which faults expose it.
pub fn plan(bug: Bug) -> (Setup, Exposure) {
    use WorkloadKind::*;
    match bug {
        // A cut-off node keeps answering reads from its frozen state.
        Bug::StaleReads => (Setup::of(CasRegister), Exposure(&["partition"])),
        // A leader cut off, crashed or stalled before it replicates loses
        // the writes it acknowledged: the new leader never sees them.
        Bug::EarlyAck => (
            Setup::of(Register),
            Exposure(&["partition isolate-leader", "kill leader", "pause leader"]),
        ),
        // Only a crash of every node loses what each held unwritten.
        Bug::NoFsync => (Setup::of(Append), Exposure(&["kill all"])),
        // A deposed leader (paused, or cut off and healed) keeps leading.
        Bug::NoTermCheck => (
            Setup::of(Append),
            Exposure(&["pause leader", "partition isolate-leader"]),
        ),
        // The lock workload's own client pauses outlive leases.
        Bug::LockNoFencing | Bug::LeaseIgnoresPause => (Setup::of(Lock), Exposure(&[])),
        // Only a leader whose wall clock jumps ahead expires leases early;
        // the clocks of one machine agree unless a clock fault skews them.
        Bug::LeaseWallClock => (Setup::of(Lock).faults("clock"), Exposure(&["clock"])),
        // A partitioned node misses an invalidation; unique values, so a
        // stale read cannot pass for a later write of the same value.
        Bug::CacheStale => (Setup::of(Register).cached(), Exposure(&["partition"])),
        // Concurrent transfers see each other half applied.
        Bug::TwoPcNoPrepare => (Setup::of(Bank).sharded(), Exposure(&[])),
        // A lagging or cut-off node answers cas from its own copy.
        Bug::CasLocalCheck => (Setup::of(CasRegister), Exposure(&["partition"])),
        // Transactions commit between another's reads and writes.
        Bug::SplitTxn => (Setup::of(ListAppend), Exposure(&[])),
        // Read-only transactions see prepared writes.
        Bug::DirtyReads => (Setup::of(ListAppend).sharded(), Exposure(&[])),
    }
}

/// The distinct setups of `bugs`, in the order the bugs first use them,
/// each run without a bug for false alarms.
pub fn correct_setups(bugs: &[Bug]) -> Vec<Setup> {
    let mut setups: Vec<Setup> = Vec::new();
    for bug in bugs {
        let (setup, _) = plan(*bug);
        if !setups.contains(&setup) {
            setups.push(setup);
        }
    }
    setups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bug_has_a_setup_and_setups_are_shared() {
        let setups = correct_setups(&Bug::ALL);
        assert_eq!(setups.len(), 9, "{setups:?}");
        assert_eq!(
            plan(Bug::LeaseWallClock).0.args(),
            ["--workload", "lock", "--nemesis", "clock"]
        );
        assert_eq!(
            plan(Bug::DirtyReads).0.args(),
            ["--workload", "list-append", "--shards", "2"]
        );
        assert_eq!(plan(Bug::CacheStale).0.label(), "register --cache");
    }

    #[test]
    fn exposures_match_targets_and_kinds_but_not_fallbacks() {
        let (_, e) = plan(Bug::NoTermCheck);
        assert!(e.matches("pause leader"));
        assert!(!e.matches("pause leader (fell back to random)"));
        assert!(!e.matches("pause one"));
        let (_, e) = plan(Bug::StaleReads);
        assert!(e.matches("partition bridge"));
        assert!(!e.matches("kill all"));
        assert_eq!(plan(Bug::SplitTxn).1.describe(), "none needed");
    }
}
