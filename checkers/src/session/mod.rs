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

use crate::history::{Event, key_cmp};
use crate::register_view::{KeyView, RegisterView, ViewError};
use crate::verdict::Validity;

/// Checks the four session guarantees, key by key.
pub fn check_session(events: &[Event]) -> Result<SessionReport, ViewError> {
    let mut tally = SessionTally::default();
    tally.add(events)?;
    Ok(tally.finish())
}

/// What the session checker found so far over histories of disjoint keys
/// (batches of whole keys of one run): [`SessionTally::finish`] gives the
/// report one check of their union gives.
#[derive(Debug, Default)]
pub(crate) struct SessionTally {
    checked: usize,
    skipped: Vec<SkippedKey>,
    /// Per guarantee, in [`Guarantee::ALL`] order: the keys violating it
    /// and its smallest witness so far.
    found: [(Vec<Option<String>>, Option<CycleWitness>); 4],
}

impl SessionTally {
    /// Judges the keys of `events`, none of which an earlier call saw.
    pub(crate) fn add(&mut self, events: &[Event]) -> Result<(), ViewError> {
        let view = RegisterView::build(events)?;
        for key in &view.keys {
            if !key.unique() {
                self.skipped.push(SkippedKey::duplicates(key));
                continue;
            }
            self.checked += 1;
            let relations = edges::collect(key);
            for (g, (keys, witness)) in Guarantee::ALL.iter().zip(self.found.iter_mut()) {
                let Some(found) = cycle::find(&relations, *g) else {
                    continue;
                };
                keys.push(key.key.clone());
                let w = CycleWitness::build(key, &found.cycle, found.violating);
                // Fewest relations; between equals, the first key as listed.
                let smaller = witness.as_ref().is_none_or(|old| {
                    w.steps
                        .len()
                        .cmp(&old.steps.len())
                        .then_with(|| key_cmp(&w.key, &old.key))
                        .is_lt()
                });
                if smaller {
                    *witness = Some(w);
                }
            }
        }
        Ok(())
    }

    /// The report over every key added.
    pub(crate) fn finish(mut self) -> SessionReport {
        self.skipped.sort_by(|a, b| key_cmp(&a.key, &b.key));
        let guarantees: Vec<GuaranteeResult> = Guarantee::ALL
            .iter()
            .zip(self.found)
            .map(|(&guarantee, (mut keys, witness))| {
                keys.sort_by(key_cmp);
                GuaranteeResult {
                    guarantee,
                    valid: judge(keys.len(), self.checked, &self.skipped),
                    keys_violating: keys
                        .into_iter()
                        .map(|k| crate::history::key_label(k.as_deref()))
                        .collect(),
                    witness,
                }
            })
            .collect();
        let valid = guarantees
            .iter()
            .fold(Validity::Valid, |acc, g| acc.and(g.valid));
        SessionReport {
            valid,
            guarantees,
            keys_checked: self.checked,
            keys_skipped: self.skipped,
        }
    }
}

/// Invalid on any cycle; unknown when some key could not be checked.
fn judge(violating: usize, checked: usize, skipped: &[SkippedKey]) -> Validity {
    if violating > 0 {
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
