//! Compact values for model states and inputs: cheap to compare and hash in
//! the search, unlike `serde_json::Value`.

use std::fmt;
use std::sync::Arc;

/// A value held or observed by a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    /// Absent / `null`.
    Nil,
    /// An integer.
    Int(i64),
    /// A string.
    Str(Arc<str>),
    /// Any other JSON value, in canonical (serde_json) text form.
    Json(Arc<str>),
}

impl Val {
    /// Converts a JSON value; integers and strings stay compact.
    ///
    /// Numbers compare by value: `5.0` is the integer 5, so a write of `5`
    /// and a read of `5.0` (a store that answers in floats) agree.
    pub fn from_json(v: &serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Nil,
            serde_json::Value::Number(n) if n.as_i64().is_some() => {
                Val::Int(n.as_i64().unwrap_or_default())
            }
            serde_json::Value::Number(n)
                if n.as_f64().is_some_and(|f| {
                    f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64
                }) =>
            {
                Val::Int(n.as_f64().unwrap_or_default() as i64)
            }
            serde_json::Value::String(s) => Val::Str(Arc::from(s.as_str())),
            other => Val::Json(Arc::from(other.to_string().as_str())),
        }
    }

    /// Back to JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Val::Nil => serde_json::Value::Null,
            Val::Int(i) => serde_json::Value::from(*i),
            Val::Str(s) => serde_json::Value::String(s.to_string()),
            Val::Json(s) => serde_json::from_str(s).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Nil => f.write_str("nil"),
            Val::Int(i) => write!(f, "{i}"),
            Val::Str(s) => write!(f, "{s:?}"),
            Val::Json(s) => f.write_str(s),
        }
    }
}

/// Renders a list of values as `[a, b, c]`.
pub fn show_list<'a>(vals: impl IntoIterator<Item = &'a Val>) -> String {
    let items: Vec<String> = vals.into_iter().map(Val::to_string).collect();
    format!("[{}]", items.join(", "))
}
