//! The allowed values of options, listed from their enums, so that every
//! help text and error message shows the same list as the parser accepts.

use crate::exit::Exit;
use faultline_checkers::CheckerKind;
use faultline_cluster::{Bug, Mode};
use faultline_nemeses::NemesisKind;
use faultline_workloads::workload::WorkloadKind;

/// `a, b, c`.
fn list<T>(items: impl IntoIterator<Item = T>, name: impl Fn(T) -> String) -> String {
    items.into_iter().map(name).collect::<Vec<_>>().join(", ")
}

/// Every switchable bug of the bundled cluster.
pub fn bugs() -> String {
    list(Bug::ALL, |b| b.name().to_string())
}

/// Every replication mode of the bundled cluster.
pub fn modes() -> String {
    list(
        <Mode as clap::ValueEnum>::value_variants().iter().copied(),
        |m| m.to_string(),
    )
}

/// Every workload.
pub fn workloads() -> String {
    list(WorkloadKind::ALL, |w| w.as_str().to_string())
}

/// Every fault kind, and the words `all` and `none`.
pub fn nemeses() -> String {
    let mut names: Vec<String> = NemesisKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    names.extend(["all".to_string(), "none".to_string()]);
    names.join(", ")
}

/// Every checker `--checker` takes, and `all` and `none`.
pub fn checkers() -> String {
    let mut names: Vec<String> = CHECKERS.iter().map(|c| c.as_str().to_string()).collect();
    names.extend(["all".to_string(), "none".to_string()]);
    names.join(", ")
}

/// The checker of a run that names none, by workload, as the units say:
/// `linearizable; lock for lock; bank for bank; txn for list-append and
/// rw-register`.
pub fn default_checkers() -> String {
    let mut others: Vec<(CheckerKind, Vec<&str>)> = Vec::new();
    for w in WorkloadKind::ALL {
        let default = crate::run::workload::judges_of(w).default;
        if default == CheckerKind::Linearizable {
            continue;
        }
        match others.iter_mut().find(|(c, _)| *c == default) {
            Some((_, ws)) => ws.push(w.as_str()),
            None => others.push((default, vec![w.as_str()])),
        }
    }
    let mut text = CheckerKind::Linearizable.as_str().to_string();
    for (checker, workloads) in others {
        let workloads = crate::prose::and_list(&workloads);
        text.push_str(&format!("; {} for {workloads}", checker.as_str()));
    }
    text
}

/// Every checker; `checker_listed` keeps it whole when a kind is added.
const CHECKERS: [CheckerKind; 10] = [
    CheckerKind::Linearizable,
    CheckerKind::Sequential,
    CheckerKind::Session,
    CheckerKind::Eventual,
    CheckerKind::Staleness,
    CheckerKind::Lock,
    CheckerKind::Bank,
    CheckerKind::Txn,
    CheckerKind::Counter,
    CheckerKind::SetFull,
];

/// Fails to compile when a checker kind is added and `CHECKERS` not told.
#[allow(dead_code)]
fn checker_listed(k: CheckerKind) {
    match k {
        CheckerKind::Linearizable
        | CheckerKind::Sequential
        | CheckerKind::Session
        | CheckerKind::Eventual
        | CheckerKind::Staleness
        | CheckerKind::Lock
        | CheckerKind::Bank
        | CheckerKind::Txn
        | CheckerKind::Counter
        | CheckerKind::SetFull => {}
    }
}

/// The exit codes, one line each, as `run --help` ends.
pub fn exit_codes() -> String {
    [Exit::Valid, Exit::Invalid, Exit::Unknown, Exit::Error]
        .iter()
        .map(|e| format!("  {}  {}", e.code(), e.meaning()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bug_list_is_the_parsers() {
        let listed: Vec<String> = bugs().split(", ").map(String::from).collect();
        let known: Vec<String> = Bug::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(listed, known);
        for name in &listed {
            assert!(name.parse::<Bug>().is_ok(), "{name}");
        }
    }
}
