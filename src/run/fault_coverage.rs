//! Whether the faults a run asked for happened. A run that was meant to test
//! a store under partitions and kills, but injected neither, has not tested
//! what its title says; a CI gate must not read it as a pass.

use faultline_checkers::{Event, ProcessId, Validity, Verdict};
use faultline_nemeses::{NemesisKind, NemesisKinds, planned_targets};
use serde::Serialize;
use std::collections::BTreeMap;

/// Requested fault kinds, how often each was injected, and a mid-run failure.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultCoverage {
    /// The kinds `--nemesis` asked for.
    pub requested: Vec<String>,
    /// Faults that started, by kind (a kind never injected has 0).
    pub injected: BTreeMap<String, u64>,
    /// Faults that started, by kind and target: `kill all`, `pause leader`,
    /// `partition isolate-leader` (the node that matters is often one
    /// role). Every target the schedule draws from is listed, 0 if it
    /// never came.
    pub targets: BTreeMap<String, u64>,
    /// Faults that started while another was in effect (a combination
    /// window), by both: `kill all during partition isolate-one`.
    pub combinations: BTreeMap<String, u64>,
    /// Why faults stopped before the main phase ended: a fault or heal failed.
    pub error: Option<String>,
}

/// `kill leader`; a leader fault that fell back to a random node says so.
fn target_label(kind: NemesisKind, value: &serde_json::Value) -> String {
    let target = value
        .get("target")
        .or_else(|| value.get("kind"))
        .and_then(|t| t.as_str());
    let fallback = value.get("fallback").and_then(|f| f.as_str());
    // An isolate-leader partition without a known leader isolated a random node.
    let leaderless = kind == NemesisKind::Partition
        && target == Some("isolate-leader")
        && value.get("leader").is_some_and(serde_json::Value::is_null);
    match (target, fallback) {
        (Some(t), Some(f)) => format!("{kind} {t} (fell back to {f})"),
        (Some(t), None) if leaderless => format!("{kind} {t} (fell back to random)"),
        (Some(t), None) => format!("{kind} {t}"),
        (None, _) => kind.as_str().to_string(),
    }
}

impl FaultCoverage {
    /// Counts the faults the history's nemesis events started, against the
    /// targets the default schedule draws from on `nodes` nodes.
    pub fn from_events(
        requested: &NemesisKinds,
        nodes: usize,
        events: &[Event],
        error: Option<String>,
    ) -> Self {
        let mut injected: BTreeMap<String, u64> = requested
            .iter()
            .map(|k| (k.as_str().to_string(), 0))
            .collect();
        let mut targets: BTreeMap<String, u64> = planned_targets(requested, nodes)
            .into_iter()
            .map(|(kind, target)| {
                let label = match target {
                    Some(t) => format!("{kind} {t}"),
                    None => kind.to_string(),
                };
                (label, 0)
            })
            .collect();
        let mut combinations: BTreeMap<String, u64> = BTreeMap::new();
        // Faults in effect, oldest first, by kind.
        let mut active: Vec<(NemesisKind, String)> = Vec::new();
        for e in events.iter().filter(|e| e.process == ProcessId::Nemesis) {
            if let Some(kind) = NemesisKind::started_by(e.f.as_str()) {
                let label = target_label(kind, &e.value);
                *injected.entry(kind.as_str().to_string()).or_default() += 1;
                *targets.entry(label.clone()).or_default() += 1;
                if let Some((_, first)) = active.first() {
                    *combinations
                        .entry(format!("{label} during {first}"))
                        .or_default() += 1;
                }
                active.push((kind, label));
            } else if let Some(kind) = NemesisKind::stopped_by(e.f.as_str()) {
                active.retain(|(k, _)| *k != kind);
            }
        }
        FaultCoverage {
            requested: requested.iter().map(|k| k.as_str().to_string()).collect(),
            injected,
            targets,
            combinations,
            error,
        }
    }

    /// `faults: kill all ×1, partition isolate-one ×2 (not drawn: kill
    /// majority); combined: kill all during partition isolate-one ×1`, for
    /// the terminal summary; `None` when no fault was requested.
    pub fn line(&self) -> Option<String> {
        if self.requested.is_empty() {
            return None;
        }
        let drawn: Vec<String> = self
            .targets
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(t, n)| format!("{t} ×{n}"))
            .collect();
        let never: Vec<&str> = self
            .targets
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(t, _)| t.as_str())
            .collect();
        let mut line = format!(
            "faults: {}",
            if drawn.is_empty() {
                "none".to_string()
            } else {
                drawn.join(", ")
            }
        );
        if !never.is_empty() {
            line.push_str(&format!(" (not drawn: {})", never.join(", ")));
        }
        if !self.combinations.is_empty() {
            let combined: Vec<String> = self
                .combinations
                .iter()
                .map(|(c, n)| format!("{c} ×{n}"))
                .collect();
            line.push_str(&format!("; combined: {}", combined.join(", ")));
        }
        Some(line)
    }

    /// Requested kinds that never happened.
    pub fn missing(&self) -> Vec<&str> {
        self.requested
            .iter()
            .filter(|k| self.injected.get(*k).copied().unwrap_or(0) == 0)
            .map(String::as_str)
            .collect()
    }

    /// `kill ×2, partition ×1`.
    fn injected_text(&self) -> String {
        let parts: Vec<String> = self
            .injected
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect();
        parts.join(", ")
    }

    /// A `faults` verdict row when the faults asked for did not all happen:
    /// a failure mid-run, or (for a run that was not interrupted) a kind that
    /// was never injected. `None` when every requested fault happened.
    pub fn verdict(&self, interrupted: bool) -> Option<Verdict> {
        let details = serde_json::to_value(self).unwrap_or_default();
        if let Some(e) = &self.error {
            return Some(Verdict {
                checker: "faults".into(),
                valid: Validity::Unknown,
                summary: format!(
                    "a fault failed, so no fault ran after it ({}): {e}",
                    self.injected_text()
                ),
                details,
            });
        }
        let missing = self.missing();
        if interrupted || missing.is_empty() {
            return None;
        }
        Some(Verdict {
            checker: "faults".into(),
            valid: Validity::Unknown,
            summary: format!(
                "{} requested but never injected ({}), so the run did not test what it claims",
                missing.join(", "),
                self.injected_text()
            ),
            details,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::{EventType, OpFn};

    fn nemesis(f: &str) -> Event {
        nemesis_with(f, serde_json::Value::Null)
    }

    fn nemesis_with(f: &str, value: serde_json::Value) -> Event {
        Event {
            index: 0,
            time: 0,
            process: ProcessId::Nemesis,
            kind: EventType::Info,
            f: OpFn::parse(f),
            key: None,
            value,
            node: None,
            error: None,
            detail: None,
        }
    }

    fn kinds(s: &str) -> NemesisKinds {
        s.parse().unwrap()
    }

    #[test]
    fn every_requested_kind_injected_needs_no_row() {
        let events = [
            nemesis("kill"),
            nemesis("start"),
            nemesis("start-partition"),
        ];
        let c = FaultCoverage::from_events(&kinds("partition,kill"), 3, &events, None);
        assert_eq!(c.injected["kill"], 1);
        assert!(c.missing().is_empty());
        assert_eq!(c.verdict(false), None);
    }

    #[test]
    fn targets_never_drawn_are_listed_with_zero_and_combinations_are_named() {
        use serde_json::json;
        let events = [
            nemesis_with("start-partition", json!({"kind": "isolate-one"})),
            nemesis_with("pause", json!({"nodes": ["n1"], "target": "leader"})),
            nemesis("stop-partition"),
            nemesis("resume"),
            nemesis_with(
                "kill",
                json!({"nodes": ["n2"], "target": "leader", "leader": null, "fallback": "random"}),
            ),
            nemesis("start"),
            nemesis_with(
                "start-partition",
                json!({"kind": "isolate-leader", "leader": null}),
            ),
            nemesis("stop-partition"),
        ];
        let c = FaultCoverage::from_events(&kinds("partition,kill,pause"), 3, &events, None);
        assert_eq!(c.targets["pause leader"], 1);
        assert_eq!(c.targets["kill all"], 0);
        assert_eq!(c.targets["partition bridge"], 0);
        assert_eq!(c.targets["kill leader"], 0);
        assert_eq!(c.targets["kill leader (fell back to random)"], 1);
        assert_eq!(
            c.targets["partition isolate-leader (fell back to random)"],
            1
        );
        assert_eq!(
            c.combinations.iter().collect::<Vec<_>>(),
            [(&"pause leader during partition isolate-one".to_string(), &1)]
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["targets"]["kill majority"], 0);
    }

    #[test]
    fn a_kind_never_injected_makes_the_run_unknown() {
        let events = [nemesis("kill"), nemesis("start"), nemesis("kill")];
        let c = FaultCoverage::from_events(&kinds("partition,kill"), 3, &events, None);
        assert_eq!(c.missing(), ["partition"]);
        let v = c.verdict(false).unwrap();
        assert_eq!(v.valid, Validity::Unknown);
        assert!(
            v.summary.contains("partition requested but never injected"),
            "{}",
            v.summary
        );
        assert!(v.summary.contains("kill ×2"), "{}", v.summary);
        // A run stopped by Ctrl-C says it was interrupted instead.
        assert_eq!(c.verdict(true), None);
    }

    #[test]
    fn a_failed_fault_is_reported_even_when_interrupted() {
        let c = FaultCoverage::from_events(
            &kinds("kill"),
            3,
            &[],
            Some("command [\"false\"] failed with exit status: 1".into()),
        );
        let v = c.verdict(true).unwrap();
        assert!(v.summary.starts_with("a fault failed"), "{}", v.summary);
        assert_eq!(v.details["error"], c.error.clone().unwrap());
    }
}
