//! Staleness: for each ok read, how far behind the latest acknowledged write
//! it was, in versions and in milliseconds, summarised as quantiles.
//!
//! A read that returned version `u` is behind by the acknowledged writes that
//! certainly came after `u` and were already acknowledged when the read
//! began: writes invoked after `u`'s write finished and finished before the
//! read was invoked (every write, if `u` is the absent initial value; a read
//! of null counts from the key's delete, a `write null`, if that had begun
//! before the read finished). Its
//! lag is the time from the first of those acknowledgements to the read's
//! invocation. A linearizable store has no stale read by this measure.
//! Needs unique written values per key; other keys are skipped.

mod quantiles;

use quantiles::Counts;
pub use quantiles::Quantiles;

use crate::history::{Event, OpFn, ProcessId, key_cmp};
use crate::model::Val;
use crate::register_view::{Access, KeyView, RegisterView, ViewError};
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// Limits beyond which staleness makes the verdict invalid; none by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StalenessOptions {
    /// Most versions a read may be behind.
    pub max_versions: Option<u64>,
    /// Most milliseconds a read may lag.
    pub max_lag_ms: Option<f64>,
}

/// Result of the staleness measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StalenessReport {
    /// Valid unless a limit is given and exceeded.
    pub valid: Validity,
    /// The limits applied.
    pub limits: StalenessOptions,
    /// Reads measured.
    pub reads: usize,
    /// Of those, reads behind by at least one version.
    pub stale_reads: usize,
    /// Versions behind, over all measured reads.
    pub versions: Quantiles,
    /// Lag in milliseconds, over all measured reads.
    pub lag_ms: Quantiles,
    /// The stalest read (most versions behind, then longest lag).
    pub stalest: Option<StaleRead>,
    /// Keys not measured (values written more than once).
    pub keys_skipped: Vec<String>,
}

/// One stale read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleRead {
    /// The key.
    pub key: Option<String>,
    /// The read: its invoke event's index.
    pub op: usize,
    /// Its process.
    pub process: ProcessId,
    /// Value it returned.
    pub value: serde_json::Value,
    /// Versions behind.
    pub versions: u64,
    /// Lag in milliseconds.
    pub lag_ms: f64,
    /// The first newer acknowledged write it missed (its invoke event's index).
    pub missed_op: usize,
    /// In words.
    pub text: String,
}

/// Measures how stale the history's reads were.
pub fn check_staleness(
    events: &[Event],
    opts: &StalenessOptions,
) -> Result<StalenessReport, ViewError> {
    let mut tally = StalenessTally::default();
    tally.add(events)?;
    Ok(tally.finish(opts))
}

/// The measurements so far over histories of disjoint keys (batches of
/// whole keys of one run). Quantiles do not merge, so the readings are
/// kept, as counts per value: a read that is not stale adds nothing.
#[derive(Debug, Default)]
pub(crate) struct StalenessTally {
    versions: Counts,
    /// In nanoseconds.
    lags: Counts,
    stalest: Option<StaleRead>,
    skipped: Vec<Option<String>>,
}

impl StalenessTally {
    /// Measures the reads of `events`, whose keys no earlier call saw.
    pub(crate) fn add(&mut self, events: &[Event]) -> Result<(), ViewError> {
        let view = RegisterView::build(events)?;
        for key in &view.keys {
            if !key.unique() {
                self.skipped.push(key.key.clone());
                continue;
            }
            measure_key(key, &mut self.versions, &mut self.lags, &mut self.stalest);
        }
        Ok(())
    }

    /// The report over every key added, judged against `opts`' limits.
    pub(crate) fn finish(mut self, opts: &StalenessOptions) -> StalenessReport {
        self.skipped.sort_by(key_cmp);
        let skipped: Vec<String> = self
            .skipped
            .into_iter()
            .map(|k| crate::history::key_label(k.as_deref()))
            .collect();
        let stale_reads = usize::try_from(self.versions.above_zero()).unwrap_or(usize::MAX);
        let reads = usize::try_from(self.versions.len()).unwrap_or(usize::MAX);
        let vq = self.versions.quantiles(1.0);
        let lq = self.lags.quantiles(1e6);
        let over = opts.max_versions.is_some_and(|m| vq.max > m as f64)
            || opts.max_lag_ms.is_some_and(|m| lq.max > m);
        let valid = if over {
            Validity::Invalid
        } else if reads == 0 && !skipped.is_empty() {
            Validity::Unknown
        } else {
            Validity::Valid
        };
        StalenessReport {
            valid,
            limits: *opts,
            reads,
            stale_reads,
            versions: vq,
            lag_ms: lq,
            stalest: self.stalest,
            keys_skipped: skipped,
        }
    }
}

fn measure_key(
    key: &KeyView,
    versions: &mut Counts,
    lags: &mut Counts,
    stalest: &mut Option<StaleRead>,
) {
    let mut acked: Vec<&Access> = key
        .accesses
        .iter()
        .filter(|a| a.acked && a.written.is_some())
        .collect();
    acked.sort_by_key(|a| a.invoke_time);
    for r in key.accesses.iter().filter(|a| a.f == OpFn::Read) {
        let Some(u) = &r.observed else { continue };
        // Newer means invoked after this version's write finished. A null
        // read may have seen the key's delete instead of the initial state
        // if the delete had begun; then it is measured from the delete,
        // which is never further behind.
        let delete_seen = key
            .delete()
            .is_some_and(|d| r.complete_time.is_none_or(|c| d.invoke_time < c));
        let newer_than: Option<u64> = match u {
            Val::Nil if !delete_seen => None,
            v => match key.writer.get(v).map(|&i| &key.accesses[i]) {
                Some(w) => match w.complete_time {
                    Some(c) => Some(c),
                    // A crashed write has no end: nothing is certainly newer.
                    None => continue,
                },
                // A value nobody wrote is for the other checkers to judge.
                None => continue,
            },
        };
        let start = newer_than.map_or(0, |c| acked.partition_point(|w| w.invoke_time <= c));
        let mut count = 0u64;
        let mut first: Option<&Access> = None;
        for w in acked[start..]
            .iter()
            .take_while(|w| w.invoke_time < r.invoke_time)
        {
            if let Some(c) = w.complete_time
                && c < r.invoke_time
            {
                count += 1;
                if first.is_none_or(|f| f.complete_time > Some(c)) {
                    first = Some(w);
                }
            }
        }
        let lag_ns = first
            .and_then(|f| f.complete_time)
            .map_or(0, |c| r.invoke_time - c);
        let lag_ms = lag_ns as f64 / 1e6;
        versions.add(count);
        lags.add(lag_ns);
        // Most versions, then longest lag; between equals, the first key
        // as listed (keys may come in any order, a batch at a time).
        let staler = |s: &StaleRead| {
            (count, lag_ms) > (s.versions, s.lag_ms)
                || ((count, lag_ms) == (s.versions, s.lag_ms) && key_cmp(&key.key, &s.key).is_lt())
        };
        if let Some(f) = first
            && stalest.as_ref().is_none_or(staler)
        {
            let newer = f.written.as_ref().map(Val::to_string).unwrap_or_default();
            *stalest = Some(StaleRead {
                key: key.key.clone(),
                op: r.id,
                process: r.process,
                value: u.to_json(),
                versions: count,
                lag_ms,
                missed_op: f.id,
                text: format!(
                    "key {}: process {} read {u} (event {}) {count} version(s) behind; write {newer} (event {}) had been acknowledged {lag_ms:.1} ms before the read began",
                    key.name(),
                    r.process,
                    r.id,
                    f.id
                ),
            });
        }
    }
}

impl StalenessReport {
    /// One-line human summary.
    pub fn summary(&self) -> String {
        format!(
            "{} of {} reads stale; versions behind p50 {} p95 {} p99 {} max {}; lag ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1}",
            self.stale_reads,
            self.reads,
            self.versions.p50,
            self.versions.p95,
            self.versions.p99,
            self.versions.max,
            self.lag_ms.p50,
            self.lag_ms.p95,
            self.lag_ms.p99,
            self.lag_ms.max
        )
    }

    /// This report as a [`Verdict`] (checker `staleness`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "staleness".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
