//! A FIFO queue with enqueue and dequeue.

use super::{Model, ModelError, Val, show_list};
use crate::history::{OpFn, OpStatus, Operation};
use std::collections::VecDeque;
use std::sync::Arc;

/// One queue operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QueueOp {
    /// Enqueue an element.
    Enqueue(Val),
    /// Dequeue that returned this element (`Some(Nil)`: the queue was empty,
    /// or its head was an enqueued null; `None`: crashed, result unknown).
    Dequeue(Option<Val>),
}

/// A FIFO queue, initially empty.
#[derive(Debug, Clone, Default)]
pub struct FifoQueue;

impl Model for FifoQueue {
    type State = Arc<VecDeque<Val>>;
    type Input = QueueOp;

    fn name(&self) -> &str {
        "fifo-queue"
    }

    fn init(&self) -> Self::State {
        Arc::new(VecDeque::new())
    }

    fn prepare(&self, op: &Operation) -> Result<QueueOp, ModelError> {
        match op.f {
            OpFn::Enqueue => Ok(QueueOp::Enqueue(Val::from_json(&op.value))),
            OpFn::Dequeue => Ok(QueueOp::Dequeue(
                (op.status == OpStatus::Ok).then(|| Val::from_json(&op.output)),
            )),
            _ => Err(ModelError::new(
                self.name(),
                op,
                "expected enqueue or dequeue",
            )),
        }
    }

    fn step(&self, state: &Self::State, input: &QueueOp) -> Option<Self::State> {
        match input {
            QueueOp::Enqueue(v) => {
                let mut q = (**state).clone();
                q.push_back(v.clone());
                Some(Arc::new(q))
            }
            QueueOp::Dequeue(None) if state.is_empty() => Some(state.clone()),
            // A null answer is "empty" on an empty queue and the dequeued
            // head where the head is an enqueued null: the state tells which,
            // so an enqueued null can be dequeued and the model stays
            // deterministic.
            QueueOp::Dequeue(Some(Val::Nil)) if state.is_empty() => Some(state.clone()),
            QueueOp::Dequeue(out) => {
                let head = state.front()?;
                if out.as_ref().is_some_and(|v| v != head) {
                    return None;
                }
                let mut q = (**state).clone();
                q.pop_front();
                Some(Arc::new(q))
            }
        }
    }

    fn describe_state(&self, state: &Self::State) -> String {
        show_list(state.iter())
    }

    fn describe_op(&self, input: &QueueOp) -> String {
        match input {
            QueueOp::Enqueue(v) => format!("enqueue {v}"),
            QueueOp::Dequeue(Some(Val::Nil)) => "dequeue -> nil (empty)".to_string(),
            QueueOp::Dequeue(Some(v)) => format!("dequeue -> {v}"),
            QueueOp::Dequeue(None) => "dequeue -> ?".to_string(),
        }
    }

    fn explain(&self, state: &Self::State, input: &QueueOp) -> String {
        match (input, state.front()) {
            (QueueOp::Dequeue(Some(v)), Some(h)) => {
                format!("dequeue returned {v} but the head of the queue is {h}")
            }
            (QueueOp::Dequeue(Some(v)), None) => {
                format!("dequeue returned {v} but the queue is empty")
            }
            (other, _) => format!(
                "{} is impossible in {}",
                self.describe_op(other),
                self.describe_state(state)
            ),
        }
    }
}
