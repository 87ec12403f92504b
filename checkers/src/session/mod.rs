//! Session guarantees (read-your-writes, monotonic reads, monotonic writes,
//! writes-follow-reads) over read/write/cas histories with unique values.
//!
//! Each key's history implies "version a precedes version b" relations: the
//! absent initial version precedes every write, a successful cas installs
//! `to` over `from`, and each guarantee adds its own (a session that wrote `a`
//! and later read `b` needs `a` ⪯ `b` for read-your-writes, and so on). A
//! guarantee holds on a key iff some total version order satisfies its
//! relations, i.e. iff they form no cycle. A violation is reported with the
//! shortest cycle through one of the guarantee's own relations: which
//! sessions, which operations. Write-side guarantees are judged with the
//! read-side relations as context (they are only visible through reads).

mod cycle;
mod edges;
mod guarantee;
mod report;

pub use guarantee::Guarantee;
pub use report::{CycleWitness, GuaranteeResult, SessionReport, SkippedKey, WitnessStep};

use crate::history::Event;
use crate::register_view::{KeyView, RegisterView, ViewError};
use crate::verdict::Validity;

/// Checks the four session guarantees, key by key.
pub fn check_session(events: &[Event]) -> Result<SessionReport, ViewError> {
    let view = RegisterView::build(events)?;
    let mut skipped = Vec::new();
    let mut checked = 0usize;
    let mut per_guarantee: Vec<(Guarantee, Vec<String>, Option<CycleWitness>)> = Guarantee::ALL
        .iter()
        .map(|g| (*g, Vec::new(), None))
        .collect();
    for key in &view.keys {
        if !key.unique() {
            skipped.push(SkippedKey::duplicates(key));
            continue;
        }
        checked += 1;
        let relations = edges::collect(key);
        for (g, keys, witness) in per_guarantee.iter_mut() {
            let Some(found) = cycle::find(&relations, *g) else {
                continue;
            };
            keys.push(key.name());
            let w = CycleWitness::build(key, &found.cycle, found.violating);
            if witness
                .as_ref()
                .is_none_or(|old: &CycleWitness| w.steps.len() < old.steps.len())
            {
                *witness = Some(w);
            }
        }
    }
    let guarantees: Vec<GuaranteeResult> = per_guarantee
        .into_iter()
        .map(|(guarantee, keys_violating, witness)| GuaranteeResult {
            guarantee,
            valid: judge(&keys_violating, checked, &skipped),
            keys_violating,
            witness,
        })
        .collect();
    let valid = guarantees
        .iter()
        .fold(Validity::Valid, |acc, g| acc.and(g.valid));
    Ok(SessionReport {
        valid,
        guarantees,
        keys_checked: checked,
        keys_skipped: skipped,
    })
}

/// Invalid on any cycle; unknown when some key could not be checked.
fn judge(violating: &[String], checked: usize, skipped: &[SkippedKey]) -> Validity {
    if !violating.is_empty() {
        Validity::Invalid
    } else if !skipped.is_empty() || checked == 0 {
        Validity::Unknown
    } else {
        Validity::Valid
    }
}

impl SkippedKey {
    fn duplicates(key: &KeyView) -> SkippedKey {
        let dup = key
            .duplicates
            .first()
            .map(|v| v.to_string())
            .unwrap_or_default();
        SkippedKey {
            key: key.key.clone(),
            reason: format!(
                "value {dup} is written more than once, so reads do not name their write (use unique values, e.g. --workload register or kv)"
            ),
        }
    }
}
