//! Checking the recorded history with the workload's checkers.

use super::config::RunConfig;
use faultline_checkers::render::text;
use faultline_checkers::{CheckOptions, Event, ModelKind, Validity, Verdict, check_linearizable};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// What the checkers said: one verdict each, and a readable explanation
/// (the counterexample) for each that did not find the history valid.
#[derive(Debug, Default)]
pub struct Checked {
    /// One verdict per checker.
    pub verdicts: Vec<Verdict>,
    /// Terminal text explaining invalid or unknown verdicts.
    pub explanations: Vec<String>,
}

/// Runs every configured checker over `events`; returns one verdict each.
pub fn run_checkers(events: &[Event], config: &RunConfig, cancel: Arc<AtomicBool>) -> Vec<Verdict> {
    check_all(events, config, cancel).verdicts
}

/// Runs every configured checker over `events`, with explanations.
///
/// Checker failures become `unknown` verdicts with the reason, so a run
/// always reports something.
pub fn check_all(events: &[Event], config: &RunConfig, cancel: Arc<AtomicBool>) -> Checked {
    let names: Vec<String> = if config.checker.is_empty() {
        config
            .workload
            .checkers()
            .iter()
            .map(|c| c.to_string())
            .collect()
    } else {
        config.checker.clone()
    };
    let mut checked = Checked::default();
    for name in names.iter().filter(|n| n.as_str() != "none") {
        let verdict = match name.as_str() {
            "linearizable" | "linearizability" => {
                let (verdict, explanation) = linearizable(events, config, cancel.clone());
                checked.explanations.extend(explanation);
                verdict
            }
            other => Verdict {
                checker: other.to_string(),
                valid: Validity::Unknown,
                summary: format!("checker `{other}` is not available"),
                details: serde_json::Value::Null,
            },
        };
        checked.verdicts.push(verdict);
    }
    checked
}

/// The WGL linearizability check with the workload's model, per key, under the check deadline.
fn linearizable(
    events: &[Event],
    config: &RunConfig,
    cancel: Arc<AtomicBool>,
) -> (Verdict, Option<String>) {
    let unknown = |summary: String| {
        let v = Verdict {
            checker: "linearizable".into(),
            valid: Validity::Unknown,
            summary,
            details: serde_json::Value::Null,
        };
        (v, None)
    };
    let model = match config.workload.model().parse::<ModelKind>() {
        Ok(m) => m,
        Err(e) => return unknown(format!("no model for workload {}: {e}", config.workload)),
    };
    let opts = CheckOptions {
        timeout: Some(config.check_timeout()),
        cancel: Some(cancel),
        init: None,
    };
    match check_linearizable(events, model, &opts) {
        Ok(report) => {
            let text = (report.valid != Validity::Valid).then(|| text::render(&report));
            (report.to_verdict(), text)
        }
        Err(e) => unknown(format!("the history could not be checked: {e}")),
    }
}
