//! Checksummed record files shared by the Raft WAL and the Paxos acceptor
//! store: `len: u32 LE | crc32(payload): u32 LE | payload (JSON)`. A torn or
//! corrupt tail is detected on recovery and cut off instead of being replayed.

use crate::checksum::crc32;
use crate::error::ClusterError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

/// Appends the framed encoding of `record` to `out`.
pub fn encode<T: Serialize>(record: &T, out: &mut Vec<u8>) {
    // Serializing our own plain data types cannot fail.
    let payload = serde_json::to_vec(record).unwrap_or_default();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// Decodes records until the first incomplete or corrupt one; returns them
/// and the length of the valid prefix.
pub fn decode_all<T: DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while bytes.len() - pos >= 8 {
        let len = u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]])
            as usize;
        let crc = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]);
        let start = pos + 8;
        if bytes.len() - start < len {
            break;
        }
        let payload = &bytes[start..start + len];
        if crc32(payload) != crc {
            break;
        }
        match serde_json::from_slice::<T>(payload) {
            Ok(r) => out.push(r),
            Err(_) => break,
        }
        pos = start + len;
    }
    (out, pos)
}

/// A record file opened for appending, with what it held.
pub struct Opened<T> {
    /// The file, positioned for appends.
    pub file: File,
    /// The valid records, in file order.
    pub records: Vec<T>,
    /// Bytes dropped from a torn or corrupt tail.
    pub dropped_bytes: u64,
}

/// Opens (or creates) the record file at `path`, replays it and truncates a
/// torn tail so new records are not written after garbage.
pub fn open<T: DeserializeOwned>(path: &Path) -> Result<Opened<T>, ClusterError> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| ClusterError::io("open", path, e))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| ClusterError::io("read", path, e))?;
    let (records, good_len) = decode_all(&bytes);
    if good_len < bytes.len() {
        file.set_len(good_len as u64)
            .and_then(|_| file.sync_all())
            .map_err(|e| ClusterError::io("truncate torn tail of", path, e))?;
    }
    Ok(Opened {
        file,
        records,
        dropped_bytes: (bytes.len() - good_len) as u64,
    })
}

/// Replaces the file at `path` with `records`, atomically (write a temporary
/// file, fsync it, rename it over `path`, fsync the directory); returns the
/// new file opened for appending.
pub fn rewrite<T: Serialize>(path: &Path, records: &[T]) -> Result<File, ClusterError> {
    let tmp = path.with_extension("tmp");
    let mut buf = Vec::new();
    for r in records {
        encode(r, &mut buf);
    }
    let io = |what, e| ClusterError::io(what, &tmp, e);
    let mut f = File::create(&tmp).map_err(|e| io("create", e))?;
    f.write_all(&buf).map_err(|e| io("write", e))?;
    f.sync_all().map_err(|e| io("sync", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("rename", e))?;
    sync_dir(path)?;
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| ClusterError::io("reopen", path, e))
}

/// Fsyncs the directory holding `path`, so a rename survives a crash.
pub fn sync_dir(path: &Path) -> Result<(), ClusterError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ClusterError::io("sync directory", dir, e))
}
