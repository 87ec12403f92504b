//! Finding the etcd executable.

use anyhow::bail;
use std::path::PathBuf;

/// The `etcd` executable on the PATH, if any.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("etcd"))
        .find(|p| p.is_file())
}

/// The `etcd` executable, or an error that says how to install it.
pub fn require() -> anyhow::Result<PathBuf> {
    match find() {
        Some(p) => Ok(p),
        None => bail!(
            "etcd is not installed: no `etcd` executable on the PATH. Install it \
             (Debian/Ubuntu: `apt-get install -y etcd-server`), or test an etcd you run \
             yourself with `--sut etcd --endpoints http://HOST:2379,...`"
        ),
    }
}
