//! Checking the recorded history with the workload's checkers.

use super::config::RunConfig;
use faultline_checkers::{Event, Validity, Verdict};
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

/// Placeholder until the WGL checker lands on this branch.
fn linearizable(_events: &[Event], config: &RunConfig, _cancel: Arc<AtomicBool>) -> Verdict {
    Verdict {
        checker: "linearizable".into(),
        valid: Validity::Unknown,
        summary: format!(
            "model {}: linearizability checker not available in this build",
            config.workload.model()
        ),
        details: serde_json::Value::Null,
    }
}
