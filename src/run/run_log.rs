//! `faultline.log` in each results directory: every warning and error of the
//! run, timestamped and without colour codes, so a CI artifact keeps what
//! scrolled past on stderr.
//!
//! The subscriber is installed once per process, before the first results
//! directory exists, so it writes through a slot that each run points at its
//! own file.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The open `faultline.log` of the run in progress, if any.
static CURRENT: Mutex<Option<File>> = Mutex::new(None);

/// Installs stderr logging (colour only on a terminal; `RUST_LOG`
/// overrides the `warn` default) plus the per-run file.
pub fn install() {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter());
    let file = tracing_subscriber::fmt::layer()
        .with_writer(RunFile)
        .with_ansi(false)
        .with_filter(filter());
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}

/// Starts `dir/faultline.log` for the run that owns `dir`.
pub fn open(dir: &Path) -> std::io::Result<()> {
    let f = File::create(dir.join("faultline.log"))?;
    *slot() = Some(f);
    Ok(())
}

/// Writes a line that did not come through `tracing` (the run's final
/// error), with the same timestamp format.
pub fn line(level: &str, text: &str) {
    if let Some(f) = slot().as_mut() {
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
        let _ = writeln!(f, "{now} {level:>5} {text}");
    }
}

/// Ends the current run's log.
pub fn close() {
    if let Some(mut f) = slot().take() {
        let _ = f.flush();
    }
}

fn slot() -> std::sync::MutexGuard<'static, Option<File>> {
    CURRENT.lock().unwrap_or_else(|p| p.into_inner())
}

/// The writer tracing uses for the file layer: the current run's file, or
/// nothing between runs.
struct RunFile;

impl Write for RunFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match slot().as_mut() {
            Some(f) => f.write_all(buf).map(|()| buf.len()),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        slot().as_mut().map_or(Ok(()), Write::flush)
    }
}

impl<'a> MakeWriter<'a> for RunFile {
    type Writer = RunFile;
    fn make_writer(&'a self) -> Self::Writer {
        RunFile
    }
}
