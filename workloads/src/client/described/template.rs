//! URL and body templates with `{placeholder}`s, checked when the description is read.

use super::super::base64;
use serde_json::Value;

/// A value a template can insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// The node's base URL, without a trailing slash.
    Endpoint,
    /// The node's name (`n1`, ...).
    Node,
    /// The key as is.
    Key,
    /// The key, base64-encoded.
    KeyB64,
    /// The argument of a write or append as JSON text.
    Value,
    /// That JSON text, base64-encoded.
    ValueB64,
    /// The expected value of a cas as JSON text.
    From,
    /// That JSON text, base64-encoded.
    FromB64,
    /// The new value of a cas as JSON text.
    To,
    /// That JSON text, base64-encoded.
    ToB64,
    /// A transaction's micro-operations, each rendered by its own template
    /// and joined by the `[txn]` table's separator.
    Ops,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 11] = [
        ("endpoint", Placeholder::Endpoint),
        ("node", Placeholder::Node),
        ("key", Placeholder::Key),
        ("key_b64", Placeholder::KeyB64),
        ("value", Placeholder::Value),
        ("value_b64", Placeholder::ValueB64),
        ("from", Placeholder::From),
        ("from_b64", Placeholder::FromB64),
        ("to", Placeholder::To),
        ("to_b64", Placeholder::ToB64),
        ("ops", Placeholder::Ops),
    ];

    fn name(self) -> &'static str {
        Placeholder::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("?", |(n, _)| n)
    }
}

/// Which arguments an operation has, so templates only use what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arguments {
    /// Reads: key only.
    None,
    /// Writes and appends: `{value}`.
    Value,
    /// Compare-and-set: `{from}` and `{to}`.
    FromTo,
    /// A transaction's request: `{ops}`, and no key (a transaction has many).
    Txn,
    /// A question to a node about the node (the leader query): no key.
    Query,
}

impl Arguments {
    fn allows(self, p: Placeholder) -> bool {
        use Placeholder::*;
        match p {
            Endpoint | Node => true,
            Key | KeyB64 => !matches!(self, Arguments::Txn | Arguments::Query),
            Value | ValueB64 => self == Arguments::Value,
            From | FromB64 | To | ToB64 => self == Arguments::FromTo,
            Ops => self == Arguments::Txn,
        }
    }

    fn allowed_names(self) -> Vec<&'static str> {
        Placeholder::ALL
            .iter()
            .filter(|(_, p)| self.allows(*p))
            .map(|(n, _)| *n)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Insert(Placeholder),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// What a template is filled with.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    /// Base URL of the node.
    pub endpoint: &'a str,
    /// Node name.
    pub node: &'a str,
    /// The key.
    pub key: &'a str,
    /// `{value}` / `{from}` / `{to}` sources.
    pub value: &'a Value,
    /// cas: expected value.
    pub from: &'a Value,
    /// cas: new value.
    pub to: &'a Value,
    /// txn: the rendered micro-operations.
    pub ops: &'a str,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

impl Template {
    /// Parses `text`; `{name}` with a lowercase name is a placeholder and must be
    /// one `args` allows. Other braces (JSON) are kept as they are.
    pub fn parse(text: &str, args: Arguments) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len = after
                .find(|c: char| !is_name_char(c))
                .unwrap_or(after.len());
            let is_placeholder = name_len > 0 && after[name_len..].starts_with('}');
            if !is_placeholder {
                literal.push('{');
                rest = after;
                continue;
            }
            let name = &after[..name_len];
            let placeholder = Placeholder::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, p)| *p)
                .filter(|p| args.allows(*p))
                .ok_or_else(|| {
                    format!(
                        "placeholders among {{{}}}, found {{{name}}}",
                        args.allowed_names().join("}, {")
                    )
                })?;
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Insert(placeholder));
            rest = &after[name_len + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// The template with every placeholder filled in.
    pub fn render(&self, fill: &Fill<'_>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Insert(p) => out.push_str(&insert(*p, fill)),
            }
        }
        out
    }

    /// Whether the template uses `p` (for docs and tests).
    pub fn uses(&self, p: Placeholder) -> bool {
        self.pieces.contains(&Piece::Insert(p))
    }

    /// The placeholders used, by name.
    pub fn placeholder_names(&self) -> Vec<&'static str> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Insert(p) => Some(p.name()),
                Piece::Text(_) => None,
            })
            .collect()
    }
}

fn insert(p: Placeholder, fill: &Fill<'_>) -> String {
    let b64 = |v: &Value| base64::encode(v.to_string().as_bytes());
    match p {
        Placeholder::Endpoint => fill.endpoint.to_string(),
        Placeholder::Node => fill.node.to_string(),
        Placeholder::Key => fill.key.to_string(),
        Placeholder::KeyB64 => base64::encode(fill.key.as_bytes()),
        Placeholder::Value => fill.value.to_string(),
        Placeholder::ValueB64 => b64(fill.value),
        Placeholder::From => fill.from.to_string(),
        Placeholder::FromB64 => b64(fill.from),
        Placeholder::To => fill.to.to_string(),
        Placeholder::ToB64 => b64(fill.to),
        Placeholder::Ops => fill.ops.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_placeholders_and_keeps_json_braces() {
        let t =
            Template::parse(r#"{"key":"{key_b64}","value":{value}}"#, Arguments::Value).unwrap();
        let v = json!(7);
        let fill = Fill {
            endpoint: "http://h:1",
            node: "n1",
            key: "k1",
            value: &v,
            from: &Value::Null,
            to: &Value::Null,
            ops: "",
        };
        assert_eq!(t.render(&fill), r#"{"key":"azE=","value":7}"#);
        assert_eq!(t.placeholder_names(), vec!["key_b64", "value"]);
    }

    #[test]
    fn rejects_unknown_and_misplaced_placeholders() {
        let e = Template::parse("{endpoint}/kv/{kee}", Arguments::None).unwrap_err();
        assert!(e.contains("{kee}"), "{e}");
        assert!(e.contains("{key}"), "{e}");
        let e = Template::parse("{endpoint}/kv/{key}?v={value}", Arguments::None).unwrap_err();
        assert!(e.contains("found {value}"), "{e}");
        assert!(Template::parse("{from}{to}", Arguments::FromTo).is_ok());
        assert!(Template::parse("{}{ x }{A}", Arguments::None).is_ok());
        assert!(Template::parse(r#"{"ops":[{ops}]}"#, Arguments::Txn).is_ok());
        let e = Template::parse("{endpoint}/txn/{key}", Arguments::Txn).unwrap_err();
        assert!(e.contains("found {key}"), "{e}");
        assert!(Template::parse("{ops}", Arguments::Value).is_err());
    }
}
