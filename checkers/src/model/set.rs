//! A set with add and whole-set reads.

use super::append_list::list_of;
use super::{Model, ModelError, Val, show_list};
use crate::history::{OpFn, Operation};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One set operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// Add an element.
    Add(Val),
    /// A read that returned this set (any order; `null` = empty).
    Read(Arc<BTreeSet<Val>>),
}

/// A set, initially empty: `add v`, `read` returns all elements.
#[derive(Debug, Clone, Default)]
pub struct SetModel;

impl Model for SetModel {
    type State = Arc<BTreeSet<Val>>;
    type Input = SetOp;

    fn name(&self) -> &str {
        "set"
    }

    fn init(&self) -> Self::State {
        Arc::new(BTreeSet::new())
    }

    fn prepare(&self, op: &Operation) -> Result<SetOp, ModelError> {
        match op.f {
            OpFn::Add => Ok(SetOp::Add(Val::from_json(&op.value))),
            OpFn::Read => Ok(SetOp::Read(Arc::new(
                list_of(self.name(), op, &op.output)?.into_iter().collect(),
            ))),
            _ => Err(ModelError::new(self.name(), op, "expected add or read")),
        }
    }

    fn step(&self, state: &Self::State, input: &SetOp) -> Option<Self::State> {
        match input {
            SetOp::Add(v) => {
                if state.contains(v) {
                    return Some(state.clone());
                }
                let mut s = (**state).clone();
                s.insert(v.clone());
                Some(Arc::new(s))
            }
            SetOp::Read(s) => (state == s).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, input: &SetOp) -> bool {
        matches!(input, SetOp::Read(_))
    }

    fn describe_state(&self, state: &Self::State) -> String {
        format!("#{{{}}}", show_list(state.iter()).trim_matches(['[', ']']))
    }

    fn describe_op(&self, input: &SetOp) -> String {
        match input {
            SetOp::Add(v) => format!("add {v}"),
            SetOp::Read(s) => format!("read {}", self.describe_state(s)),
        }
    }

    fn unobservable(&self, inputs: &[SetOp], crashed: &[bool]) -> Vec<bool> {
        super::crashed_unseen_additions(
            inputs,
            crashed,
            |i| match i {
                SetOp::Add(v) => Some(v),
                _ => None,
            },
            |i| match i {
                SetOp::Read(s) => Some(Box::new(s.iter())),
                _ => None,
            },
        )
    }

    fn impossible(&self, inputs: &[SetOp], _crashed: &[bool]) -> Option<(usize, String)> {
        let added: BTreeSet<&Val> = inputs
            .iter()
            .filter_map(|i| match i {
                SetOp::Add(v) => Some(v),
                _ => None,
            })
            .collect();
        inputs.iter().enumerate().find_map(|(idx, i)| match i {
            SetOp::Read(s) => s.iter().find(|v| !added.contains(v)).map(|v| {
                (
                    idx,
                    format!("read a set containing {v}, which no operation ever adds"),
                )
            }),
            _ => None,
        })
    }
}
