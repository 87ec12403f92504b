//! A read/write register (no compare-and-set).

use super::cas_register::RegisterOp;
use super::{CasRegister, Model, ModelError, Val};
use crate::history::Operation;

/// Register with read and write only; starts absent unless given an initial value.
#[derive(Debug, Clone)]
pub struct Register(CasRegister);

impl Register {
    /// A register starting at `init` (`Val::Nil` = absent).
    pub fn new(init: Val) -> Self {
        Register(CasRegister::plain(init))
    }
}

impl Model for Register {
    type State = Val;
    type Input = RegisterOp;

    fn name(&self) -> &str {
        self.0.name()
    }
    fn init(&self) -> Val {
        self.0.init()
    }
    fn prepare(&self, op: &Operation) -> Result<RegisterOp, ModelError> {
        self.0.prepare(op)
    }
    fn step(&self, state: &Val, input: &RegisterOp) -> Option<Val> {
        self.0.step(state, input)
    }
    fn is_read_only(&self, input: &RegisterOp) -> bool {
        self.0.is_read_only(input)
    }

    fn describe_state(&self, state: &Val) -> String {
        self.0.describe_state(state)
    }
    fn describe_op(&self, input: &RegisterOp) -> String {
        self.0.describe_op(input)
    }
    fn explain(&self, state: &Val, input: &RegisterOp) -> String {
        self.0.explain(state, input)
    }
    fn impossible(&self, inputs: &[RegisterOp], crashed: &[bool]) -> Option<(usize, String)> {
        self.0.impossible(inputs, crashed)
    }
    fn unobservable(&self, inputs: &[RegisterOp], crashed: &[bool]) -> Vec<bool> {
        self.0.unobservable(inputs, crashed)
    }
}
