//! A register with read, write and compare-and-set (also the per-key model of `kv`).

use super::{Model, ModelError, Val};
use crate::history::{OpFn, OpStatus, Operation};
use rustc_hash::FxHashSet;

/// One register operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// A read that observed this value (`Nil` = absent).
    Read(Val),
    /// A write of this value.
    Write(Val),
    /// A compare-and-set that succeeded (or, crashed, may have).
    Cas {
        /// Expected value.
        from: Val,
        /// New value.
        to: Val,
    },
    /// A compare-and-set whose comparison failed: the register did not hold `from`.
    CasMismatch {
        /// Expected value, which was not there.
        from: Val,
    },
}

/// Register with read/write/cas. The initial value is absent unless given.
#[derive(Debug, Clone)]
pub struct CasRegister {
    name: &'static str,
    init: Val,
    allow_cas: bool,
}

impl CasRegister {
    /// A cas-register starting at `init` (`Val::Nil` = absent).
    pub fn new(init: Val) -> Self {
        CasRegister {
            name: "cas-register",
            init,
            allow_cas: true,
        }
    }

    /// The per-key model of the `kv` store (same semantics, named `kv`).
    pub fn kv(init: Val) -> Self {
        CasRegister {
            name: "kv",
            init,
            allow_cas: true,
        }
    }

    /// A plain read/write register (cas rejected).
    pub(crate) fn plain(init: Val) -> Self {
        CasRegister {
            name: "register",
            init,
            allow_cas: false,
        }
    }
}

/// Reads `[from, to]` or `{"from":..,"to":..}`.
pub(crate) fn cas_args(v: &serde_json::Value) -> Option<(Val, Val)> {
    match v {
        serde_json::Value::Array(a) if a.len() == 2 => {
            Some((Val::from_json(&a[0]), Val::from_json(&a[1])))
        }
        serde_json::Value::Object(m) => {
            Some((Val::from_json(m.get("from")?), Val::from_json(m.get("to")?)))
        }
        _ => None,
    }
}

impl Model for CasRegister {
    type State = Val;
    type Input = RegisterOp;

    fn name(&self) -> &str {
        self.name
    }

    fn init(&self) -> Val {
        self.init.clone()
    }

    fn prepare(&self, op: &Operation) -> Result<RegisterOp, ModelError> {
        match op.f {
            OpFn::Read => Ok(RegisterOp::Read(Val::from_json(&op.output))),
            OpFn::Write => Ok(RegisterOp::Write(Val::from_json(&op.value))),
            OpFn::Cas if self.allow_cas => {
                let (from, to) = cas_args(&op.value).ok_or_else(|| {
                    ModelError::new(self.name, op, "expected a cas value [from, to]")
                })?;
                Ok(if op.status == OpStatus::CasMismatch {
                    RegisterOp::CasMismatch { from }
                } else {
                    RegisterOp::Cas { from, to }
                })
            }
            _ => Err(ModelError::new(
                self.name,
                op,
                if self.allow_cas {
                    "expected read, write or cas"
                } else {
                    "expected read or write (use the cas-register model for cas)"
                },
            )),
        }
    }

    fn step(&self, state: &Val, input: &RegisterOp) -> Option<Val> {
        match input {
            RegisterOp::Read(v) => (state == v).then(|| state.clone()),
            RegisterOp::Write(v) => Some(v.clone()),
            RegisterOp::Cas { from, to } => (state == from).then(|| to.clone()),
            RegisterOp::CasMismatch { from } => (state != from).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, input: &RegisterOp) -> bool {
        matches!(input, RegisterOp::Read(_) | RegisterOp::CasMismatch { .. })
    }

    fn describe_state(&self, state: &Val) -> String {
        state.to_string()
    }

    fn describe_op(&self, input: &RegisterOp) -> String {
        match input {
            RegisterOp::Read(v) => format!("read {v}"),
            RegisterOp::Write(v) => format!("write {v}"),
            RegisterOp::Cas { from, to } => format!("cas {from}->{to}"),
            RegisterOp::CasMismatch { from } => format!("failed cas expecting {from}"),
        }
    }

    fn explain(&self, state: &Val, input: &RegisterOp) -> String {
        match input {
            RegisterOp::Read(v) => format!("read {v} but the register holds {state}"),
            RegisterOp::Cas { from, to } => {
                format!("cas {from}->{to} succeeded but the register holds {state}")
            }
            RegisterOp::CasMismatch { from } => {
                format!("cas expecting {from} failed but the register holds {from}")
            }
            RegisterOp::Write(v) => format!("write {v} cannot fail"),
        }
    }

    fn unobservable(&self, inputs: &[RegisterOp], crashed: &[bool]) -> Vec<bool> {
        // While a crashed write of X is in effect, only reads of X, cas from X
        // and failed cas can be placed. With none of them in the partition,
        // nothing could have seen X, and the write can be left out.
        let mut seen: FxHashSet<&Val> = FxHashSet::default();
        for i in inputs {
            match i {
                RegisterOp::Read(v) | RegisterOp::Cas { from: v, .. } => {
                    seen.insert(v);
                }
                RegisterOp::CasMismatch { .. } => return vec![false; inputs.len()],
                RegisterOp::Write(_) => {}
            }
        }
        inputs
            .iter()
            .zip(crashed)
            .map(|(i, &c)| {
                c && match i {
                    RegisterOp::Write(v) | RegisterOp::Cas { to: v, .. } => !seen.contains(v),
                    _ => false,
                }
            })
            .collect()
    }

    fn impossible(&self, inputs: &[RegisterOp], crashed: &[bool]) -> Option<(usize, String)> {
        // Every value the register can ever hold: an over-approximation, so the check is sound.
        let mut reachable: FxHashSet<&Val> = FxHashSet::default();
        reachable.insert(&self.init);
        for i in inputs {
            match i {
                RegisterOp::Write(v) | RegisterOp::Cas { to: v, .. } => {
                    reachable.insert(v);
                }
                _ => {}
            }
        }
        inputs.iter().enumerate().find_map(|(idx, i)| match i {
            RegisterOp::Read(v) if !reachable.contains(v) => Some((
                idx,
                format!("read {v}, but no operation ever writes {v} and the register does not start with it"),
            )),
            RegisterOp::Cas { from, to } if !crashed[idx] && !reachable.contains(from) => Some((
                idx,
                format!("cas {from}->{to} succeeded, but no operation ever writes {from} and the register does not start with it"),
            )),
            _ => None,
        })
    }
}
