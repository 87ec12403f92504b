//! When each phase of a run began and ended, on the history's clock, so
//! `results.json` says which events belong to which phase (e.g. that the
//! final reads came after the recovery period).

use faultline_workloads::generator::Phase;
use serde::Serialize;

/// One phase and its span, in nanoseconds since the history started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseSpan {
    /// Which phase.
    pub phase: Phase,
    /// When it began.
    pub start_ns: u64,
    /// When the next phase began (the end of the run for the last one).
    pub end_ns: u64,
}

/// The phases a run has gone through so far.
#[derive(Debug, Default)]
pub struct Timeline {
    spans: Vec<PhaseSpan>,
}

impl Timeline {
    /// Enters `phase` at `now_ns`, closing the current phase.
    pub fn enter(&mut self, phase: Phase, now_ns: u64) {
        if let Some(last) = self.spans.last_mut() {
            last.end_ns = now_ns;
        }
        self.spans.push(PhaseSpan {
            phase,
            start_ns: now_ns,
            end_ns: now_ns,
        });
    }

    /// The span of `phase` so far, if it was entered: `(start_ns, end_ns)`.
    pub fn span(&self, phase: Phase) -> Option<(u64, u64)> {
        self.spans
            .iter()
            .find(|s| s.phase == phase)
            .map(|s| (s.start_ns, s.end_ns))
    }

    /// Closes the current phase at `now_ns` and returns every span.
    pub fn finish(mut self, now_ns: u64) -> Vec<PhaseSpan> {
        if let Some(last) = self.spans.last_mut() {
            last.end_ns = now_ns;
        }
        self.spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_ends_where_the_next_begins() {
        let mut t = Timeline::default();
        t.enter(Phase::Setup, 0);
        t.enter(Phase::Main, 10);
        t.enter(Phase::Heal, 25);
        let spans = t.finish(30);
        let bounds: Vec<(Phase, u64, u64)> = spans
            .iter()
            .map(|s| (s.phase, s.start_ns, s.end_ns))
            .collect();
        assert_eq!(
            bounds,
            vec![
                (Phase::Setup, 0, 10),
                (Phase::Main, 10, 25),
                (Phase::Heal, 25, 30)
            ]
        );
    }
}
