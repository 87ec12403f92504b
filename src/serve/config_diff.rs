//! `/diff?a=RUN&b=RUN`: the configs of two runs side by side, key by key,
//! changed keys first. When a nightly test turns invalid, this says whether
//! the run changed (a bug switched on, another seed, a higher rate) or the
//! store did.

use super::pages::{FOOT, head};
use crate::report::html_escape::{esc, href};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One key of either config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// Dotted key (`commands.kill` for a nested table).
    pub key: String,
    /// Its value in run A, as TOML; `None` when A does not set it.
    pub a: Option<String>,
    /// Its value in run B.
    pub b: Option<String>,
}

impl DiffRow {
    /// True when the two runs differ in this key.
    pub fn changed(&self) -> bool {
        self.a != self.b
    }
}

/// Every key of two `config.toml` texts, in key order.
pub fn diff(a: &str, b: &str) -> Result<Vec<DiffRow>, toml::de::Error> {
    let (a, b) = (flatten_toml(a)?, flatten_toml(b)?);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .map(|k| DiffRow {
            key: k.clone(),
            a: a.get(k).cloned(),
            b: b.get(k).cloned(),
        })
        .collect())
}

fn flatten_toml(text: &str) -> Result<BTreeMap<String, String>, toml::de::Error> {
    let table: toml::Table = toml::from_str(text)?;
    let mut out = BTreeMap::new();
    flatten("", &table, &mut out);
    Ok(out)
}

/// Nested tables become dotted keys, so a changed `[commands]` entry is one
/// row and not a whole table shown twice.
fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// The page: changed keys, then the keys both runs share (folded).
pub fn page(a_rel: &str, b_rel: &str, rows: &[DiffRow]) -> String {
    let mut out = head("config diff", "config diff", "<a href=\"/\">← all runs</a>");
    let run = |rel: &str| format!("<a href=\"/runs/{}/\">{}</a>", href(rel), esc(rel));
    let _ = writeln!(out, "<p>A: {}<br>B: {}</p>", run(a_rel), run(b_rel));
    let (changed, same): (Vec<&DiffRow>, Vec<&DiffRow>) = rows.iter().partition(|r| r.changed());
    if changed.is_empty() {
        out.push_str("<p class=\"counts\">The two configs are the same.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p class=\"counts\">{} of {} keys differ.</p>",
            changed.len(),
            rows.len()
        );
        rows_table(&mut out, &changed, "changed");
    }
    if !same.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} keys the same</summary>",
            same.len()
        );
        rows_table(&mut out, &same, "");
        out.push_str("</details>\n");
    }
    out.push_str(FOOT);
    out
}

fn rows_table(out: &mut String, rows: &[&DiffRow], class: &str) {
    let _ = write!(
        out,
        "<table class=\"diff {class}\"><thead><tr><th>key</th><th>A</th><th>B</th></tr></thead><tbody>"
    );
    let cell = |v: &Option<String>| match v {
        Some(v) => format!("<code>{}</code>", esc(v)),
        None => "<span class=\"rel\">(not set)</span>".to_string(),
    };
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&r.key),
            cell(&r.a),
            cell(&r.b)
        );
    }
    out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_added_and_nested_keys_are_rows() {
        let rows = diff(
            "name = \"t\"\nrate = 20.0\nbug = []\n[commands]\nkill = [\"k\", \"1\"]\n",
            "name = \"t\"\nrate = 40.0\nbug = [\"stale-reads\"]\nseed = 3\n[commands]\nkill = [\"k\", \"2\"]\n",
        )
        .unwrap();
        let changed: Vec<(&str, Option<&str>, Option<&str>)> = rows
            .iter()
            .filter(|r| r.changed())
            .map(|r| (r.key.as_str(), r.a.as_deref(), r.b.as_deref()))
            .collect();
        assert_eq!(
            changed,
            [
                ("bug", Some("[]"), Some("[\"stale-reads\"]")),
                (
                    "commands.kill",
                    Some("[\"k\", \"1\"]"),
                    Some("[\"k\", \"2\"]")
                ),
                ("rate", Some("20.0"), Some("40.0")),
                ("seed", None, Some("3")),
            ]
        );
        assert_eq!(rows.iter().filter(|r| !r.changed()).count(), 1);
        assert!(diff("not = [toml", "").is_err());
    }
}
