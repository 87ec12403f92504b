//! Running argv commands (never shell strings) with placeholder substitution.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use crate::error::NemesisError;

/// Replaces each `{name}` in each argument by its value; other braces stay as
/// they are (nft and jq syntax use braces). One pass, so values are never
/// re-expanded, re-split or re-interpreted: a node name cannot inject arguments.
pub fn substitute(argv: &[String], values: &BTreeMap<&str, &str>) -> Vec<String> {
    argv.iter().map(|arg| substitute_one(arg, values)).collect()
}

fn substitute_one(arg: &str, values: &BTreeMap<&str, &str>) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let replaced = after.find('}').and_then(|close| {
            values
                .get(&after[..close])
                .map(|value| (value, &after[close + 1..]))
        });
        match replaced {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Runs `argv`, returning its stdout; non-zero exit or timeout is an error
/// naming the command, its status and the end of its stderr.
pub async fn run_argv(argv: &[String], timeout: Duration) -> Result<String, NemesisError> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| NemesisError::BadCommand("empty command".into()))?;
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A timed-out command must not linger and keep faulting the system.
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| NemesisError::io(format!("starting {argv:?}"), e))?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(out) => out.map_err(|e| NemesisError::io(format!("running {argv:?}"), e))?,
        Err(_) => {
            return Err(NemesisError::CommandTimeout {
                argv: argv.to_vec(),
                timeout,
            });
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = {
            let chars: Vec<char> = stderr.trim().chars().collect();
            chars[chars.len().saturating_sub(2000)..].iter().collect()
        };
        return Err(NemesisError::CommandFailed {
            argv: argv.to_vec(),
            status: output.status.to_string(),
            stderr: tail,
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_whole_and_embedded_placeholders_only() {
        let argv: Vec<String> = [
            "ssh",
            "{host}",
            "kill -STOP $(cat /run/{node}.pid)",
            "{ unknown }",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let values = BTreeMap::from([("node", "n1"), ("host", "10.0.0.1")]);
        assert_eq!(
            substitute(&argv, &values),
            vec![
                "ssh",
                "10.0.0.1",
                "kill -STOP $(cat /run/n1.pid)",
                "{ unknown }"
            ]
        );
    }

    #[test]
    fn values_are_not_expanded_again() {
        let argv = vec!["{host}:{node}{".to_string(), "{{node}}".to_string()];
        let values = BTreeMap::from([("node", "n1"), ("host", "{node}")]);
        assert_eq!(substitute(&argv, &values), vec!["{node}:n1{", "{n1}"]);
    }

    #[test]
    fn a_value_with_spaces_stays_one_argument() {
        let argv = vec!["touch".to_string(), "{node}".to_string()];
        let values = BTreeMap::from([("node", "a b; rm -rf /")]);
        assert_eq!(substitute(&argv, &values), vec!["touch", "a b; rm -rf /"]);
    }
}
