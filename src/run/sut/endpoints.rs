//! Endpoints given as `URL` or `URL=weight`, and the weights a run uses.

use anyhow::{Context, bail};
use faultline_workloads::client::Endpoint;

/// Parses `URL` or `URL=weight` entries; nodes are named n1, n2, ...
pub fn parse_endpoints(raw: &[String]) -> anyhow::Result<(Vec<Endpoint>, Vec<u32>)> {
    let mut endpoints = Vec::new();
    let mut weights = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let entry = entry.trim();
        let (url, weight) = match entry.rsplit_once('=') {
            Some((url, w)) => (
                url,
                w.parse::<u32>()
                    .with_context(|| format!("endpoint `{entry}`: weight `{w}` is not a number"))?,
            ),
            None => (entry, 1),
        };
        if !url.starts_with("http://") && !url.starts_with("https://") {
            bail!("endpoint `{entry}` is not an http:// URL");
        }
        endpoints.push(Endpoint::new(format!("n{}", i + 1), url));
        weights.push(weight);
    }
    Ok((endpoints, weights))
}

/// `--weights` when it has one per endpoint, else `parsed` (from
/// `URL=weight`, or 1 each).
pub fn pick_weights(given: &[u32], parsed: Vec<u32>) -> Vec<u32> {
    if given.len() == parsed.len() {
        given.to_vec()
    } else {
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_with_weights() {
        let (e, w) =
            parse_endpoints(&["http://127.0.0.1:1/".into(), "http://127.0.0.1:2=3".into()])
                .unwrap();
        assert_eq!(e[0].url, "http://127.0.0.1:1");
        assert_eq!(e[1].name, "n2");
        assert_eq!(w, vec![1, 3]);
        assert!(parse_endpoints(&["localhost:1".into()]).is_err());
        assert!(parse_endpoints(&["http://x=y".into()]).is_err());
    }
}
