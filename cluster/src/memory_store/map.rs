//! The key-value map a memory store keeps, shared between its nodes.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Key → JSON value (a list for appended keys).
pub(super) type Map = HashMap<String, Value>;

/// A map shared by the nodes' handlers (the primary) or between a node and
/// its copier task (a stale replica).
pub(super) type SharedMap = Arc<Mutex<Map>>;

/// Locks `m`, also after a panic elsewhere poisoned it: every change to
/// the map is a single insert or a whole-map swap, so it is never left half
/// changed, and a fake store should keep answering.
pub(super) fn lock(m: &Mutex<Map>) -> MutexGuard<'_, Map> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
