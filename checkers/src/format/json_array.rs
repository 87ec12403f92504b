//! faultline's events as one JSON array (`[{"process":0,...}, ...]`), the
//! other JSON shape elle-cli accepts. Each element is read as a JSONL line
//! would be, and errors name the line the element starts on.

use super::Located;
use super::jsonl;
use crate::history::HistoryError;

pub(crate) fn parse(text: &str, source: &str) -> Result<Located, HistoryError> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut pos = skip_ws(0);
    if bytes.get(pos) != Some(&b'[') {
        return Err(HistoryError::new(source, line_of(pos), "expected `[`"));
    }
    pos = skip_ws(pos + 1);
    // Each element with the line it starts on.
    let mut elements: Vec<(serde_json::Value, usize)> = Vec::new();
    if bytes.get(pos) == Some(&b']') {
        trailing(text, source, pos + 1)?;
        return as_jsonl(&elements, source);
    }
    loop {
        let start = pos;
        let mut stream =
            serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
        let element = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Err(HistoryError::new(
                    source,
                    line_of(start) + e.line().saturating_sub(1),
                    format!("invalid JSON in the array: {e}"),
                ));
            }
            None => {
                return Err(HistoryError::new(
                    source,
                    line_of(start),
                    "the array is not closed: expected an event or `]`",
                ));
            }
        };
        let end = start + stream.byte_offset();
        elements.push((element, line_of(start)));
        pos = skip_ws(end);
        match bytes.get(pos) {
            Some(b',') => pos = skip_ws(pos + 1),
            Some(b']') => {
                trailing(text, source, pos + 1)?;
                return as_jsonl(&elements, source);
            }
            _ => {
                return Err(HistoryError::new(
                    source,
                    line_of(pos.min(text.len())),
                    "expected `,` or `]` after an event of the array",
                ));
            }
        }
    }
}

/// Reads the elements as the lines of one JSONL text (so that rules across
/// events, such as key types, hold for the whole array), then gives every
/// event, default time and error the source line its element starts on.
fn as_jsonl(
    elements: &[(serde_json::Value, usize)],
    source: &str,
) -> Result<Located, HistoryError> {
    let text: Vec<String> = elements.iter().map(|(e, _)| e.to_string()).collect();
    let line = |jsonl_line: usize| elements.get(jsonl_line.wrapping_sub(1)).map_or(0, |e| e.1);
    let events = jsonl::parse(&text.join("\n"), source)
        .map_err(|e| HistoryError::new(source, line(e.line), e.message))?;
    Ok(events
        .into_iter()
        .map(|(mut event, l)| {
            if elements[l - 1].0.get("time").is_none() {
                event.time = line(l) as u64;
            }
            (event, line(l))
        })
        .collect())
}

/// Only white space may follow the closing `]`.
fn trailing(text: &str, source: &str, pos: usize) -> Result<(), HistoryError> {
    match text[pos..].find(|c: char| !c.is_whitespace()) {
        None => Ok(()),
        Some(i) => Err(HistoryError::new(
            source,
            text[..pos + i].matches('\n').count() + 1,
            "unexpected text after the closing `]` of the history",
        )),
    }
}
