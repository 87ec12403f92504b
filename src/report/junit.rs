//! `junit.xml`: one test case per checker, so CI systems show verdicts natively.
//!
//! Invalid → `<failure>` with the checker's summary as the message and the
//! counterexample as text. Unknown → `<error>`, not `<skipped>`: an undecided
//! check did not pass, and CI should treat it like the exit code does (2 fails
//! the job), while a skipped test would quietly show green.

use super::counterexample::counterexample_text;
use faultline_checkers::{Validity, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// Longest counterexample text put into the XML; CI pages choke on megabytes.
const MAX_DESCRIPTION: usize = 64 * 1024;

/// Renders the JUnit XML of a run's verdicts.
pub fn render(
    run_name: &str,
    verdicts: &[Verdict],
    elapsed: Option<Duration>,
) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("faultline");
    let mut suite = TestSuite::new(run_name);
    if let Some(t) = elapsed {
        report.set_time(t);
        suite.set_time(t);
    }
    if verdicts.is_empty() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("no-verdict")
            .set_message("no checker produced a verdict");
        suite.add_test_case(case(run_name, "checkers", status));
    }
    for v in verdicts {
        let status = match v.valid {
            Validity::Valid => TestCaseStatus::success(),
            Validity::Invalid => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type("invalid").set_message(v.summary.clone());
                if let Some(text) = counterexample_text(v) {
                    s.set_description(truncate(text, MAX_DESCRIPTION));
                }
                s
            }
            Validity::Unknown => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_type("unknown").set_message(v.summary.clone());
                s
            }
        };
        suite.add_test_case(case(run_name, &v.checker, status));
    }
    report.add_test_suite(suite);
    report.to_string()
}

fn case(run_name: &str, checker: &str, status: TestCaseStatus) -> TestCase {
    let mut c = TestCase::new(checker, status);
    c.set_classname(format!("faultline.{run_name}"));
    c
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n… (truncated; see report.html)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(checker: &str, valid: Validity) -> Verdict {
        Verdict {
            checker: checker.into(),
            valid,
            summary: format!("{checker} summary"),
            details: serde_json::Value::Null,
        }
    }

    #[test]
    fn invalid_fails_unknown_errors_valid_passes() {
        let xml = render(
            "t",
            &[
                verdict("linearizable", Validity::Invalid),
                verdict("bank", Validity::Unknown),
                verdict("set", Validity::Valid),
            ],
            Some(Duration::from_secs(3)),
        )
        .unwrap();
        assert!(xml.contains("tests=\"3\""), "{xml}");
        assert!(xml.contains("failures=\"1\"") && xml.contains("errors=\"1\""));
        assert!(xml.contains("<failure message=\"linearizable summary\" type=\"invalid\""));
        assert!(xml.contains("<error message=\"bank summary\" type=\"unknown\""));
        assert!(xml.contains("<testcase name=\"set\" classname=\"faultline.t\"/>"));
    }

    #[test]
    fn no_verdict_is_an_error_and_long_text_is_cut_on_a_char_boundary() {
        let xml = render("t", &[], None).unwrap();
        assert!(xml.contains("type=\"no-verdict\""), "{xml}");
        let cut = truncate("é".repeat(10), 5);
        assert!(cut.starts_with("éé") && cut.contains("truncated"), "{cut}");
    }
}
