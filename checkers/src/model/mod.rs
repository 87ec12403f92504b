//! Sequential specifications the linearizability checker compares histories
//! against, behind the public [`Model`] trait; one built-in model per file.

mod append_list;
mod build;
mod cas_register;
mod counter;
mod fifo_queue;
mod kind;
mod kv_append;
mod mutex;
mod register;
mod search_only;
mod set;
mod value;

pub use append_list::AppendList;
pub(crate) use build::{ModelTask, with_model};
pub use cas_register::CasRegister;
pub(crate) use cas_register::cas_args;
pub use counter::Counter;
pub use fifo_queue::FifoQueue;
pub use kind::{ModelKind, UnknownModel};
pub use kv_append::KvAppend;
pub use mutex::Mutex;
pub use register::Register;
pub use search_only::SearchOnly;
pub use set::SetModel;
pub use value::{Val, show_list};

use crate::history::Operation;
use std::fmt::Debug;
use std::hash::Hash;

/// An operation a model cannot interpret (wrong `f` or value shape).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model {model} cannot check operation {op} ({f} {value}): {message}")]
pub struct ModelError {
    /// The model's name.
    pub model: String,
    /// Operation id.
    pub op: usize,
    /// The operation's function.
    pub f: String,
    /// Its argument, as JSON text.
    pub value: String,
    /// What the model expected.
    pub message: String,
}

impl ModelError {
    /// Builds an error for `op` with what was expected.
    pub fn new(model: &str, op: &Operation, message: impl Into<String>) -> Self {
        ModelError {
            model: model.to_string(),
            op: op.id,
            f: op.f.to_string(),
            value: op.value.to_string(),
            message: message.into(),
        }
    }
}

/// A sequential specification: a state machine whose steps are operations.
///
/// The checker first converts each [`Operation`] into a compact `Input` with
/// [`Model::prepare`] (once, up front) and then only calls [`Model::step`] in
/// its search, so states and inputs should be small and cheap to hash.
pub trait Model: Send + Sync {
    /// A state of the object; the search memoizes (linearized set, state).
    type State: Clone + Eq + Hash + Send + Sync + Debug;
    /// One operation with its observed output, in the model's own terms.
    /// Equal inputs must behave identically (crashed inputs that are equal are
    /// treated as interchangeable).
    type Input: Clone + Eq + Hash + Send + Sync + Debug;

    /// The model's name, e.g. `cas-register`.
    fn name(&self) -> &str;
    /// The initial state.
    fn init(&self) -> Self::State;
    /// Converts an operation (already paired; `op.status` says whether its output is known).
    fn prepare(&self, op: &Operation) -> Result<Self::Input, ModelError>;
    /// Applies an input (with its observed output); `None` if it cannot happen in this state.
    fn step(&self, state: &Self::State, input: &Self::Input) -> Option<Self::State>;
    /// True if `input` leaves the state unchanged in every state where it
    /// applies (a read with its observed value, a failed cas). The search
    /// places such an operation as soon as it fits, without trying
    /// alternatives, so only say true when it holds. Defaults to false.
    fn is_read_only(&self, input: &Self::Input) -> bool {
        let _ = input;
        false
    }
    /// Whether [`Model::may_reach`] can ever say false; the search only
    /// looks ahead for models that say so. Defaults to false.
    const LOOKS_AHEAD: bool = false;
    /// A sound look-ahead from `state`: false when `target` (a completed
    /// operation that must be linearized before anything invoked after it
    /// returned) cannot apply after `state` followed by any sequence of
    /// inputs from `between` (every other operation that may go before it).
    /// The search then gives up on `state` at once instead of trying every
    /// order of `between` first. Defaults to true.
    fn may_reach(
        &self,
        state: &Self::State,
        target: &Self::Input,
        between: &mut dyn Iterator<Item = &Self::Input>,
    ) -> bool {
        let _ = (state, target, between);
        true
    }
    /// Renders a state for counterexamples.
    fn describe_state(&self, state: &Self::State) -> String;
    /// Renders an input for counterexamples.
    fn describe_op(&self, input: &Self::Input) -> String;
    /// Why `input` cannot be applied in `state`.
    fn explain(&self, state: &Self::State, input: &Self::Input) -> String {
        format!(
            "{} is impossible in state {}",
            self.describe_op(input),
            self.describe_state(state)
        )
    }
    /// A cheap, sound pre-check: an input that cannot be applied in any state
    /// reachable by the partition's operations (e.g. a read of a value nothing
    /// ever wrote), with the reason. `crashed[i]` tells whether input i is crashed.
    fn impossible(&self, inputs: &[Self::Input], crashed: &[bool]) -> Option<(usize, String)> {
        let _ = (inputs, crashed);
        None
    }
    /// Which crashed inputs no other operation could ever observe (e.g. an
    /// append of a value no read contains), so that the search may leave them
    /// out: every crashed subset it would otherwise explore collapses into one.
    /// Must be sound: dropping a marked input never turns a linearizable
    /// history into a non-linearizable one. Defaults to none.
    fn unobservable(&self, inputs: &[Self::Input], crashed: &[bool]) -> Vec<bool> {
        vec![false; inputs.len().min(crashed.len())]
    }
}

/// For models whose state only grows (lists, sets): marks the crashed inputs
/// that add a value no read ever saw. Once such a value is in, every later
/// read contains it, so these can only have taken effect after every read,
/// where nothing observes them.
pub(crate) fn crashed_unseen_additions<'a, I: 'a>(
    inputs: &'a [I],
    crashed: &[bool],
    added: impl Fn(&'a I) -> Option<&'a Val>,
    seen: impl Fn(&'a I) -> Option<Box<dyn Iterator<Item = &'a Val> + 'a>>,
) -> Vec<bool> {
    let read: rustc_hash::FxHashSet<&Val> = inputs.iter().filter_map(&seen).flatten().collect();
    inputs
        .iter()
        .zip(crashed)
        .map(|(i, &c)| c && added(i).is_some_and(|v| !read.contains(v)))
        .collect()
}
