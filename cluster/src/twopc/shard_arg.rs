//! A participant group on the coordinator's command line: `1=URL,URL,URL`.

use std::str::FromStr;

/// One shard (Raft group) and the URLs of its nodes as the coordinator
/// reaches them (possibly through proxies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardArg {
    /// The shard's number, 1-based.
    pub index: usize,
    /// Its nodes' URLs.
    pub urls: Vec<String>,
}

impl FromStr for ShardArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (index, urls) = s
            .split_once('=')
            .ok_or_else(|| format!("expected INDEX=URL,URL,..., got {s:?}"))?;
        let index: usize = index
            .parse()
            .map_err(|_| format!("shard index {index:?} is not a number"))?;
        let urls: Vec<String> = urls
            .split(',')
            .filter(|u| !u.is_empty())
            .map(|u| u.trim_end_matches('/').to_string())
            .collect();
        if index == 0 || urls.is_empty() {
            return Err(format!("shard {s:?}: index from 1 and at least one URL"));
        }
        Ok(ShardArg { index, urls })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_index_and_urls() {
        let a: ShardArg = "2=http://a:1/,http://b:2".parse().unwrap();
        assert_eq!(a.index, 2);
        assert_eq!(a.urls, vec!["http://a:1", "http://b:2"]);
        assert!("0=http://a".parse::<ShardArg>().is_err());
        assert!("1=".parse::<ShardArg>().is_err());
        assert!("http://a".parse::<ShardArg>().is_err());
    }
}
