//! The store-description file: what it contains, and how it is read and checked.

use super::commands::{ProcessCommands, commands};
use super::encoding::ValueEncoding;
use super::error::DescriptionError;
use super::leader::{LeaderQuery, leader_query};
use super::method::Method;
use super::route::Route;
use super::rule::{Outcome, Rule};
use super::rule_file::rule;
use super::template::{Arguments, Template};
use super::toml_reader::{Doc, Field, Table};
use super::txn::{TxnOperation, txn_operation};
use crate::workload::{Request, WorkloadKind};
use std::path::Path;

/// One operation of the store: the request to send and how to read the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// URL template (starts with `{endpoint}` or `http://`).
    pub url: Template,
    /// Body template; sent as `application/json` unless headers say otherwise.
    pub body: Option<Template>,
    /// Reads: JSON pointer to the value in an ok response.
    pub value: Option<String>,
    /// Reads: how the value is encoded.
    pub value_encoding: ValueEncoding,
    /// Outcome rules, first match wins.
    pub outcome: Vec<Rule>,
    /// Which node it is sent to.
    pub route: Route,
}

/// A parsed, checked store description.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreDescription {
    /// Human-readable name of the store.
    pub name: String,
    /// Node base URLs (nodes are named n1, n2, ...); `--endpoints` overrides them.
    pub endpoints: Vec<String>,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Read a key.
    pub read: Operation,
    /// Overwrite a key.
    pub write: Option<Operation>,
    /// Compare-and-set a key.
    pub cas: Option<Operation>,
    /// Append to a key's list (append, set and counter workloads).
    pub append: Option<Operation>,
    /// A transaction endpoint (list-append and rw-register workloads).
    pub txn: Option<TxnOperation>,
    /// Process and network commands for nemeses against nodes the harness did not start.
    pub commands: Option<ProcessCommands>,
    /// How to find the leader by asking the nodes.
    pub leader: Option<LeaderQuery>,
}

const TOP_KEYS: [&str; 10] = [
    "name",
    "endpoints",
    "headers",
    "read",
    "write",
    "cas",
    "append",
    "txn",
    "commands",
    "leader",
];
const OP_KEYS: [&str; 7] = [
    "method",
    "endpoint",
    "url",
    "body",
    "value",
    "value-encoding",
    "outcome",
];
impl StoreDescription {
    /// Reads and checks the description in `path`.
    pub fn from_file(path: &Path) -> Result<StoreDescription, DescriptionError> {
        let text = std::fs::read_to_string(path).map_err(|e| DescriptionError::Read {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        StoreDescription::parse(path, &text)
    }

    /// Checks the description `text`; errors name `path`.
    pub fn parse(path: &Path, text: &str) -> Result<StoreDescription, DescriptionError> {
        let doc = Doc::new(path, text);
        let root = doc.parse()?;
        let top = Table::root(&doc, &root, &TOP_KEYS)?;
        let name = match top.get("name") {
            Some(f) => f.str("a string")?.to_string(),
            None => String::new(),
        };
        let endpoints = match top.get("endpoints") {
            Some(f) => {
                let list = f.string_list("an array of http:// URLs")?;
                for (i, url) in list.iter().enumerate() {
                    if !url.starts_with("http://") {
                        return Err(f.error(format!(
                            "an array of http:// URLs, found `{url}` at index {i}"
                        )));
                    }
                }
                list
            }
            None => Vec::new(),
        };
        let headers = match top.get("headers") {
            Some(f) => headers(&f)?,
            None => Vec::new(),
        };
        let read = operation(
            &top.required("read", "a table describing the read request")?,
            Arguments::None,
            true,
        )?;
        let write = top
            .get("write")
            .map(|f| operation(&f, Arguments::Value, false))
            .transpose()?;
        let cas = top
            .get("cas")
            .map(|f| operation(&f, Arguments::FromTo, false))
            .transpose()?;
        let append = top
            .get("append")
            .map(|f| operation(&f, Arguments::Value, false))
            .transpose()?;
        if write.is_none() && append.is_none() {
            return Err(top.error(
                "a `write` or an `append` table (a store nothing can be written to cannot be tested)",
            ));
        }
        let txn = top.get("txn").map(|f| txn_operation(&f)).transpose()?;
        let commands = top.get("commands").map(|f| commands(&f)).transpose()?;
        let leader = top.get("leader").map(|f| leader_query(&f)).transpose()?;
        let described = StoreDescription {
            name,
            endpoints,
            headers,
            read,
            write,
            cas,
            append,
            txn,
            commands,
            leader,
        };
        if described.leader.is_none()
            && let Some((name, _)) = described
                .routes()
                .into_iter()
                .find(|(_, r)| **r == Route::Leader)
            && let Some(f) = top.get(name)
        {
            return Err(f.error(
                "a `[leader]` table in the file, since this operation has endpoint = \"leader\" \
                 (faultline must ask the nodes which one leads)",
            ));
        }
        Ok(described)
    }
    /// The operations and the route each takes, for checks against the endpoints.
    pub fn routes(&self) -> Vec<(&'static str, &Route)> {
        [
            ("read", Some(&self.read)),
            ("write", self.write.as_ref()),
            ("cas", self.cas.as_ref()),
            ("append", self.append.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, op)| op.map(|o| (name, &o.route)))
        .chain(self.txn.as_ref().map(|t| ("txn", &t.route)))
        .collect()
    }

    /// The operations `workload` needs that this description lacks; a
    /// dotted name (`txn.append`) is a template of a table that is there.
    pub fn missing_for(&self, workload: WorkloadKind) -> Vec<&'static str> {
        let txn = self.txn.as_ref();
        let mut missing = Vec::new();
        for request in workload.requests() {
            missing.extend(match request {
                // Every description has a read.
                Request::Read => None,
                Request::Write => self.write.is_none().then_some("write"),
                Request::Cas => self.cas.is_none().then_some("cas"),
                Request::Append => self.append.is_none().then_some("append"),
                // Store descriptions have no lock operations or transfers
                // (a transfer is two adds, which a [txn] table cannot express).
                Request::Acquire => Some("acquire"),
                Request::Release => Some("release"),
                Request::Transfer => Some("transfer"),
                // The template is named only when the table is there.
                Request::TxnAppend => match txn {
                    None => Some("txn"),
                    Some(t) => t.append.is_none().then_some("txn.append"),
                },
                Request::TxnWrite => match txn {
                    None => Some("txn"),
                    Some(t) => t.write.is_none().then_some("txn.write"),
                },
            });
        }
        missing
    }
}

fn headers(f: &Field<'_, '_>) -> Result<Vec<(String, String)>, DescriptionError> {
    let mut out = Vec::new();
    let entries = f.table_entries()?;
    for (name, value) in entries {
        let v = value.str("a string header value")?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(value.error("a header name of letters, digits and dashes"));
        }
        out.push((name, v.to_string()));
    }
    Ok(out)
}

fn operation(
    f: &Field<'_, '_>,
    args: Arguments,
    is_read: bool,
) -> Result<Operation, DescriptionError> {
    let allowed: &[&str] = if is_read {
        &OP_KEYS
    } else {
        &["method", "endpoint", "url", "body", "outcome"]
    };
    let t = f.table(allowed)?;
    let method_field = t.required("method", "one of GET, PUT, POST, PATCH, DELETE")?;
    let m = method_field.str("one of GET, PUT, POST, PATCH, DELETE")?;
    let method = Method::parse(m).ok_or_else(|| {
        method_field.error(format!("one of GET, PUT, POST, PATCH, DELETE, found `{m}`"))
    })?;
    let url_field = t.required("url", "a URL template such as \"{endpoint}/kv/{key}\"")?;
    let url_text = url_field.str("a URL template string")?;
    let url = Template::parse(url_text, args).map_err(|e| url_field.error(e))?;
    if !url_text.starts_with("{endpoint}") && !url_text.starts_with("http://") {
        return Err(url_field.error(format!(
            "a URL template starting with {{endpoint}} or http://, found `{url_text}`"
        )));
    }
    let body = match t.get("body") {
        Some(b) => {
            let text = b.str("a body template string")?;
            Some(Template::parse(text, args).map_err(|e| b.error(e))?)
        }
        None => None,
    };
    let value = if is_read {
        let v = t.required(
            "value",
            "a JSON pointer to the value in the response, e.g. \"/value\"",
        )?;
        let p = v.str("a JSON pointer string")?;
        if !p.is_empty() && !p.starts_with('/') {
            return Err(v.error(format!(
                "a JSON pointer (empty or starting with /), found `{p}`"
            )));
        }
        Some(p.to_string())
    } else {
        None
    };
    let value_encoding = match t.get("value-encoding") {
        Some(e) => {
            let s = e.str("one of json, json-text, base64-json")?;
            ValueEncoding::parse(s).ok_or_else(|| {
                e.error(format!("one of json, json-text, base64-json, found `{s}`"))
            })?
        }
        None => ValueEncoding::Json,
    };
    let rules_field = t.required(
        "outcome",
        "an array of [[...outcome]] rules saying which responses are ok, fail or unknown",
    )?;
    let items = rules_field.array("an array of tables ([[...outcome]] rules)")?;
    if items.is_empty() {
        return Err(rules_field.error("at least one rule"));
    }
    let outcome = items
        .iter()
        .map(|item| rule(item, is_read, args == Arguments::FromTo))
        .collect::<Result<Vec<Rule>, _>>()?;
    if !outcome.iter().any(|r| r.result == Outcome::Ok) {
        return Err(rules_field.error("at least one rule with result = \"ok\""));
    }
    let route = match t.get("endpoint") {
        Some(e) => Route::parse(&e)?,
        None => Route::Any,
    };
    Ok(Operation {
        method,
        url,
        body,
        value,
        value_encoding,
        outcome,
        route,
    })
}
