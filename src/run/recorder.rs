//! The history recorder: every event is written and flushed to
//! `history.jsonl` as it happens, so a crash loses nothing recorded.
//!
//! Index and time are assigned under the same lock that writes the line, so
//! file order, index order and time order agree. Workers record an invoke
//! before sending the request and a completion after the answer, which keeps
//! real-time precedence in the file conservative.

use anyhow::Context;
use faultline_checkers::{Event, EventType, OpFn, ProcessId};
use serde_json::Value;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Appends events to a history file and keeps them in memory for checking.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    path: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    out: BufWriter<File>,
    events: Vec<Event>,
    line: Vec<u8>,
    /// The first write error; recording stops there and the run reports it.
    error: Option<String>,
}

/// What an event says, apart from the index and time the recorder assigns.
#[derive(Debug, Clone)]
pub struct EventBody<'a> {
    /// Who.
    pub process: ProcessId,
    /// Invoke or completion.
    pub kind: EventType,
    /// Operation function.
    pub f: &'a OpFn,
    /// Key, if any.
    pub key: Option<&'a str>,
    /// Argument or observed value.
    pub value: &'a Value,
    /// Serving node.
    pub node: Option<&'a str>,
    /// Why a fail/info happened.
    pub error: Option<&'a str>,
}

impl Recorder {
    /// Creates (truncates) the history file; times count from now.
    pub fn create(path: &Path) -> anyhow::Result<Recorder> {
        let file =
            File::create(path).with_context(|| format!("creating history {}", path.display()))?;
        Ok(Recorder {
            start: Instant::now(),
            path: path.to_path_buf(),
            inner: Mutex::new(Inner {
                out: BufWriter::with_capacity(64 * 1024, file),
                events: Vec::with_capacity(16 * 1024),
                line: Vec::with_capacity(256),
                error: None,
            }),
        })
    }

    /// Records one event, writes and flushes it; returns its time (ns since start).
    pub fn record(&self, body: EventBody<'_>) -> u64 {
        // A poisoned lock means a worker panicked mid-write; the data is still
        // consistent line by line, so keep recording.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let time = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let event = Event {
            index: inner.events.len() as u64,
            time,
            process: body.process,
            kind: body.kind,
            f: body.f.clone(),
            key: body.key.map(str::to_string),
            value: body.value.clone(),
            node: body.node.map(str::to_string),
            error: body.error.map(str::to_string),
        };
        let Inner {
            out,
            events,
            line,
            error,
        } = &mut *inner;
        if error.is_none() {
            line.clear();
            let res = serde_json::to_writer(&mut *line, &event)
                .map_err(std::io::Error::from)
                .and_then(|()| {
                    line.push(b'\n');
                    out.write_all(line)?;
                    out.flush()
                });
            if let Err(e) = res {
                *error = Some(format!("writing {}: {e}", self.path.display()));
            }
        }
        events.push(event);
        time
    }

    /// Records a nemesis event (`process: "nemesis"`, `type: "info"`).
    pub fn nemesis(&self, f: &str, value: &Value) {
        self.record(EventBody {
            process: ProcessId::Nemesis,
            kind: EventType::Info,
            f: &OpFn::parse(f),
            key: None,
            value,
            node: None,
            error: None,
        });
    }

    /// A copy of all events recorded so far, and the first write error, if any.
    pub fn snapshot(&self) -> (Vec<Event>, Option<String>) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (inner.events.clone(), inner.error.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_event_is_on_disk_before_record_returns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("history.jsonl");
        let r = Recorder::create(&p).unwrap();
        let t0 = r.record(EventBody {
            process: ProcessId::Client(0),
            kind: EventType::Invoke,
            f: &OpFn::Write,
            key: Some("k1"),
            value: &json!(3),
            node: None,
            error: None,
        });
        // Read while the recorder is still open: the line must already be there.
        let text = std::fs::read_to_string(&p).unwrap();
        let e: Event = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(e.index, 0);
        assert_eq!(e.time, t0);
        assert_eq!(e.key.as_deref(), Some("k1"));
        r.nemesis(
            "start-partition",
            &json!({"halves": [["n1"], ["n2", "n3"]]}),
        );
        let text = std::fs::read_to_string(&p).unwrap();
        let last: Event = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(last.process, ProcessId::Nemesis);
        assert_eq!(last.index, 1);
        assert!(last.time >= t0);
        assert_eq!(r.snapshot().0.len(), 2);
    }
}
