//! Porcupine's kv model: each key holds a string (initially ""), with get, put and append.

use super::{Model, ModelError, Val};
use crate::history::{OpFn, Operation};
use std::sync::Arc;

/// One kv-append operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KvAppendOp {
    /// `get` that returned this string.
    Get(Arc<str>),
    /// `put` of this string.
    Put(Arc<str>),
    /// `append` of this string.
    Append(Arc<str>),
}

/// Bytes of gets times crashed writes that [`Model::unobservable`] may scan.
const UNOBSERVABLE_WORK: usize = 64 << 20;

/// String-valued key with get/put/append (use per key: the checker partitions by key).
#[derive(Debug, Clone)]
pub struct KvAppend {
    init: Arc<str>,
}

impl KvAppend {
    /// Keys start as `init` (Porcupine: "").
    pub fn new(init: &str) -> Self {
        KvAppend {
            init: Arc::from(init),
        }
    }
}

impl Default for KvAppend {
    fn default() -> Self {
        KvAppend::new("")
    }
}

fn as_str(model: &str, op: &Operation, v: &serde_json::Value) -> Result<Arc<str>, ModelError> {
    match Val::from_json(v) {
        Val::Nil => Ok(Arc::from("")),
        Val::Str(s) => Ok(s),
        Val::Int(i) => Ok(Arc::from(i.to_string().as_str())),
        Val::Json(_) => Err(ModelError::new(model, op, "expected a string value")),
    }
}

impl Model for KvAppend {
    type State = Arc<str>;
    type Input = KvAppendOp;

    fn name(&self) -> &str {
        "kv-append"
    }

    fn init(&self) -> Arc<str> {
        self.init.clone()
    }

    fn prepare(&self, op: &Operation) -> Result<KvAppendOp, ModelError> {
        match op.f {
            OpFn::Read => Ok(KvAppendOp::Get(as_str(self.name(), op, &op.output)?)),
            OpFn::Write => Ok(KvAppendOp::Put(as_str(self.name(), op, &op.value)?)),
            OpFn::Append => Ok(KvAppendOp::Append(as_str(self.name(), op, &op.value)?)),
            _ => Err(ModelError::new(
                self.name(),
                op,
                "expected get (read), put (write) or append",
            )),
        }
    }

    fn step(&self, state: &Arc<str>, input: &KvAppendOp) -> Option<Arc<str>> {
        match input {
            KvAppendOp::Get(v) => (state == v).then(|| state.clone()),
            KvAppendOp::Put(v) => Some(v.clone()),
            KvAppendOp::Append(v) => {
                let mut s = String::with_capacity(state.len() + v.len());
                s.push_str(state);
                s.push_str(v);
                Some(Arc::from(s))
            }
        }
    }

    fn is_read_only(&self, input: &KvAppendOp) -> bool {
        matches!(input, KvAppendOp::Get(_))
    }

    const LOOKS_AHEAD: bool = true;

    /// Appends only lengthen the string, so without a put among `between`
    /// a get of `v` can follow `state` only if `v` starts with it. Since a
    /// state encodes the order of its appends, the memo cannot merge the
    /// orders of concurrent appends; this cuts each wrong order at its first
    /// append instead of at the next get.
    fn may_reach(
        &self,
        state: &Arc<str>,
        target: &KvAppendOp,
        mut between: &mut dyn Iterator<Item = &KvAppendOp>,
    ) -> bool {
        let KvAppendOp::Get(v) = target else {
            return true;
        };
        v.starts_with(&**state) || Iterator::any(&mut between, |i| matches!(i, KvAppendOp::Put(_)))
    }

    /// A crashed append of `v` that no get's string contains, and a crashed
    /// put of `v` that no get's string starts with (`v` not empty). Once
    /// either took effect, every state up to the next put contains `v`
    /// (starts with it), so no get fits until then: leaving it out changes
    /// only states nothing reads, and the states agree again from the next
    /// put on. Shrinking weakens a key's writes into such operations, and
    /// each one left in doubled the subsets the searches could try.
    fn unobservable(&self, inputs: &[KvAppendOp], crashed: &[bool]) -> Vec<bool> {
        let mut drop = vec![false; inputs.len().min(crashed.len())];
        let gets: rustc_hash::FxHashSet<&str> = inputs
            .iter()
            .filter_map(|i| match i {
                KvAppendOp::Get(v) => Some(&**v),
                _ => None,
            })
            .collect();
        let candidates = drop.iter().zip(crashed).filter(|(_, c)| **c).count();
        let read_bytes: usize = gets.iter().map(|g| g.len()).sum();
        // Every candidate scans every distinct get: past this much work
        // keep them all (always sound), as the searches would have anyway.
        if candidates.saturating_mul(read_bytes) > UNOBSERVABLE_WORK {
            return drop;
        }
        for (i, d) in drop.iter_mut().enumerate() {
            if !crashed[i] {
                continue;
            }
            *d = match &inputs[i] {
                KvAppendOp::Append(v) => !v.is_empty() && !gets.iter().any(|g| g.contains(&**v)),
                KvAppendOp::Put(v) => !v.is_empty() && !gets.iter().any(|g| g.starts_with(&**v)),
                KvAppendOp::Get(_) => false,
            };
        }
        drop
    }

    fn describe_state(&self, state: &Arc<str>) -> String {
        format!("{state:?}")
    }

    fn describe_op(&self, input: &KvAppendOp) -> String {
        match input {
            KvAppendOp::Get(v) => format!("get {v:?}"),
            KvAppendOp::Put(v) => format!("put {v:?}"),
            KvAppendOp::Append(v) => format!("append {v:?}"),
        }
    }

    fn explain(&self, state: &Arc<str>, input: &KvAppendOp) -> String {
        match input {
            KvAppendOp::Get(v) => format!("get returned {v:?} but the key holds {state:?}"),
            other => format!("{} cannot fail", self.describe_op(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(v: &str) -> KvAppendOp {
        KvAppendOp::Get(Arc::from(v))
    }
    fn put(v: &str) -> KvAppendOp {
        KvAppendOp::Put(Arc::from(v))
    }
    fn append(v: &str) -> KvAppendOp {
        KvAppendOp::Append(Arc::from(v))
    }

    #[test]
    fn only_crashed_writes_no_get_could_see_are_unobservable() {
        let inputs = [
            get("ab"),
            append("b"), // crashed, "ab" contains it: observable
            append("c"), // crashed, nothing contains it
            append("c"), // completed: never dropped
            put("a"),    // crashed, "ab" starts with it
            put("b"),    // crashed, "ab" contains but does not start with it
            append(""),  // crashed, changes nothing, kept as it is
            get(""),     // a crashed get is never dropped
        ];
        let crashed = [false, true, true, false, true, true, true, true];
        assert_eq!(
            KvAppend::default().unobservable(&inputs, &crashed),
            [false, false, true, false, false, true, false, false]
        );
    }
}
