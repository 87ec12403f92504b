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
    let mut out: Located = Vec::new();
    if bytes.get(pos) == Some(&b']') {
        return trailing(text, source, pos + 1, out);
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
        // One element is one JSONL line; its events take the element's line.
        let line = line_of(start);
        for (mut event, _) in jsonl::parse(&element.to_string(), source)
            .map_err(|e| HistoryError::new(source, line, e.message))?
        {
            // Defaults as in JSONL: the event number and the source line.
            if element.get("index").is_none() {
                event.index = out.len() as u64;
            }
            if element.get("time").is_none() {
                event.time = line as u64;
            }
            out.push((event, line));
        }
        pos = skip_ws(end);
        match bytes.get(pos) {
            Some(b',') => pos = skip_ws(pos + 1),
            Some(b']') => return trailing(text, source, pos + 1, out),
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

/// Only white space may follow the closing `]`.
fn trailing(text: &str, source: &str, pos: usize, out: Located) -> Result<Located, HistoryError> {
    match text[pos..].find(|c: char| !c.is_whitespace()) {
        None => Ok(out),
        Some(i) => Err(HistoryError::new(
            source,
            text[..pos + i].matches('\n').count() + 1,
            "unexpected text after the closing `]` of the history",
        )),
    }
}
