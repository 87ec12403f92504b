//! Leases on named locks: acquire grants a lock that is free or whose lease
//! expired, with a fencing token that increases on every grant (one counter
//! for all locks); renew extends the holder's lease; release frees it.

use super::clock;
use crate::apply::ApplyResult;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Reserved map key of the last token granted (for any lock).
const TOKEN_KEY: &str = "\u{1}lock/token";
/// Reserved prefix of each lock's lease record.
const LEASE_PREFIX: &str = "\u{1}lock/lease/";

/// Extra milliseconds on every lease. Stamps are whole milliseconds taken
/// on the wall clock, while the checker times leases from the client's
/// invoke on the harness's monotonic clock: without a margin a lease could
/// end up to a millisecond before `invoke + ttl`, and a successor granted in
/// that sliver would look like a second holder. Longer is always safe.
const LEASE_MARGIN_MS: u64 = 5;

/// When a lease granted or renewed at `now` for `ttl_ms` ends.
fn lease_end(now: u64, ttl_ms: u64) -> u64 {
    now.saturating_add(ttl_ms).saturating_add(LEASE_MARGIN_MS)
}

/// What a lease command does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum LeaseCommand {
    /// Take the lock if it is free or its lease expired.
    Acquire {
        /// Who asks (free text, shown to the next contender).
        holder: String,
        /// Lease length.
        ttl_ms: u64,
    },
    /// Extend the lease of the holder of `token`, if it still holds it.
    Renew {
        /// The holder's token.
        token: u64,
        /// New lease length from now.
        ttl_ms: u64,
    },
    /// Free the lock, if `token` still holds it.
    Release {
        /// The holder's token.
        token: u64,
    },
}

/// One lock's latest grant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Lease {
    holder: String,
    token: u64,
    expires_ms: u64,
    released: bool,
}

impl Lease {
    fn held_at(&self, now: u64) -> bool {
        !self.released && now < self.expires_ms
    }
}

/// Applies `cmd` to lock `lock` at the leader's stamp `stamp_ms`.
pub fn apply_lease(
    map: &mut BTreeMap<String, Value>,
    lock: &str,
    stamp_ms: u64,
    cmd: &LeaseCommand,
) -> ApplyResult {
    let now = clock::advance(map, stamp_ms);
    let key = format!("{LEASE_PREFIX}{lock}");
    let lease: Option<Lease> = map
        .get(&key)
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    match cmd {
        LeaseCommand::Acquire { holder, ttl_ms } => {
            if let Some(l) = lease.as_ref().filter(|l| l.held_at(now)) {
                return ApplyResult::Conflict(json!({
                    "error": "held", "holder": l.holder, "expires_ms": l.expires_ms
                }));
            }
            let token = map.get(TOKEN_KEY).and_then(Value::as_u64).unwrap_or(0) + 1;
            map.insert(TOKEN_KEY.to_string(), Value::from(token));
            let granted = Lease {
                holder: holder.clone(),
                token,
                expires_ms: lease_end(now, *ttl_ms),
                released: false,
            };
            let body = json!({"token": token, "expires_ms": granted.expires_ms});
            store(map, key, &granted);
            ApplyResult::Ok(body)
        }
        LeaseCommand::Renew { token, ttl_ms } => match lease {
            Some(mut l) if l.token == *token && l.held_at(now) => {
                l.expires_ms = lease_end(now, *ttl_ms);
                let body = json!({"token": token, "expires_ms": l.expires_ms});
                store(map, key, &l);
                ApplyResult::Ok(body)
            }
            _ => not_holder(lease.as_ref()),
        },
        // An expired lease nobody took over may still be released by its
        // holder: nothing else relies on it any more.
        LeaseCommand::Release { token } => match lease {
            Some(mut l) if l.token == *token && !l.released => {
                l.released = true;
                store(map, key, &l);
                ApplyResult::Ok(json!({"ok": true}))
            }
            _ => not_holder(lease.as_ref()),
        },
    }
}

fn store(map: &mut BTreeMap<String, Value>, key: String, lease: &Lease) {
    // Serializing a plain struct of strings and integers cannot fail.
    map.insert(key, serde_json::to_value(lease).unwrap_or(Value::Null));
}

fn not_holder(lease: Option<&Lease>) -> ApplyResult {
    ApplyResult::Conflict(json!({
        "error": "not_holder",
        "token": lease.map(|l| l.token),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acquire(map: &mut BTreeMap<String, Value>, holder: &str, at: u64) -> ApplyResult {
        let cmd = LeaseCommand::Acquire {
            holder: holder.into(),
            ttl_ms: 100,
        };
        apply_lease(map, "l", at, &cmd)
    }

    fn token(r: &ApplyResult) -> u64 {
        match r {
            ApplyResult::Ok(v) => v["token"].as_u64().unwrap(),
            other => panic!("not granted: {other:?}"),
        }
    }

    #[test]
    fn grants_only_when_free_or_expired_with_rising_tokens() {
        let mut m = BTreeMap::new();
        let t1 = token(&acquire(&mut m, "a", 1000));
        assert!(matches!(
            acquire(&mut m, "b", 1050),
            ApplyResult::Conflict(_)
        ));
        // The margin keeps the lease a little past its TTL.
        assert!(matches!(
            acquire(&mut m, "b", 1100),
            ApplyResult::Conflict(_)
        ));
        let t2 = token(&acquire(&mut m, "b", 1100 + LEASE_MARGIN_MS));
        assert!(t2 > t1);
        // The expired holder can neither renew nor release any more.
        let renew = LeaseCommand::Renew {
            token: t1,
            ttl_ms: 100,
        };
        assert!(matches!(
            apply_lease(&mut m, "l", 1110, &renew),
            ApplyResult::Conflict(_)
        ));
        let release = LeaseCommand::Release { token: t2 };
        assert!(matches!(
            apply_lease(&mut m, "l", 1120, &release),
            ApplyResult::Ok(_)
        ));
        let t3 = token(&acquire(&mut m, "a", 1130));
        assert!(t3 > t2);
    }

    #[test]
    fn renew_extends_the_lease() {
        let mut m = BTreeMap::new();
        let t = token(&acquire(&mut m, "a", 1000));
        let renew = LeaseCommand::Renew {
            token: t,
            ttl_ms: 100,
        };
        assert!(matches!(
            apply_lease(&mut m, "l", 1090, &renew),
            ApplyResult::Ok(_)
        ));
        assert!(matches!(
            acquire(&mut m, "b", 1150),
            ApplyResult::Conflict(_)
        ));
    }

    #[test]
    fn an_old_stamp_does_not_expire_a_lease_early() {
        let mut m = BTreeMap::new();
        token(&acquire(&mut m, "a", 1000));
        // A new leader whose clock is behind: the state machine keeps 1000.
        assert!(matches!(acquire(&mut m, "b", 10), ApplyResult::Conflict(_)));
    }
}
