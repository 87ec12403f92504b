//! Where an operation of a description is sent: `endpoint = "leader" |
//! "any" | "n2"` in its table.

use super::error::DescriptionError;
use super::toml_reader::Field;
use std::fmt;

/// The node an operation goes to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Route {
    /// The node `--balance` picks (the default).
    #[default]
    Any,
    /// The node the description's `[leader]` query finds.
    Leader,
    /// Always this node (`n1`, `n2`, ... in endpoint order).
    Node(String),
}

impl Route {
    const EXPECTED: &'static str = "\"leader\", \"any\" or a node name such as \"n1\" (nodes are n1, n2, ... in endpoint order)";

    /// Reads `endpoint = ...`.
    pub(super) fn parse(f: &Field<'_, '_>) -> Result<Route, DescriptionError> {
        let text = f.str(Route::EXPECTED)?;
        match text {
            "any" => Ok(Route::Any),
            "leader" => Ok(Route::Leader),
            n if n.len() > 1
                && n.starts_with('n')
                && n[1..].bytes().all(|b| b.is_ascii_digit())
                && !n[1..].starts_with('0') =>
            {
                Ok(Route::Node(n.to_string()))
            }
            other => Err(f.error(format!("{}, found `{other}`", Route::EXPECTED))),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Any => f.write_str("any"),
            Route::Leader => f.write_str("leader"),
            Route::Node(n) => f.write_str(n),
        }
    }
}
