//! Outcome rules: which statuses and bodies mean ok, fail, unknown or absent.

use faultline_checkers::FailReason;
use serde_json::Value;

/// What a matching response means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The operation took effect (a read's value is taken from the response).
    Ok,
    /// The operation definitely did not take effect, for this reason (the
    /// rule's `reason`, `rejected` when it names none).
    Fail(FailReason),
    /// The operation may or may not have taken effect.
    Unknown,
    /// A read found no value for the key (reads only).
    Absent,
}

impl Outcome {
    /// Parses `ok`, `fail` (as `rejected`), `unknown` or `absent`.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "ok" => Some(Outcome::Ok),
            "fail" => Some(Outcome::Fail(FailReason::Rejected)),
            "unknown" => Some(Outcome::Unknown),
            "absent" => Some(Outcome::Absent),
            _ => None,
        }
    }
}

/// One accepted status: an exact code or a class such as `4xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// Exactly this code.
    Code(u16),
    /// Any code with this hundreds digit.
    Class(u16),
}

impl StatusMatch {
    /// Parses `"4xx"`-style classes.
    pub fn parse_class(s: &str) -> Option<StatusMatch> {
        let b = s.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && &s[1..] == "xx" {
            Some(StatusMatch::Class(u16::from(b[0] - b'0')))
        } else {
            None
        }
    }

    fn matches(self, status: u16) -> bool {
        match self {
            StatusMatch::Code(c) => c == status,
            StatusMatch::Class(c) => status / 100 == c,
        }
    }
}

/// A condition on the JSON body at a pointer.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyCheck {
    /// The pointer resolves (`true`) or does not (`false`).
    Exists(bool),
    /// The pointer resolves to this value.
    Equals(Value),
}

/// One rule; the first rule whose conditions all hold decides.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Accepted statuses (any when empty).
    pub status: Vec<StatusMatch>,
    /// A JSON pointer into the body and what must hold there.
    pub body: Option<(String, BodyCheck)>,
    /// A substring the raw body must contain.
    pub body_contains: Option<String>,
    /// What a match means.
    pub result: Outcome,
}

impl Rule {
    /// Whether the response matches; `json` is the body parsed, if it parsed.
    pub fn matches(&self, status: u16, raw: &[u8], json: Option<&Value>) -> bool {
        if !self.status.is_empty() && !self.status.iter().any(|s| s.matches(status)) {
            return false;
        }
        if let Some(needle) = &self.body_contains
            && !String::from_utf8_lossy(raw).contains(needle.as_str())
        {
            return false;
        }
        match &self.body {
            None => true,
            // A body that is not JSON matches no pointer condition, not even
            // `exists = false`: garbage must not read as an absent key.
            Some((pointer, check)) => json.is_some_and(|j| {
                let found = j.pointer(pointer);
                match check {
                    BodyCheck::Exists(want) => found.is_some() == *want,
                    BodyCheck::Equals(v) => found == Some(v),
                }
            }),
        }
    }
}

/// The outcome of the first matching rule; no match is `Unknown`, the only safe guess.
pub fn decide(rules: &[Rule], status: u16, raw: &[u8]) -> (Outcome, Option<Value>) {
    let json = serde_json::from_slice::<Value>(raw).ok();
    let outcome = rules
        .iter()
        .find(|r| r.matches(status, raw, json.as_ref()))
        .map_or(Outcome::Unknown, |r| r.result);
    (outcome, json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_match_wins_and_no_match_is_unknown() {
        let rules = vec![
            Rule {
                status: vec![StatusMatch::Code(200)],
                body: Some(("/succeeded".into(), BodyCheck::Equals(json!(true)))),
                body_contains: None,
                result: Outcome::Ok,
            },
            Rule {
                status: vec![StatusMatch::Code(200)],
                body: None,
                body_contains: None,
                result: Outcome::Fail(FailReason::Rejected),
            },
            Rule {
                status: vec![StatusMatch::Class(4)],
                body: None,
                body_contains: Some("not_leader".into()),
                result: Outcome::Fail(FailReason::Rejected),
            },
        ];
        assert_eq!(decide(&rules, 200, br#"{"succeeded":true}"#).0, Outcome::Ok);
        assert_eq!(
            decide(&rules, 200, br#"{}"#).0,
            Outcome::Fail(FailReason::Rejected)
        );
        assert_eq!(
            decide(&rules, 200, b"not json").0,
            Outcome::Fail(FailReason::Rejected)
        );
        let absent = vec![Rule {
            status: vec![],
            body: Some(("/kvs".into(), BodyCheck::Exists(false))),
            body_contains: None,
            result: Outcome::Absent,
        }];
        assert_eq!(decide(&absent, 200, b"{}").0, Outcome::Absent);
        assert_eq!(decide(&absent, 200, b"garbage").0, Outcome::Unknown);
        assert_eq!(
            decide(&rules, 421, b"x not_leader y").0,
            Outcome::Fail(FailReason::Rejected)
        );
        assert_eq!(decide(&rules, 421, b"other").0, Outcome::Unknown);
        assert_eq!(decide(&rules, 500, b"").0, Outcome::Unknown);
    }

    #[test]
    fn status_classes() {
        assert_eq!(StatusMatch::parse_class("4xx"), Some(StatusMatch::Class(4)));
        assert_eq!(StatusMatch::parse_class("6xx"), None);
        assert_eq!(StatusMatch::parse_class("40x"), None);
    }
}
