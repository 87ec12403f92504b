//! A checked walk over a parsed TOML document that keeps source positions,
//! so every error names the file, the line, the full key and what was
//! expected — more than serde's messages say.

use super::error::{DescriptionError, FieldError};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The source a document was parsed from.
pub(super) struct Doc<'s> {
    file: &'s Path,
    text: &'s str,
}

impl<'s> Doc<'s> {
    /// A document from `file` with contents `text`.
    pub(super) fn new(file: &'s Path, text: &'s str) -> Doc<'s> {
        Doc { file, text }
    }

    /// Parses the document's top-level table.
    pub(super) fn parse(&self) -> Result<Spanned<DeTable<'s>>, DescriptionError> {
        DeTable::parse(self.text).map_err(|e| DescriptionError::Syntax {
            file: self.file.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    /// An error at `span` for `key`.
    pub(super) fn error(
        &self,
        key: &str,
        span: Option<&Range<usize>>,
        expected: impl Into<String>,
    ) -> DescriptionError {
        DescriptionError::Field(FieldError {
            file: self.file.to_path_buf(),
            line: span.map(|s| self.line(s)),
            key: key.to_string(),
            expected: expected.into(),
        })
    }
}

/// A table whose keys were checked against the allowed ones.
pub(super) struct Table<'d, 'i> {
    doc: &'d Doc<'i>,
    path: String,
    span: Range<usize>,
    table: &'d DeTable<'i>,
}

/// One value at a known key path.
#[derive(Clone)]
pub(super) struct Field<'d, 'i> {
    doc: &'d Doc<'i>,
    /// The full dotted key.
    pub(super) path: String,
    value: &'d Spanned<DeValue<'i>>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl<'d, 'i> Table<'d, 'i> {
    /// The document's root table; keys outside `allowed` are errors.
    pub(super) fn root(
        doc: &'d Doc<'i>,
        root: &'d Spanned<DeTable<'i>>,
        allowed: &[&str],
    ) -> Result<Table<'d, 'i>, DescriptionError> {
        let t = Table {
            doc,
            path: String::new(),
            span: root.span(),
            table: root.get_ref(),
        };
        t.check_keys(allowed)?;
        Ok(t)
    }

    fn check_keys(&self, allowed: &[&str]) -> Result<(), DescriptionError> {
        for (k, _) in self.table.iter() {
            let name: &str = k.get_ref();
            if !allowed.contains(&name) {
                return Err(self.doc.error(
                    &join(&self.path, name),
                    Some(&k.span()),
                    format!(
                        "one of the keys {} here (this key is unknown)",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The value at `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<Field<'d, 'i>> {
        self.table
            .iter()
            .find(|(k, _)| {
                let name: &str = k.get_ref();
                name == key
            })
            .map(|(_, v)| Field {
                doc: self.doc,
                path: join(&self.path, key),
                value: v,
            })
    }

    /// The value at `key`, which must be present (`expected` says what it should be).
    pub(super) fn required(
        &self,
        key: &str,
        expected: &str,
    ) -> Result<Field<'d, 'i>, DescriptionError> {
        self.get(key).ok_or_else(|| {
            self.doc.error(
                &join(&self.path, key),
                Some(&self.span),
                format!("{expected} (the key is missing)"),
            )
        })
    }

    /// An error about this table as a whole.
    pub(super) fn error(&self, expected: impl Into<String>) -> DescriptionError {
        self.doc.error(&self.path, Some(&self.span), expected)
    }
}

impl<'d, 'i> Field<'d, 'i> {
    /// An error about this value.
    pub(super) fn error(&self, expected: impl Into<String>) -> DescriptionError {
        self.doc
            .error(&self.path, Some(&self.value.span()), expected)
    }

    fn wrong(&self, expected: &str) -> DescriptionError {
        self.error(format!(
            "{expected}, found {}",
            type_name(self.value.get_ref())
        ))
    }

    /// The value as a string.
    pub(super) fn str(&self, expected: &str) -> Result<&'d str, DescriptionError> {
        match self.value.get_ref() {
            DeValue::String(s) => Ok(s.as_ref()),
            _ => Err(self.wrong(expected)),
        }
    }

    /// The value as a boolean.
    pub(super) fn bool(&self, expected: &str) -> Result<bool, DescriptionError> {
        match self.value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong(expected)),
        }
    }

    /// The value as a table with only `allowed` keys.
    pub(super) fn table(&self, allowed: &[&str]) -> Result<Table<'d, 'i>, DescriptionError> {
        match self.value.get_ref() {
            DeValue::Table(t) => {
                let t = Table {
                    doc: self.doc,
                    path: self.path.clone(),
                    span: self.value.span(),
                    table: t,
                };
                t.check_keys(allowed)?;
                Ok(t)
            }
            _ => Err(self.wrong("a table")),
        }
    }

    /// The entries of a table with free-form keys (such as header names).
    pub(super) fn table_entries(&self) -> Result<Vec<(String, Field<'d, 'i>)>, DescriptionError> {
        match self.value.get_ref() {
            DeValue::Table(t) => Ok(t
                .iter()
                .map(|(k, v)| {
                    let name: &str = k.get_ref();
                    (
                        name.to_string(),
                        Field {
                            doc: self.doc,
                            path: join(&self.path, name),
                            value: v,
                        },
                    )
                })
                .collect()),
            _ => Err(self.wrong("a table")),
        }
    }

    /// The value as an array; elements are named `key[i]`.
    pub(super) fn array(&self, expected: &str) -> Result<Vec<Field<'d, 'i>>, DescriptionError> {
        match self.value.get_ref() {
            DeValue::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| Field {
                    doc: self.doc,
                    path: format!("{}[{i}]", self.path),
                    value: v,
                })
                .collect()),
            _ => Err(self.wrong(expected)),
        }
    }

    /// The value as a non-empty array of strings.
    pub(super) fn string_list(&self, expected: &str) -> Result<Vec<String>, DescriptionError> {
        let items = self.array(expected)?;
        if items.is_empty() {
            return Err(self.error(format!("{expected}, found an empty array")));
        }
        items
            .iter()
            .map(|f| f.str(expected).map(str::to_string))
            .collect()
    }

    /// Whether the value is an array (for keys that take one value or a list).
    pub(super) fn is_array(&self) -> bool {
        matches!(self.value.get_ref(), DeValue::Array(_))
    }

    /// The value as an integer, if it is one.
    pub(super) fn as_integer(&self) -> Option<i64> {
        match self.value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        }
    }

    /// The value as JSON (datetimes become their text).
    pub(super) fn to_json(&self) -> serde_json::Value {
        de_to_json(self.value.get_ref())
    }
}

fn de_to_json(v: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Value::from)
            .unwrap_or(Value::Null),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => {
            Value::Array(items.iter().map(|x| de_to_json(x.get_ref())).collect())
        }
        DeValue::Table(t) => Value::Object(
            t.iter()
                .map(|(k, x)| (k.get_ref().to_string(), de_to_json(x.get_ref())))
                .collect(),
        ),
    }
}
