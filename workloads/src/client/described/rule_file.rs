//! Reading one outcome rule of a store-description file: its result and
//! reason, the statuses and the body it matches.

use super::error::DescriptionError;
use super::rule::{BodyCheck, Outcome, Rule, StatusMatch};
use super::toml_reader::Field;
use faultline_checkers::FailReason;

/// The keys an outcome rule may have.
const RULE_KEYS: [&str; 7] = [
    "status",
    "pointer",
    "exists",
    "equals",
    "body-contains",
    "result",
    "reason",
];

/// One outcome rule: a read's may say `absent`, and only a cas's may give
/// `cas-mismatch` as its reason.
pub(super) fn rule(
    f: &Field<'_, '_>,
    is_read: bool,
    is_cas: bool,
) -> Result<Rule, DescriptionError> {
    let t = f.table(&RULE_KEYS)?;
    let results = if is_read {
        "one of ok, fail, unknown, absent"
    } else {
        "one of ok, fail, unknown"
    };
    let result_field = t.required("result", results)?;
    let r = result_field.str(results)?;
    let mut result = Outcome::parse(r)
        .filter(|o| is_read || *o != Outcome::Absent)
        .ok_or_else(|| result_field.error(format!("{results}, found `{r}`")))?;
    if let Some(field) = t.get("reason") {
        result = fail_reason(&field, result, is_cas)?;
    }
    let status = match t.get("status") {
        None => Vec::new(),
        Some(s) => {
            let items = if s.is_array() {
                s.array("")?
            } else {
                vec![s.clone()]
            };
            if items.is_empty() {
                return Err(s.error("a status code, a class such as \"5xx\", or an array of them; found an empty array"));
            }
            items
                .iter()
                .map(|item| {
                    const WHAT: &str = "a status code (100-599) or a class such as \"4xx\"";
                    if let Some(code) = item.as_integer() {
                        if (100..=599).contains(&code) {
                            return Ok(StatusMatch::Code(code as u16));
                        }
                        return Err(item.error(format!("{WHAT}, found {code}")));
                    }
                    let s = item.str(WHAT)?;
                    StatusMatch::parse_class(s)
                        .ok_or_else(|| item.error(format!("{WHAT}, found `{s}`")))
                })
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    let pointer = match t.get("pointer") {
        Some(p) => {
            let s = p.str("a JSON pointer string")?;
            if !s.is_empty() && !s.starts_with('/') {
                return Err(p.error(format!(
                    "a JSON pointer (empty or starting with /), found `{s}`"
                )));
            }
            Some(s.to_string())
        }
        None => None,
    };
    let exists = t.get("exists");
    let equals = t.get("equals");
    let check = match (&exists, &equals) {
        (Some(_), Some(e)) => {
            return Err(e.error("either `exists` or `equals` in one rule, not both"));
        }
        (Some(e), None) => Some((e, BodyCheck::Exists(e.bool("true or false")?))),
        (None, Some(e)) => Some((e, BodyCheck::Equals(e.to_json()))),
        (None, None) => None,
    };
    let body = match (pointer, check) {
        (Some(p), Some((_, c))) => Some((p, c)),
        (Some(p), None) => Some((p, BodyCheck::Exists(true))),
        (None, Some((field, _))) => {
            return Err(field.error("a `pointer` in the same rule to say where to look"));
        }
        (None, None) => None,
    };
    let body_contains = t
        .get("body-contains")
        .map(|b| b.str("a string").map(str::to_string))
        .transpose()?;
    Ok(Rule {
        status,
        body,
        body_contains,
        result,
    })
}

/// A fail rule's `reason`: one of the history's reasons; `cas-mismatch` (an
/// observation the checkers rely on) only where a comparison can fail.
fn fail_reason(
    field: &Field<'_, '_>,
    result: Outcome,
    is_cas: bool,
) -> Result<Outcome, DescriptionError> {
    let names: Vec<&str> = FailReason::ALL.iter().map(|r| r.as_str()).collect();
    let expected = format!("one of {}", names.join(", "));
    let text = field.str(&expected)?;
    let reason = FailReason::parse(text)
        .ok_or_else(|| field.error(format!("{expected}, found `{text}`")))?;
    if !matches!(result, Outcome::Fail(_)) {
        return Err(field.error(
            "`reason` only in a rule with result = \"fail\" (it says why nothing was applied)",
        ));
    }
    if reason == FailReason::CasMismatch && !is_cas {
        return Err(field.error(
            "a reason other than `cas-mismatch` here: only a cas rule can report a failed comparison",
        ));
    }
    Ok(Outcome::Fail(reason))
}
