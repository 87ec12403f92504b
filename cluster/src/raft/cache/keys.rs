//! The keys a command touches: the ones whose cached values it may change or reveal.

use crate::kv::Command;

/// Every key `cmd` reads or writes, without duplicates.
pub fn touched(cmd: &Command) -> Vec<String> {
    let mut keys: Vec<String> = cmd.touched_keys().into_iter().map(str::to_string).collect();
    keys.sort();
    keys.dedup();
    keys
}
