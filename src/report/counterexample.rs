//! The counterexample of an invalid verdict, rendered by the checker crate's
//! own text and HTML renderers from the typed report the verdict carries.

use faultline_checkers::Report;
use faultline_checkers::{PageContext, Validity, Verdict, render_html_with, render_text};

/// Text counterexample of an invalid verdict (falls back to the details as JSON).
pub fn counterexample_text(v: &Verdict) -> Option<String> {
    if v.valid != Validity::Invalid {
        return None;
    }
    let report = Report::from_verdict(v);
    let rendered = match &report {
        Some(Report::Bank(r)) => Some(r.render_text()),
        Some(Report::Txn(r)) => Some(r.render_text()),
        Some(r) => r.per_key_timeline().map(|r| render_text(&r)),
        None => None,
    };
    rendered.or_else(|| match &v.details {
        serde_json::Value::Null => None,
        d => serde_json::to_string_pretty(d).ok(),
    })
}

/// The self-contained HTML timeline page of an invalid per-key verdict,
/// drawn in test time with the run's fault windows (`ctx`).
pub fn counterexample_html(v: &Verdict, source: &str, ctx: &PageContext) -> Option<String> {
    if v.valid != Validity::Invalid {
        return None;
    }
    let r = Report::from_verdict(v)?.per_key_timeline()?;
    Some(render_html_with(&r, source, ctx))
}
