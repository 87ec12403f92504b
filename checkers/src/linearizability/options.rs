//! Options and errors of a linearizability check.

use crate::history::HistoryError;
use crate::model::ModelError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How to run a check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Give up after this long: undecided partitions become `Unknown`.
    pub timeout: Option<Duration>,
    /// Set to true (e.g. by a Ctrl-C handler) to stop; undecided partitions become `Unknown`.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Initial value of the built-in models (register value, kv-append string, counter).
    pub init: Option<serde_json::Value>,
    /// Run only this search (for benchmarks and tests); `None`: all of
    /// them, taking turns.
    pub engine: Option<Engine>,
    /// Bytes the searches may hold in all; a key whose search would need
    /// more becomes `Unknown` with that reason. `None`: no limit.
    pub memory_limit: Option<usize>,
    /// How long each invalid key may spend shrinking its counterexample
    /// (see [`ShrinkBudget`]); shrinking never changes a verdict.
    pub shrink: ShrinkBudget,
    /// Counts the keys decided, for a progress display; `None`: not counted.
    pub progress: Option<Arc<CheckProgress>>,
}

/// How far a check has got, for progress displays: keys decided of keys to
/// decide (the total is known once the history is split by key).
#[derive(Debug, Default)]
pub struct CheckProgress {
    total: AtomicUsize,
    decided: AtomicUsize,
}

impl CheckProgress {
    /// `(decided, total)` keys so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.decided.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn add_keys(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn decided(&self, n: usize) {
        self.decided.fetch_add(n, Ordering::Relaxed);
    }
}

/// How long shrinking an invalid key to a minimal counterexample may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShrinkBudget {
    /// Ten times what deciding took, between [`MIN_SHRINK_BUDGET`] and
    /// [`DEFAULT_SHRINK_BUDGET`], per key.
    #[default]
    Default,
    /// Do not shrink: counterexamples show only the longest prefixes.
    Off,
    /// At most this long per key (the check's own deadline still applies).
    Within(Duration),
}

/// The most time each invalid key may spend shrinking, unless told
/// otherwise: small keys shrink in milliseconds; this bounds the keys of
/// many thousands of operations, which then show the smallest invalid
/// sub-history found so far.
pub const DEFAULT_SHRINK_BUDGET: Duration = Duration::from_secs(5);

/// The least time shrinking gets by default, however fast the verdict was.
pub const MIN_SHRINK_BUDGET: Duration = Duration::from_millis(100);

/// By default shrinking may take this many times what deciding took (within
/// the two bounds above), so that a check of a small history stays about as
/// fast with its counterexample shrunk as without.
const SHRINK_PER_DECIDE: u32 = 10;

impl ShrinkBudget {
    /// The budget once deciding took `decided_in`: `Default` becomes ten
    /// times that, between [`MIN_SHRINK_BUDGET`] and [`DEFAULT_SHRINK_BUDGET`].
    pub(crate) fn resolved(self, decided_in: Duration) -> ShrinkBudget {
        match self {
            ShrinkBudget::Default => ShrinkBudget::Within(
                (decided_in * SHRINK_PER_DECIDE).clamp(MIN_SHRINK_BUDGET, DEFAULT_SHRINK_BUDGET),
            ),
            other => other,
        }
    }
}

/// The searches a check runs on each key, taking turns until one decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Wing–Gong–Lowe depth-first search: quick to find a linearization.
    DepthFirst,
    /// The exhaustive sweep in time order: quick to prove there is none.
    Sweep,
    /// The sweep with interchangeable crashed operations unlimited: proves
    /// invalidity only, where counting them would be too costly.
    RelaxedSweep,
}

/// Why a check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The events do not form a consistent history.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The model cannot interpret an operation.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The `init` option does not suit the model.
    #[error("initial value {value} does not suit model {model}: {message}")]
    InvalidInit {
        /// Model name.
        model: String,
        /// The given value.
        value: String,
        /// What was expected.
        message: String,
    },
}
