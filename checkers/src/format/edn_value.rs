//! A small EDN reader: enough of the syntax for Jepsen/Knossos histories, with
//! the 1-based line of every top-level form for error messages.

/// An EDN value.
#[derive(Debug, Clone, PartialEq)]
pub enum EdnValue {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A keyword, without the leading colon.
    Keyword(String),
    /// A symbol.
    Symbol(String),
    /// `[...]`
    Vector(Vec<EdnValue>),
    /// `(...)`
    List(Vec<EdnValue>),
    /// `#{...}`
    Set(Vec<EdnValue>),
    /// `{...}`, entries in source order.
    Map(Vec<(EdnValue, EdnValue)>),
}

impl EdnValue {
    /// Looks up a keyword key in a map.
    pub fn get(&self, keyword: &str) -> Option<&EdnValue> {
        match self {
            EdnValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, EdnValue::Keyword(s) if s == keyword))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts to JSON: keywords and symbols become strings, sets and lists arrays.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            EdnValue::Nil => J::Null,
            EdnValue::Bool(b) => J::Bool(*b),
            EdnValue::Int(i) => J::from(*i),
            EdnValue::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            EdnValue::Str(s) | EdnValue::Keyword(s) | EdnValue::Symbol(s) => J::String(s.clone()),
            EdnValue::Vector(v) | EdnValue::List(v) | EdnValue::Set(v) => {
                J::Array(v.iter().map(EdnValue::to_json).collect())
            }
            EdnValue::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            EdnValue::Str(s) | EdnValue::Keyword(s) | EdnValue::Symbol(s) => {
                                s.clone()
                            }
                            other => other.to_json().to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
        }
    }
}

/// Parses every top-level form, each with the 1-based line where it starts.
///
/// On error returns the 1-based line and what was expected.
pub fn parse_edn_forms(text: &str) -> Result<Vec<(EdnValue, usize)>, (usize, String)> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 1,
    };
    let mut out = Vec::new();
    loop {
        p.skip_ws();
        if p.i >= p.s.len() {
            return Ok(out);
        }
        let line = p.line;
        out.push((p.value(0)?, line));
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
}

// Deep nesting beyond this is not a history; refuse instead of overflowing the stack.
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, (usize, String)> {
        Err((self.line, msg.into()))
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' | b',' => self.i += 1,
                b';' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<EdnValue, (usize, String)> {
        if depth > MAX_DEPTH {
            return self.err("EDN nested too deeply");
        }
        self.skip_ws();
        let Some(&c) = self.s.get(self.i) else {
            return self.err("unexpected end of input; expected an EDN value");
        };
        match c {
            b'{' => {
                self.i += 1;
                self.map(depth)
            }
            b'[' => {
                self.i += 1;
                Ok(EdnValue::Vector(self.seq(b']', depth)?))
            }
            b'(' => {
                self.i += 1;
                Ok(EdnValue::List(self.seq(b')', depth)?))
            }
            b'#' => {
                self.i += 1;
                match self.s.get(self.i) {
                    Some(b'{') => {
                        self.i += 1;
                        Ok(EdnValue::Set(self.seq(b'}', depth)?))
                    }
                    Some(b'_') => {
                        self.i += 1;
                        self.value(depth + 1)?;
                        self.value(depth + 1)
                    }
                    _ => {
                        // Tagged literal (#inst, #uuid, #jepsen.history.Op...): keep the value, drop the tag.
                        self.token();
                        self.value(depth + 1)
                    }
                }
            }
            b'"' => self.string(),
            b':' => {
                self.i += 1;
                let t = self.token();
                if t.is_empty() {
                    return self.err("empty keyword");
                }
                Ok(EdnValue::Keyword(t.to_string()))
            }
            b'}' | b']' | b')' => self.err(format!("unexpected '{}'", c as char)),
            _ => {
                let t = self.token();
                if t.is_empty() {
                    return self.err(format!("unexpected character '{}'", c as char));
                }
                Ok(atom(t))
            }
        }
    }

    /// A map's entries up to its `}`, read as pairs (a history line is a
    /// map of five or six entries: no list of forms in between).
    fn map(&mut self, depth: usize) -> Result<EdnValue, (usize, String)> {
        let mut entries = Vec::with_capacity(6);
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => return self.err("unexpected end of input; expected '}'"),
                Some(b'}') => {
                    self.i += 1;
                    return Ok(EdnValue::Map(entries));
                }
                Some(_) => {
                    let k = self.value(depth + 1)?;
                    self.skip_ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        return self
                            .err("map with an odd number of forms; expected key/value pairs");
                    }
                    let v = self.value(depth + 1)?;
                    entries.push((k, v));
                }
            }
        }
    }

    fn seq(&mut self, close: u8, depth: usize) -> Result<Vec<EdnValue>, (usize, String)> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => {
                    return self.err(format!(
                        "unexpected end of input; expected '{}'",
                        close as char
                    ));
                }
                Some(&c) if c == close => {
                    self.i += 1;
                    return Ok(items);
                }
                Some(_) => items.push(self.value(depth + 1)?),
            }
        }
    }

    fn token(&mut self) -> &str {
        let start = self.i;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' | b'{' | b'}' | b'[' | b']' | b'(' | b')'
                | b'"' | b';' => break,
                _ => self.i += 1,
            }
        }
        // Token boundaries are ASCII bytes, so this slice is on char boundaries.
        &self.text[start..self.i]
    }

    fn string(&mut self) -> Result<EdnValue, (usize, String)> {
        self.i += 1;
        // Most strings have no escape and no newline: one copy of the run.
        let start = self.i;
        let plain = self.s[start..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\\' | b'\n'));
        if let Some(len) = plain
            && self.s[start + len] == b'"'
        {
            self.i = start + len + 1;
            // Both ends are ASCII bytes, so the slice is on char boundaries.
            return Ok(EdnValue::Str(self.text[start..start + len].to_string()));
        }
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(EdnValue::Str(out));
                }
                b'\\' => {
                    let esc = self.s.get(self.i + 1).copied();
                    self.i += 2;
                    match esc {
                        Some(b'n') => out.push('\n'),
                        Some(b't') => out.push('\t'),
                        Some(b'r') => out.push('\r'),
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        _ => return self.err("unknown escape in string"),
                    }
                }
                _ => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    // Copy a whole UTF-8 character.
                    let rest = &self.text[self.i..];
                    let ch = rest.chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8().max(1);
                }
            }
        }
    }
}

fn atom(t: &str) -> EdnValue {
    match t {
        "nil" => EdnValue::Nil,
        "true" => EdnValue::Bool(true),
        "false" => EdnValue::Bool(false),
        _ => {
            let num = t.trim_end_matches('N');
            if let Ok(i) = num.parse::<i64>() {
                EdnValue::Int(i)
            } else if let Ok(f) = t.trim_end_matches('M').parse::<f64>()
                && t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
            {
                EdnValue::Float(f)
            } else {
                EdnValue::Symbol(t.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> EdnValue {
        let mut forms = parse_edn_forms(text).expect("parses");
        assert_eq!(forms.len(), 1, "{forms:?}");
        forms.remove(0).0
    }

    #[test]
    fn strings_keep_escapes_newlines_and_unicode() {
        let m = one("{:a \"x\\\"y\" :b \"two\nlines\" :c \"café ✓\" :d \"\"}");
        assert_eq!(m.get("a"), Some(&EdnValue::Str("x\"y".into())));
        assert_eq!(m.get("b"), Some(&EdnValue::Str("two\nlines".into())));
        assert_eq!(m.get("c"), Some(&EdnValue::Str("café ✓".into())));
        assert_eq!(m.get("d"), Some(&EdnValue::Str(String::new())));
        // A newline inside a string still counts for the next form's line.
        let forms = parse_edn_forms("{:a \"1\n2\"}\n{:b 3}").unwrap();
        assert_eq!(forms[1].1, 3);
    }

    #[test]
    fn maps_read_pairs_and_refuse_an_odd_count() {
        let m = one("{:process 1, :type :ok, :value [1 2]}");
        assert_eq!(m.get("process"), Some(&EdnValue::Int(1)));
        assert_eq!(m.get("type"), Some(&EdnValue::Keyword("ok".into())));
        assert_eq!(
            m.get("value"),
            Some(&EdnValue::Vector(vec![EdnValue::Int(1), EdnValue::Int(2)]))
        );
        assert_eq!(one("{}"), EdnValue::Map(Vec::new()));
        let (line, msg) = parse_edn_forms("{:a 1}\n{:a 1 :b}").unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("odd number"), "{msg}");
        let (_, msg) = parse_edn_forms("{:a 1").unwrap_err();
        assert!(msg.contains("expected '}'"), "{msg}");
        let (_, msg) = parse_edn_forms("{:a \"open").unwrap_err();
        assert!(msg.contains("unterminated string"), "{msg}");
    }
}
