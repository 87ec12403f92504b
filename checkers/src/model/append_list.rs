//! A list with append and whole-list reads (Jepsen's list-append, one key).

use super::{Model, ModelError, Val, show_list};
use crate::history::{OpFn, Operation};
use rustc_hash::FxHashSet;
use std::sync::Arc;

/// One append-list operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListOp {
    /// Append an element.
    Append(Val),
    /// A read that returned this list (`null` = empty).
    Read(Arc<[Val]>),
}

/// A list, initially empty: `append v`, `read` returns the whole list.
#[derive(Debug, Clone, Default)]
pub struct AppendList;

pub(crate) fn list_of(
    model: &str,
    op: &Operation,
    v: &serde_json::Value,
) -> Result<Vec<Val>, ModelError> {
    match v {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(a) => Ok(a.iter().map(Val::from_json).collect()),
        _ => Err(ModelError::new(
            model,
            op,
            "expected a read to return a list",
        )),
    }
}

impl Model for AppendList {
    type State = Arc<[Val]>;
    type Input = ListOp;

    fn name(&self) -> &str {
        "append-list"
    }

    fn init(&self) -> Arc<[Val]> {
        Arc::from(Vec::new())
    }

    fn prepare(&self, op: &Operation) -> Result<ListOp, ModelError> {
        match op.f {
            OpFn::Append => Ok(ListOp::Append(Val::from_json(&op.value))),
            OpFn::Read => Ok(ListOp::Read(Arc::from(list_of(
                self.name(),
                op,
                &op.output,
            )?))),
            _ => Err(ModelError::new(self.name(), op, "expected append or read")),
        }
    }

    fn step(&self, state: &Arc<[Val]>, input: &ListOp) -> Option<Arc<[Val]>> {
        match input {
            ListOp::Append(v) => {
                let mut l = state.to_vec();
                l.push(v.clone());
                Some(Arc::from(l))
            }
            ListOp::Read(l) => (state == l).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, input: &ListOp) -> bool {
        matches!(input, ListOp::Read(_))
    }

    fn describe_state(&self, state: &Arc<[Val]>) -> String {
        show_list(state.iter())
    }

    fn describe_op(&self, input: &ListOp) -> String {
        match input {
            ListOp::Append(v) => format!("append {v}"),
            ListOp::Read(l) => format!("read {}", show_list(l.iter())),
        }
    }

    fn explain(&self, state: &Arc<[Val]>, input: &ListOp) -> String {
        match input {
            ListOp::Read(l) => format!(
                "read {} but the list is {}",
                show_list(l.iter()),
                show_list(state.iter())
            ),
            other => format!("{} cannot fail", self.describe_op(other)),
        }
    }

    fn unobservable(&self, inputs: &[ListOp], crashed: &[bool]) -> Vec<bool> {
        super::crashed_unseen_additions(
            inputs,
            crashed,
            |i| match i {
                ListOp::Append(v) => Some(v),
                _ => None,
            },
            |i| match i {
                ListOp::Read(l) => Some(Box::new(l.iter())),
                _ => None,
            },
        )
    }

    fn impossible(&self, inputs: &[ListOp], _crashed: &[bool]) -> Option<(usize, String)> {
        let appended: FxHashSet<&Val> = inputs
            .iter()
            .filter_map(|i| match i {
                ListOp::Append(v) => Some(v),
                _ => None,
            })
            .collect();
        inputs.iter().enumerate().find_map(|(idx, i)| match i {
            ListOp::Read(l) => l.iter().find(|v| !appended.contains(v)).map(|v| {
                (
                    idx,
                    format!("read a list containing {v}, which no operation ever appends"),
                )
            }),
            _ => None,
        })
    }
}
