//! Collecting anomalies as they are found: every one counted, the first
//! few of each kind kept (and only those put into words).

use super::anomaly::{Anomaly, AnomalyKind};
use std::collections::BTreeMap;

/// Anomalies of one kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    pub count: usize,
    pub examples: Vec<Anomaly>,
}

/// Anomalies found so far, by kind.
#[derive(Debug, Clone)]
pub(crate) struct Findings {
    max_examples: usize,
    pub groups: BTreeMap<AnomalyKind, Group>,
}

impl Findings {
    pub fn new(max_examples: usize) -> Findings {
        Findings {
            max_examples,
            groups: BTreeMap::new(),
        }
    }

    /// Counts one anomaly of `kind`; `make` describes it if it is kept.
    pub fn add(&mut self, kind: AnomalyKind, make: impl FnOnce() -> Anomaly) {
        let g = self.groups.entry(kind).or_default();
        g.count += 1;
        if g.examples.len() < self.max_examples {
            g.examples.push(make());
        }
    }

    /// The kinds found.
    pub fn kinds(&self) -> Vec<AnomalyKind> {
        self.groups.keys().copied().collect()
    }
}
