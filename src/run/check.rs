//! Checking the recorded history with the workload's checkers.

use super::config::RunConfig;
use faultline_checkers::{CheckOptions, Event, ModelKind, Validity, Verdict, check_linearizable};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Runs every configured checker over `events`; returns one verdict each.
///
/// Checker failures become `unknown` verdicts with the reason, so a run
/// always reports something.
pub fn run_checkers(events: &[Event], config: &RunConfig, cancel: Arc<AtomicBool>) -> Vec<Verdict> {
    let names: Vec<String> = if config.checker.is_empty() {
        vec!["linearizable".to_string()]
    } else {
        config.checker.clone()
    };
    names
        .iter()
        .filter(|n| n.as_str() != "none")
        .map(|name| match name.as_str() {
            "linearizable" | "linearizability" => linearizable(events, config, cancel.clone()),
            other => Verdict {
                checker: other.to_string(),
                valid: Validity::Unknown,
                summary: format!("checker `{other}` is not available"),
                details: serde_json::Value::Null,
            },
        })
        .collect()
}

/// The WGL linearizability check with the workload's model, per key, under the check deadline.
fn linearizable(events: &[Event], config: &RunConfig, cancel: Arc<AtomicBool>) -> Verdict {
    let unknown = |summary: String| Verdict {
        checker: "linearizable".into(),
        valid: Validity::Unknown,
        summary,
        details: serde_json::Value::Null,
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
        Ok(report) => report.to_verdict(),
        Err(e) => unknown(format!("the history could not be checked: {e}")),
    }
}
