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
                let items = self.seq(b'}', depth)?;
                if items.len() % 2 != 0 {
                    return self.err("map with an odd number of forms; expected key/value pairs");
                }
                let mut entries = Vec::with_capacity(items.len() / 2);
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    entries.push((k, v));
                }
                Ok(EdnValue::Map(entries))
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
