//! Terminal explanations of verdicts that are not `valid`: for the
//! linearizability checker, its counterexample per key (the longest
//! linearizable prefix and the operations that cannot follow it), and for
//! the lock checker its violations, rendered from the report the verdict
//! carries in its details.

use faultline_checkers::Report;
use faultline_checkers::{Validity, Verdict, render_text};

/// One text block per linearizability verdict that is invalid or unknown,
/// and one listing the violations of an invalid lock verdict.
pub fn explanations(verdicts: &[Verdict]) -> Vec<String> {
    let reports: Vec<(Validity, Report)> = verdicts
        .iter()
        .filter_map(|v| Some((v.valid, Report::from_verdict(v)?)))
        .collect();
    let linearizability = reports.iter().filter_map(|(valid, r)| match r {
        Report::Linearizable(r) if *valid != Validity::Valid => Some(render_text(r)),
        _ => None,
    });
    let lock = reports.iter().filter_map(|(valid, r)| match r {
        Report::Lock(r) if *valid == Validity::Invalid => Some(r.explain()),
        _ => None,
    });
    linearizability.chain(lock).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::{CheckOptions, Event, ModelKind, check_linearizable};

    fn history(lines: &[&str]) -> Vec<Event> {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_stale_read_is_explained_and_a_valid_history_is_not() {
        let stale = history(&[
            r#"{"index":0,"time":0,"process":0,"type":"invoke","f":"write","key":"k","value":1}"#,
            r#"{"index":1,"time":1,"process":0,"type":"ok","f":"write","key":"k","value":1}"#,
            r#"{"index":2,"time":2,"process":1,"type":"invoke","f":"read","key":"k","value":null}"#,
            r#"{"index":3,"time":3,"process":1,"type":"ok","f":"read","key":"k","value":null}"#,
        ]);
        let opts = CheckOptions::default();
        let invalid = check_linearizable(&stale, ModelKind::Register, &opts)
            .unwrap()
            .to_verdict();
        assert_eq!(invalid.valid, Validity::Invalid);
        let text = explanations(&[invalid]);
        assert_eq!(text.len(), 1);
        assert!(text[0].contains("\"k\""), "{}", text[0]);

        let valid = check_linearizable(&stale[..2], ModelKind::Register, &opts)
            .unwrap()
            .to_verdict();
        assert!(explanations(&[valid]).is_empty());
    }
}
