//! Reading a run's `history.jsonl` back, a line at a time: the checkers,
//! the report and the server all read the file the recorder wrote.

use anyhow::Context;
use faultline_checkers::Event;
use std::path::{Path, PathBuf};

/// Parses `history.jsonl`. A line that does not parse is an error, except a
/// torn final line (the harness was killed mid-write), which is skipped.
pub fn read_events(path: &Path) -> anyhow::Result<(Vec<Event>, usize)> {
    let mut lines = EventLines::open(path)?;
    let events = lines.by_ref().collect::<anyhow::Result<Vec<Event>>>()?;
    Ok((events, lines.skipped))
}

/// The events of a history file, a line at a time: a long run's file can
/// be gigabytes, and only the events a reader keeps need to be in memory.
/// A line that does not parse is an error, except a torn final line (the
/// harness was killed mid-write), which is counted in `skipped`.
#[derive(Debug)]
pub struct EventLines {
    reader: std::io::BufReader<std::fs::File>,
    path: PathBuf,
    line: Vec<u8>,
    /// Lines read so far.
    pub number: usize,
    /// Torn final lines skipped (0 or 1).
    pub skipped: usize,
    /// Bytes read so far (the end of the line last returned).
    pub offset: u64,
    /// Where the line last returned starts, in bytes.
    pub line_start: u64,
    done: bool,
}

impl EventLines {
    /// Opens a history file.
    pub fn open(path: &Path) -> anyhow::Result<EventLines> {
        EventLines::open_at(path, 0)
    }

    /// Opens a history file at `offset` bytes, which must be where a line
    /// starts (a [`EventLines::line_start`] of an earlier reading).
    pub fn open_at(path: &Path, offset: u64) -> anyhow::Result<EventLines> {
        use std::io::{Seek, SeekFrom};
        let mut file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        file.seek(SeekFrom::Start(offset))
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(EventLines {
            reader: std::io::BufReader::with_capacity(1 << 20, file),
            path: path.to_path_buf(),
            line: Vec::new(),
            number: 0,
            skipped: 0,
            offset,
            line_start: offset,
            done: false,
        })
    }
}

impl Iterator for EventLines {
    type Item = anyhow::Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::io::BufRead;
        while !self.done {
            self.line.clear();
            let read = match self.reader.read_until(b'\n', &mut self.line) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Some(Err(anyhow::anyhow!("reading {}: {e}", self.path.display())));
                }
            };
            if read == 0 {
                self.done = true;
                break;
            }
            self.number += 1;
            self.line_start = self.offset;
            self.offset += read as u64;
            let torn = self.line.last() != Some(&b'\n');
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Event>(&self.line) {
                Ok(e) => return Some(Ok(e)),
                // Only the last line can lack its newline.
                Err(_) if torn => self.skipped += 1,
                Err(e) => {
                    self.done = true;
                    return Some(Err(anyhow::anyhow!(
                        "{}:{}: not a history event: {e}",
                        self.path.display(),
                        self.number
                    )));
                }
            }
        }
        None
    }
}
