//! Keys and values of micro-ops, interned to small integers so that the
//! inference hashes and compares integers, not JSON.

use rustc_hash::FxHashMap;
use serde_json::Value;
use std::fmt;

/// A key of the history, as an index into [`Interner`] of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub u32);

/// A written value (list element or register value), as an index into the
/// interner of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Elem(pub u32);

/// A scalar as written in the history: integers stay integers, so `1` and
/// `"1"` are different values, as they are to the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// A JSON integer (or EDN int).
    Int(i64),
    /// A string (or EDN keyword or symbol).
    Str(String),
    /// Anything else, by its JSON text.
    Other(String),
}

impl Scalar {
    /// The scalar a JSON value stands for.
    pub fn from_json(v: &Value) -> Scalar {
        match v {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Other(n.to_string()),
            },
            Value::String(s) => Scalar::Str(s.clone()),
            other => Scalar::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Str(s) | Scalar::Other(s) => f.write_str(s),
        }
    }
}

/// Scalars numbered in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    ids: FxHashMap<Scalar, u32>,
    names: Vec<Scalar>,
}

impl Interner {
    /// The number of `s`, numbering it if new.
    pub fn intern(&mut self, s: Scalar) -> u32 {
        if let Some(&id) = self.ids.get(&s) {
            return id;
        }
        // More than 2^32 distinct keys or values would not fit in memory anyway.
        let id = self.names.len() as u32;
        self.names.push(s.clone());
        self.ids.insert(s, id);
        id
    }

    /// The scalar numbered `id`.
    pub fn name(&self, id: u32) -> &Scalar {
        &self.names[id as usize]
    }
}
