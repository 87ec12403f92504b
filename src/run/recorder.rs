//! The history recorder: every event is streamed to `history.jsonl` with its
//! own write and flush, so a crash loses nothing that reached the file.
//!
//! Index and time are assigned and the line is serialised under one lock, so
//! file order, index order and time order agree. The write itself happens on
//! a dedicated writer thread, in index order, one `write` per event: workers
//! never block on file I/O while holding the lock (with 50 workers on two
//! cores that contention, not the I/O, capped the harness's rate), and the
//! file is at every moment a prefix of the history, which is all a checker
//! needs from a crashed run. Workers record an invoke before sending the
//! request and a completion after the answer, which keeps real-time
//! precedence in the file conservative.
//!
//! Nothing is kept in memory: the file is the history, read back once the
//! load is over. Keeping every event made a long unthrottled run grow by
//! ~2 MB/s (539 MB after 240 s), so an hour's run could not finish; the
//! queue to the writer is bounded for the same reason, a slow disk slows the
//! workers instead of filling memory.
use anyhow::Context;
use faultline_checkers::{Event, EventType, OpFn, ProcessId};
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Lines queued for the writer before recording blocks (~12 MB of lines).
const QUEUE_LINES: usize = 64 * 1024;

/// Appends events to a history file, which is read back for checking.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    path: PathBuf,
    inner: Mutex<Inner>,
    /// The first write error; recording to the file stops there and the run reports it.
    error: Arc<Mutex<Option<String>>>,
}

#[derive(Debug)]
struct Inner {
    /// The index the next event gets.
    next: u64,
    to_writer: SyncSender<ToWriter>,
}

/// Work for the writer thread.
#[derive(Debug)]
enum ToWriter {
    /// One serialised event, newline included.
    Line(Vec<u8>),
    /// Acknowledge once every earlier line is written.
    Sync(SyncSender<()>),
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
    /// Why a fail/info happened (a reason name for a fail).
    pub error: Option<&'a str>,
    /// The store's own words beside a fail's reason.
    pub detail: Option<&'a str>,
}

impl Recorder {
    /// Creates (truncates) the history file; times count from now.
    pub fn create(path: &Path) -> anyhow::Result<Recorder> {
        let file =
            File::create(path).with_context(|| format!("creating history {}", path.display()))?;
        let (to_writer, from_recorder) = sync_channel(QUEUE_LINES);
        let error = Arc::new(Mutex::new(None));
        let writer_error = error.clone();
        let writer_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || write_lines(file, &writer_path, from_recorder, &writer_error))
            .context("starting the history writer thread")?;
        Ok(Recorder {
            start: Instant::now(),
            path: path.to_path_buf(),
            inner: Mutex::new(Inner { next: 0, to_writer }),
            error,
        })
    }

    /// Nanoseconds since the history started (the clock of every event's `time`).
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Records one event and hands it to the writer; returns its time (ns since start).
    pub fn record(&self, body: EventBody<'_>) -> u64 {
        // A poisoned lock means a worker panicked while recording; the
        // events and the queue are still consistent, so keep recording.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let time = self.now_ns();
        let event = Event {
            index: inner.next,
            time,
            process: body.process,
            kind: body.kind,
            f: body.f.clone(),
            key: body.key.map(str::to_string),
            value: body.value.clone(),
            node: body.node.map(str::to_string),
            error: body.error.map(str::to_string),
            detail: body.detail.map(str::to_string),
        };
        let mut line = Vec::with_capacity(192);
        // Serialising an `Event` to memory cannot fail (string keys, no
        // custom serialisers); if it ever did, the event still gets checked.
        if serde_json::to_writer(&mut line, &event).is_ok() {
            line.push(b'\n');
            // The writer only goes away with the recorder, after its last sender.
            let _ = inner.to_writer.send(ToWriter::Line(line));
        }
        inner.next += 1;
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
            detail: None,
        });
    }

    /// Waits until every event recorded so far is written to the file.
    pub fn sync(&self) {
        let (ack, done) = sync_channel(1);
        let sent = {
            let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.to_writer.send(ToWriter::Sync(ack)).is_ok()
        };
        if sent {
            let _ = done.recv();
        }
    }

    /// Waits for the file to catch up and returns its path, to be read
    /// back. Fails on the first write error (the file would be a prefix
    /// only). Blocks: call it off the async threads.
    pub fn finish(&self) -> anyhow::Result<&Path> {
        self.sync();
        if let Some(e) = self.error.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            anyhow::bail!("the history could not be written: {e}");
        }
        Ok(&self.path)
    }
}

/// The writer thread: one write and flush per event, in the order recorded,
/// until the recorder is dropped.
fn write_lines(
    mut file: File,
    path: &Path,
    lines: Receiver<ToWriter>,
    error: &Mutex<Option<String>>,
) {
    let mut failed = false;
    while let Some(msg) = next_message(&lines) {
        match msg {
            ToWriter::Line(line) if !failed => {
                // `File` is unbuffered: `write_all` hands the whole line to
                // the OS in one call, which is the flush.
                if let Err(e) = file.write_all(&line).and_then(|()| file.flush()) {
                    failed = true;
                    *error.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(format!("writing {}: {e}", path.display()));
                }
            }
            ToWriter::Line(_) => {}
            ToWriter::Sync(ack) => {
                let _ = ack.send(());
            }
        }
    }
}

/// Times the writer yields its core, when the queue is empty, before it
/// goes to sleep on the channel.
const YIELDS_BEFORE_SLEEP: usize = 64;

/// The next message; `None` once every recorder handle is gone.
///
/// Under load the next event is usually microseconds away: yielding a few
/// times first saves the futex wake-up a sleeping writer costs every sender
/// (in profiles, those wake-ups were a tenth of the harness's CPU time),
/// while an idle run still ends up asleep in `recv`.
fn next_message(lines: &Receiver<ToWriter>) -> Option<ToWriter> {
    for _ in 0..YIELDS_BEFORE_SLEEP {
        match lines.try_recv() {
            Ok(msg) => return Some(msg),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
    lines.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(p: &Path) -> Vec<Event> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn events_reach_the_file_in_index_order() {
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
            detail: None,
        });
        r.nemesis(
            "start-partition",
            &json!({"halves": [["n1"], ["n2", "n3"]]}),
        );
        // Read while the recorder is still open: after a sync the lines are there.
        r.sync();
        let on_disk = lines(&p);
        assert_eq!(on_disk.len(), 2);
        assert_eq!(on_disk[0].index, 0);
        assert_eq!(on_disk[0].time, t0);
        assert_eq!(on_disk[0].key.as_deref(), Some("k1"));
        assert_eq!(on_disk[1].process, ProcessId::Nemesis);
        assert_eq!(on_disk[1].index, 1);
        assert!(on_disk[1].time >= t0);
        assert_eq!(r.finish().unwrap(), p);
    }

    #[test]
    fn concurrent_recorders_keep_file_index_and_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("history.jsonl");
        let r = Arc::new(Recorder::create(&p).unwrap());
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let r = r.clone();
                std::thread::spawn(move || {
                    for i in 0..500u64 {
                        r.record(EventBody {
                            process: ProcessId::Client(t),
                            kind: EventType::Invoke,
                            f: &OpFn::Write,
                            key: Some("k"),
                            value: &json!(i),
                            node: None,
                            error: None,
                            detail: None,
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        r.finish().unwrap();
        let on_disk = lines(&p);
        assert_eq!(on_disk.len(), 2000);
        for (i, w) in on_disk.windows(2).enumerate() {
            assert_eq!(w[1].index, w[0].index + 1, "line {i}");
            assert!(w[1].time >= w[0].time, "line {i}");
        }
    }
}
