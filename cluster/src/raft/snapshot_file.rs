//! The snapshot file of a Raft node's data directory: read at start, written
//! atomically at each compaction and installation.

use super::log::sync_dir;
use super::messages::Snapshot;
use crate::error::ClusterError;
use std::io::Write;
use std::path::Path;

const FILE: &str = "snapshot.json";

/// Loads `dir/snapshot.json` if present.
pub fn load(dir: &Path) -> Result<Option<Snapshot>, ClusterError> {
    let path = dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ClusterError::Corrupt {
                path,
                detail: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClusterError::io("read", path, e)),
    }
}

/// Saves a snapshot atomically (temporary file, fsync, rename, fsync dir).
pub fn save(dir: &Path, snap: &Snapshot) -> Result<(), ClusterError> {
    let path = dir.join(FILE);
    let tmp = dir.join("snapshot.json.tmp");
    // Serializing our own plain data types cannot fail.
    let bytes = serde_json::to_vec(snap).unwrap_or_default();
    let io = |what, e| ClusterError::io(what, &tmp, e);
    let mut f = std::fs::File::create(&tmp).map_err(|e| io("create", e))?;
    f.write_all(&bytes).map_err(|e| io("write", e))?;
    f.sync_all().map_err(|e| io("sync", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io("rename", e))?;
    sync_dir(&path)
}
