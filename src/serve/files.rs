//! Serving a run's files: resolving a request path under the results
//! directory without letting it escape (no `..`, no absolute paths, and the
//! resolved real path must stay under the real root, so symlinks cannot
//! lead out either).

use std::path::{Component, Path, PathBuf};

/// Why a request path was not resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `..`, an absolute path or a NUL: never served.
    Traversal,
    /// Nothing there.
    NotFound,
}

/// Resolves `rel` (already percent-decoded) under `root`.
pub fn resolve(root: &Path, rel: &str) -> Result<PathBuf, Refused> {
    if rel.contains('\0') || rel.contains('\\') {
        return Err(Refused::Traversal);
    }
    let mut path = root.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(Refused::Traversal);
            }
        }
    }
    let real_root = root.canonicalize().map_err(|_| Refused::NotFound)?;
    let real = path.canonicalize().map_err(|_| Refused::NotFound)?;
    if !real.starts_with(&real_root) {
        return Err(Refused::Traversal);
    }
    Ok(real)
}

/// Content type by file extension; unknown files are shown as text, since
/// a results directory holds logs and histories, not downloads.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "xml" => "application/xml",
        "png" => "image/png",
        "css" => "text/css",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_and_finds_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("results");
        std::fs::create_dir_all(root.join("t/1")).unwrap();
        std::fs::write(root.join("t/1/history.jsonl"), "").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        assert!(resolve(&root, "t/1/history.jsonl").is_ok());
        assert_eq!(resolve(&root, "../secret"), Err(Refused::Traversal));
        assert_eq!(resolve(&root, "t/../../secret"), Err(Refused::Traversal));
        assert_eq!(resolve(&root, "/etc/passwd"), Err(Refused::Traversal));
        assert_eq!(resolve(&root, "t/missing"), Err(Refused::NotFound));
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("link")).unwrap();
        assert_eq!(resolve(&root, "link"), Err(Refused::Traversal));
    }
}
