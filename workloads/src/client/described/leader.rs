//! The `[leader]` table: how to tell which node leads (a Redis primary, a
//! Raft leader) by asking each node over HTTP and testing one value of its
//! JSON answer.

use super::error::DescriptionError;
use super::method::Method;
use super::template::{Arguments, Fill, Template};
use super::toml_reader::Field;
use crate::client::http::Endpoint;
use serde_json::Value;

/// Ask every node `method url`; the leader is the node whose answer holds
/// at `pointer` what `test` says.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderQuery {
    /// HTTP method (default GET).
    pub method: Method,
    /// URL template; `{endpoint}` and `{node}` only.
    pub url: Template,
    /// JSON pointer into the answer.
    pub pointer: String,
    /// What a leader's answer holds there.
    pub test: LeaderTest,
}

/// What a leader's answer holds at the query's pointer.
#[derive(Debug, Clone, PartialEq)]
pub enum LeaderTest {
    /// A fixed value (`equals`): a Redis primary's role is `"master"`.
    Equals(Value),
    /// The value at another pointer of the same answer (`equals-pointer`):
    /// an etcd member whose status names itself as leader, its own id being
    /// known only from its answer.
    SameAs(String),
}

const KEYS: [&str; 5] = ["method", "url", "pointer", "equals", "equals-pointer"];

/// A JSON pointer given in `field`: empty or starting with `/`.
fn pointer_in(field: &Field<'_, '_>, what: &str) -> Result<String, DescriptionError> {
    let pointer = field.str("a JSON pointer string")?;
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(field.error(format!(
            "{what}: a JSON pointer (empty or starting with /), found `{pointer}`"
        )));
    }
    Ok(pointer.to_string())
}

pub(super) fn leader_query(f: &Field<'_, '_>) -> Result<LeaderQuery, DescriptionError> {
    let t = f.table(&KEYS)?;
    let method = match t.get("method") {
        Some(m) => {
            let s = m.str("one of GET, PUT, POST, PATCH, DELETE")?;
            Method::parse(s).ok_or_else(|| {
                m.error(format!("one of GET, PUT, POST, PATCH, DELETE, found `{s}`"))
            })?
        }
        None => Method::Get,
    };
    let url_field = t.required("url", "a URL template such as \"{endpoint}/ROLE\"")?;
    let text = url_field.str("a URL template string")?;
    if !text.starts_with("{endpoint}") {
        return Err(url_field.error(format!(
            "a URL template starting with {{endpoint}} (each node is asked), found `{text}`"
        )));
    }
    let url = Template::parse(text, Arguments::Query).map_err(|e| url_field.error(e))?;
    let p = t.required(
        "pointer",
        "a JSON pointer to the value that tells a leader, e.g. \"/ROLE/0\"",
    )?;
    let pointer = pointer_in(&p, "the value that tells a leader")?;
    let test = match t.get("equals-pointer") {
        Some(other) => {
            if t.get("equals").is_some() {
                return Err(other.error(
                    "either `equals` (a fixed value) or `equals-pointer` (another value of \
                     the same answer), not both"
                        .to_string(),
                ));
            }
            LeaderTest::SameAs(pointer_in(
                &other,
                "the answer's own id, e.g. \"/header/member_id\"",
            )?)
        }
        None => LeaderTest::Equals(
            t.required(
                "equals",
                "the value a leader's answer has at `pointer` (or `equals-pointer`: \
                 where the answer holds that value itself)",
            )?
            .to_json(),
        ),
    };
    Ok(LeaderQuery {
        method,
        url,
        pointer,
        test,
    })
}

impl LeaderQuery {
    /// The index of the first of `endpoints` whose answer says it leads;
    /// `None` when no node answers so (or none answers at all).
    pub async fn find(
        &self,
        http: &reqwest::Client,
        headers: &[(String, String)],
        endpoints: &[Endpoint],
    ) -> Option<usize> {
        // Asked together, so a node that hangs costs one timeout, not one per node.
        let mut asks = tokio::task::JoinSet::new();
        for (i, ep) in endpoints.iter().enumerate() {
            let (query, http, headers, ep) =
                (self.clone(), http.clone(), headers.to_vec(), ep.clone());
            asks.spawn(async move { (i, query.is_leader(&http, &headers, &ep).await) });
        }
        let mut leaders = Vec::new();
        while let Some(answer) = asks.join_next().await {
            if let Ok((i, true)) = answer {
                leaders.push(i);
            }
        }
        leaders.into_iter().min()
    }

    async fn is_leader(
        &self,
        http: &reqwest::Client,
        headers: &[(String, String)],
        ep: &Endpoint,
    ) -> bool {
        let fill = Fill {
            endpoint: &ep.url,
            node: &ep.name,
            key: "",
            value: &Value::Null,
            from: &Value::Null,
            to: &Value::Null,
            ops: "",
        };
        let mut req = http.request(self.method.as_reqwest(), self.url.render(&fill));
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let Ok(resp) = req.send().await else {
            return false;
        };
        let Ok(body) = resp.bytes().await else {
            return false;
        };
        let Ok(json) = serde_json::from_slice::<Value>(&body) else {
            return false;
        };
        self.holds(&json)
    }

    /// Whether `answer` is a leader's.
    pub fn holds(&self, answer: &Value) -> bool {
        let Some(v) = answer.pointer(&self.pointer) else {
            return false;
        };
        match &self.test {
            LeaderTest::Equals(expected) => v == expected,
            // A null id (a member that does not know itself yet) leads nothing.
            LeaderTest::SameAs(other) => answer
                .pointer(other)
                .is_some_and(|own| !own.is_null() && own == v),
        }
    }
}
