//! The nemesis kinds named on the command line (`--nemesis kill,partition`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::error::NemesisError;

/// One family of faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NemesisKind {
    /// Kill -9 and restart.
    Kill,
    /// SIGSTOP and SIGCONT.
    Pause,
    /// Network partitions.
    Partition,
    /// Slow links.
    Latency,
    /// Lossy links: a share of the packets (or, through the proxy mesh,
    /// of the connections) between nodes dropped. Opt-in: not in `all`.
    Loss,
    /// Skewed wall clocks (bump, strobe; reset on heal). Opt-in: not in
    /// `all`, since it needs nodes that let the harness set their clocks.
    Clock,
}

impl NemesisKind {
    /// Every kind.
    pub const ALL: [NemesisKind; 6] = [
        NemesisKind::Kill,
        NemesisKind::Pause,
        NemesisKind::Partition,
        NemesisKind::Latency,
        NemesisKind::Loss,
        NemesisKind::Clock,
    ];

    /// What `all` means: every kind but the opt-in clock and loss, which
    /// fewer SUTs can take (a nightly `--nemesis all` against a described
    /// store must keep meaning what it meant).
    pub const IN_ALL: [NemesisKind; 4] = [
        NemesisKind::Kill,
        NemesisKind::Pause,
        NemesisKind::Partition,
        NemesisKind::Latency,
    ];

    /// The command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            NemesisKind::Kill => "kill",
            NemesisKind::Pause => "pause",
            NemesisKind::Partition => "partition",
            NemesisKind::Latency => "latency",
            NemesisKind::Loss => "loss",
            NemesisKind::Clock => "clock",
        }
    }
}

impl NemesisKind {
    /// The `f` of the history event recording that a fault of this kind began.
    pub fn start_event(self) -> &'static str {
        match self {
            NemesisKind::Kill => "kill",
            NemesisKind::Pause => "pause",
            NemesisKind::Partition => "start-partition",
            NemesisKind::Latency => "start-latency",
            NemesisKind::Loss => "start-loss",
            NemesisKind::Clock => "start-clock",
        }
    }

    /// The `f` of the history event recording that it was healed.
    pub fn stop_event(self) -> &'static str {
        match self {
            NemesisKind::Kill => "start",
            NemesisKind::Pause => "resume",
            NemesisKind::Partition => "stop-partition",
            NemesisKind::Latency => "stop-latency",
            NemesisKind::Loss => "stop-loss",
            NemesisKind::Clock => "stop-clock",
        }
    }

    /// Whether the fault acts on node processes (kill, pause) rather than
    /// on the network between them.
    pub fn is_process(self) -> bool {
        matches!(self, NemesisKind::Kill | NemesisKind::Pause)
    }

    /// Whether a fault of `second` may start while one of `self` is in
    /// effect (a combination window). Two process faults never overlap: a
    /// node would be killed while paused, or paused while down, and the
    /// heal of one would act on what the other left. Nor do clock and
    /// process faults: a node's offset lives in its process (a restart
    /// loses it), and a down or frozen node cannot take a reset.
    pub fn pairs_with(self, second: NemesisKind) -> bool {
        let both_process = self.is_process() && second.is_process();
        let clock_and_process =
            |a: NemesisKind, b: NemesisKind| a == NemesisKind::Clock && b.is_process();
        // Latency and loss shape the same links: through the proxy mesh the
        // heal of one would undo the other while it still counted as on.
        let both_shaping =
            |a: NemesisKind, b: NemesisKind| a == NemesisKind::Latency && b == NemesisKind::Loss;
        let apart = both_process
            || clock_and_process(self, second)
            || clock_and_process(second, self)
            || both_shaping(self, second)
            || both_shaping(second, self);
        self != second && !apart
    }

    /// The kind whose fault the event `f` began, if it began one.
    pub fn started_by(f: &str) -> Option<NemesisKind> {
        NemesisKind::ALL.into_iter().find(|k| k.start_event() == f)
    }

    /// The kind whose fault the event `f` healed, if it healed one.
    pub fn stopped_by(f: &str) -> Option<NemesisKind> {
        NemesisKind::ALL.into_iter().find(|k| k.stop_event() == f)
    }
}

impl fmt::Display for NemesisKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of kinds parsed from a comma list; `all` = every kind but
/// `clock` ([`NemesisKind::IN_ALL`]), `none` = empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NemesisKinds(pub BTreeSet<NemesisKind>);

impl NemesisKinds {
    /// Whether no faults are wanted.
    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `kind` is included.
    pub fn contains(&self, kind: NemesisKind) -> bool {
        self.0.contains(&kind)
    }

    /// The kinds in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = NemesisKind> + '_ {
        self.0.iter().copied()
    }

    /// Whether two of the kinds pair ([`NemesisKind::pairs_with`]), so a
    /// schedule of them has combination windows.
    pub fn can_combine(&self) -> bool {
        self.iter().any(|a| self.iter().any(|b| a.pairs_with(b)))
    }
}

impl FromStr for NemesisKinds {
    type Err = NemesisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut kinds = BTreeSet::new();
        let parts: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err(NemesisError::Parse {
                input: s.to_string(),
                reason: "empty list; use none for no faults".into(),
            });
        }
        for part in &parts {
            match *part {
                "all" => kinds.extend(NemesisKind::IN_ALL),
                "none" => {
                    if parts.len() > 1 {
                        return Err(NemesisError::Parse {
                            input: s.to_string(),
                            reason: "none cannot be combined with other kinds".into(),
                        });
                    }
                }
                other => {
                    let kind = NemesisKind::ALL
                        .into_iter()
                        .find(|k| k.as_str() == other)
                        .ok_or_else(|| NemesisError::Parse {
                            input: s.to_string(),
                            reason: format!(
                                "unknown nemesis {other:?}; expected kill, pause, partition, latency, loss, clock, all or none"
                            ),
                        })?;
                    kinds.insert(kind);
                }
            }
        }
        Ok(NemesisKinds(kinds))
    }
}

impl fmt::Display for NemesisKinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.0.iter().map(|k| k.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        let k: NemesisKinds = "kill, partition".parse().unwrap();
        assert_eq!(
            k.iter().collect::<Vec<_>>(),
            vec![NemesisKind::Kill, NemesisKind::Partition]
        );
        assert_eq!("all".parse::<NemesisKinds>().unwrap().0.len(), 4);
        assert!("none".parse::<NemesisKinds>().unwrap().is_none());
        assert_eq!(
            "all".parse::<NemesisKinds>().unwrap().to_string(),
            "kill,pause,partition,latency"
        );
    }

    #[test]
    fn process_faults_pair_only_with_network_faults() {
        use NemesisKind::*;
        assert!(Partition.pairs_with(Kill) && Kill.pairs_with(Partition));
        assert!(Partition.pairs_with(Pause) && Latency.pairs_with(Partition));
        assert!(!Kill.pairs_with(Pause) && !Pause.pairs_with(Kill));
        assert!(!Partition.pairs_with(Partition));
        assert!(Clock.pairs_with(Partition) && Latency.pairs_with(Clock));
        assert!(Loss.pairs_with(Partition) && Loss.pairs_with(Kill));
        assert!(!Loss.pairs_with(Latency) && !Latency.pairs_with(Loss));
        assert!(!Clock.pairs_with(Kill) && !Pause.pairs_with(Clock));
    }

    use NemesisKind::Clock;

    #[test]
    fn clock_is_opt_in() {
        assert!(!"all".parse::<NemesisKinds>().unwrap().contains(Clock));
        let k: NemesisKinds = "partition,kill,pause,clock".parse().unwrap();
        assert!(k.contains(Clock));
        assert_eq!(k.to_string(), "kill,pause,partition,clock");
        assert_eq!(NemesisKind::started_by("start-clock"), Some(Clock));
        assert_eq!(NemesisKind::stopped_by("stop-clock"), Some(Clock));
    }

    #[test]
    fn rejects_bad_lists() {
        assert!("kill,explode".parse::<NemesisKinds>().is_err());
        assert!("none,kill".parse::<NemesisKinds>().is_err());
        assert!("".parse::<NemesisKinds>().is_err());
    }
}
