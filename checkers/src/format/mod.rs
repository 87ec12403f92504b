//! History file formats: detection, readers (one file each) and the EDN exporter.

mod edn_export;
mod edn_import;
mod edn_value;
mod json_array;
mod jsonl;
mod porcupine_etcd;
mod txn_shape;

pub use edn_export::{to_edn, to_edn_with_init};
pub use edn_import::Independence;

use crate::history::{Event, HistoryError, validate_events};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A history file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detect from the content (first non-empty line).
    Auto,
    /// faultline's `history.jsonl`: one JSON event per line.
    Jsonl,
    /// Jepsen/Knossos EDN maps (`{:process 0, :type :invoke, ...}`).
    Edn,
    /// Porcupine's Jepsen etcd logs (`INFO  jepsen.util - 3 :invoke :read nil`).
    PorcupineEtcd,
}

impl Format {
    /// All selectable names, for help texts.
    pub const NAMES: &'static [&'static str] = &["auto", "jsonl", "edn", "porcupine-etcd"];

    /// Guesses the format from the content; `None` if nothing matches.
    ///
    /// EDN `;` comment lines are passed over. A leading `[` opens either a
    /// JSON array of objects (`[{"...`, as elle-cli accepts) or one EDN
    /// vector of maps; what follows it, possibly on the next line, decides.
    /// A leading `(` is an EDN list of maps; a tagged map such as
    /// `#jepsen.history.Op{...}` (what newer Jepsen writes to history.edn)
    /// is EDN too.
    pub fn detect(text: &str) -> Option<Format> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with(';'));
        let line = lines.next()?;
        if line.starts_with("{\"") || line.starts_with("{ \"") || line == "{" {
            Some(Format::Jsonl)
        } else if let Some(rest) = line.strip_prefix('[') {
            let rest = rest.trim_start();
            let after = if rest.is_empty() {
                lines.next().unwrap_or("")
            } else {
                rest
            };
            let after: String = after
                .chars()
                .filter(|c| !c.is_whitespace())
                .take(2)
                .collect();
            if after.starts_with("{\"") || after.starts_with(']') {
                Some(Format::Jsonl)
            } else {
                Some(Format::Edn)
            }
        } else if line.starts_with("{:") || line.starts_with('(') || is_tagged_map(line) {
            Some(Format::Edn)
        } else if line.starts_with("INFO") || line.contains("jepsen.util") {
            Some(Format::PorcupineEtcd)
        } else {
            None
        }
    }
}

/// `#tag{...}`: an EDN tagged literal whose value is a map, as Jepsen's
/// history records are written (`#jepsen.history.Op{:index 0 ...}`).
fn is_tagged_map(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('#') else {
        return false;
    };
    let tag_len = rest
        .find(|c: char| {
            !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '*' | '+' | '!' | '?'))
        })
        .unwrap_or(rest.len());
    tag_len > 0
        && rest[..tag_len].starts_with(char::is_alphabetic)
        && rest[tag_len..].trim_start().starts_with('{')
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Auto => "auto",
            Format::Jsonl => "jsonl",
            Format::Edn => "edn",
            Format::PorcupineEtcd => "porcupine-etcd",
        })
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown history format {0:?}; expected one of auto, jsonl, edn, porcupine-etcd")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "jsonl" | "json" => Ok(Format::Jsonl),
            "edn" | "knossos" | "jepsen" => Ok(Format::Edn),
            "porcupine-etcd" | "etcd" => Ok(Format::PorcupineEtcd),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// Events read from a source, each with its 1-based source line.
pub(crate) type Located = Vec<(Event, usize)>;

/// Parses a history held in memory; `source_name` is used in error messages.
///
/// The result is also checked for consistent pairing (see [`crate::history::pair_operations`]).
pub fn parse_history(
    text: &str,
    source_name: &str,
    format: Format,
) -> Result<Vec<Event>, HistoryError> {
    let (events, _) = parse_history_located(text, source_name, format)?;
    Ok(events)
}

/// Like [`parse_history`], also returning the 1-based source line of each event.
pub fn parse_history_located(
    text: &str,
    source_name: &str,
    format: Format,
) -> Result<(Vec<Event>, Vec<usize>), HistoryError> {
    let parsed = parse_history_with(text, source_name, format, Independence::Auto)?;
    Ok((parsed.events, parsed.lines))
}

/// A parsed history with how it was read.
#[derive(Debug, Clone)]
pub struct ParsedHistory {
    /// The events, in file order.
    pub events: Vec<Event>,
    /// The 1-based source line of each event.
    pub lines: Vec<usize>,
    /// The format it was read as (never `Auto`).
    pub format: Format,
    /// Whether EDN values were split as independent `[key value]` tuples.
    pub independent: bool,
}

/// Like [`parse_history_located`], with the choice of EDN independence.
pub fn parse_history_with(
    text: &str,
    source_name: &str,
    format: Format,
    independence: Independence,
) -> Result<ParsedHistory, HistoryError> {
    let format = match format {
        Format::Auto => Format::detect(text).ok_or_else(|| {
            HistoryError::new(
                source_name,
                text.lines().position(|l| !l.trim().is_empty()).map_or(1, |i| i + 1),
                "cannot detect the history format; expected a JSON object ({\"...) or array of them ([{\"...), an EDN map ({:... or #jepsen.history.Op{:...) or vector/list of maps ([{:... or ({:...), or a Jepsen log line (INFO  jepsen.util ...); or name it with --format",
            )
        })?,
        f => f,
    };
    let mut independent = false;
    let located = match format {
        Format::Jsonl if text.trim_start().starts_with('[') => {
            let mut located = json_array::parse(text, source_name)?;
            txn_shape::read_as_txns(&mut located);
            located
        }
        Format::Jsonl => {
            let mut located = jsonl::parse(text, source_name)?;
            txn_shape::read_as_txns(&mut located);
            located
        }
        Format::Edn => {
            let (located, split) = edn_import::parse(text, source_name, independence)?;
            independent = split;
            located
        }
        Format::PorcupineEtcd => porcupine_etcd::parse(text, source_name)?,
        Format::Auto => unreachable!("Auto was resolved above"),
    };
    let (events, lines): (Vec<Event>, Vec<usize>) = located.into_iter().unzip();
    validate_events(&events, Some(&lines), source_name)?;
    check_order(&events, &lines, source_name)?;
    Ok(ParsedHistory {
        events,
        lines,
        format,
        independent,
    })
}

/// The checkers take real-time order from the order of the events, so a
/// file whose `index` or `time` goes backwards would be judged in an order
/// its own times contradict: refuse it, naming the line.
fn check_order(events: &[Event], lines: &[usize], source: &str) -> Result<(), HistoryError> {
    for (i, pair) in events.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let field = if b.index < a.index {
            Some(("index", a.index, b.index))
        } else if b.time < a.time {
            Some(("time", a.time, b.time))
        } else {
            None
        };
        if let Some((name, before, after)) = field {
            return Err(HistoryError::new(
                source,
                lines[i + 1],
                format!(
                    "{name} {after} is earlier than the previous event's {name} {before} (line {}): \
                     events must be in the order they happened; sort the file by {name}",
                    lines[i]
                ),
            ));
        }
    }
    Ok(())
}

/// Reads and parses a history file.
pub fn read_history(path: &Path, format: Format) -> Result<Vec<Event>, HistoryError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| HistoryError::new(&name, 0, format!("cannot read the file: {e}")))?;
    parse_history(&text, &name, format)
}
