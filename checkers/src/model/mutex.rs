//! A lock with acquire and release.

use super::{Model, ModelError};
use crate::history::{OpFn, Operation};

/// One lock operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MutexOp {
    /// Take the lock.
    Acquire,
    /// Give it back.
    Release,
}

/// A mutex, initially free: acquire needs it free, release needs it held.
#[derive(Debug, Clone, Default)]
pub struct Mutex;

impl Model for Mutex {
    type State = bool;
    type Input = MutexOp;

    fn name(&self) -> &str {
        "mutex"
    }

    fn init(&self) -> bool {
        false
    }

    fn prepare(&self, op: &Operation) -> Result<MutexOp, ModelError> {
        match op.f {
            OpFn::Acquire => Ok(MutexOp::Acquire),
            OpFn::Release => Ok(MutexOp::Release),
            _ => Err(ModelError::new(
                self.name(),
                op,
                "expected acquire or release",
            )),
        }
    }

    fn step(&self, held: &bool, input: &MutexOp) -> Option<bool> {
        match input {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
        }
    }

    fn describe_state(&self, held: &bool) -> String {
        if *held { "held" } else { "free" }.to_string()
    }

    fn describe_op(&self, input: &MutexOp) -> String {
        match input {
            MutexOp::Acquire => "acquire".to_string(),
            MutexOp::Release => "release".to_string(),
        }
    }

    fn explain(&self, held: &bool, input: &MutexOp) -> String {
        match input {
            MutexOp::Acquire if *held => "acquire succeeded but the lock is held".to_string(),
            MutexOp::Release if !held => "release succeeded but the lock is free".to_string(),
            other => format!("{} is impossible", self.describe_op(other)),
        }
    }
}
