//! The counterexample of an invalid linearizability verdict, rendered by the
//! checker crate's own text and HTML renderers (the verdict's details are the
//! serialised `LinearizabilityReport`).

use faultline_checkers::render::{html, text};
use faultline_checkers::{BankReport, LinearizabilityReport, TxnReport, Validity, Verdict};

/// The linearizability report inside a verdict's details, if that is what they hold.
pub fn linearizability_report(v: &Verdict) -> Option<LinearizabilityReport> {
    if v.valid != Validity::Invalid {
        return None;
    }
    serde_json::from_value(v.details.clone()).ok()
}

/// Text counterexample of an invalid verdict (falls back to the details as JSON).
pub fn counterexample_text(v: &Verdict) -> Option<String> {
    if v.valid != Validity::Invalid {
        return None;
    }
    if v.checker == "bank"
        && let Ok(r) = serde_json::from_value::<BankReport>(v.details.clone())
    {
        return Some(r.render_text());
    }
    if v.checker == "txn"
        && let Ok(r) = serde_json::from_value::<TxnReport>(v.details.clone())
    {
        return Some(r.render_text());
    }
    if let Some(r) = linearizability_report(v) {
        return Some(text::render(&r));
    }
    match &v.details {
        serde_json::Value::Null => None,
        d => serde_json::to_string_pretty(d).ok(),
    }
}

/// The self-contained HTML timeline page of an invalid linearizability
/// verdict, drawn in test time with the run's fault windows (`ctx`).
pub fn counterexample_html(v: &Verdict, source: &str, ctx: &html::PageContext) -> Option<String> {
    linearizability_report(v).map(|r| html::render_with(&r, source, ctx))
}
