//! The protected resource: a value per key that remembers the token of the
//! write that set it, and (fencing) rejects a write whose token is lower
//! than that, so a holder whose lease was taken over cannot overwrite its
//! successor's data.

use crate::apply::ApplyResult;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Reserved prefix of resource records in the replicated map.
const RESOURCE_PREFIX: &str = "\u{1}resource/";

/// The map key that holds resource `name`.
pub fn resource_key(name: &str) -> String {
    format!("{RESOURCE_PREFIX}{name}")
}

/// A resource's content: the last accepted value and its writer's token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FencedWrite {
    /// Fencing token the writer holds.
    pub token: u64,
    /// The value written.
    pub value: Value,
}

/// Writes `write` to resource `name`; with `fenced` a token lower than the
/// stored one is refused (the `lock-no-fencing` bug passes `false`).
pub fn apply_fenced_write(
    map: &mut BTreeMap<String, Value>,
    name: &str,
    write: &FencedWrite,
    fenced: bool,
) -> ApplyResult {
    let key = resource_key(name);
    let seen = map
        .get(&key)
        .and_then(|v| serde_json::from_value::<FencedWrite>(v.clone()).ok())
        .map(|w| w.token);
    if fenced && let Some(seen) = seen.filter(|s| *s > write.token) {
        return ApplyResult::Conflict(json!({"error": "stale_token", "token": seen}));
    }
    // Serializing a token and a JSON value cannot fail.
    map.insert(key, serde_json::to_value(write).unwrap_or(Value::Null));
    ApplyResult::Ok(json!({"ok": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(token: u64) -> FencedWrite {
        FencedWrite {
            token,
            value: json!(token * 10),
        }
    }

    #[test]
    fn fencing_rejects_lower_tokens_only() {
        let mut m = BTreeMap::new();
        let w = |m: &mut BTreeMap<String, Value>, t| apply_fenced_write(m, "r", &write(t), true);
        assert!(matches!(w(&mut m, 2), ApplyResult::Ok(_)));
        assert!(matches!(w(&mut m, 2), ApplyResult::Ok(_)));
        assert!(matches!(w(&mut m, 1), ApplyResult::Conflict(_)));
        assert!(matches!(w(&mut m, 3), ApplyResult::Ok(_)));
        assert_eq!(
            m.get(&resource_key("r")),
            Some(&json!({"token": 3, "value": 30}))
        );
    }

    #[test]
    fn without_fencing_a_stale_token_overwrites() {
        let mut m = BTreeMap::new();
        apply_fenced_write(&mut m, "r", &write(5), false);
        assert!(matches!(
            apply_fenced_write(&mut m, "r", &write(4), false),
            ApplyResult::Ok(_)
        ));
        assert_eq!(
            m.get(&resource_key("r")),
            Some(&json!({"token": 4, "value": 40}))
        );
    }
}
