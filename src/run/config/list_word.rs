//! The words of the two options that are lists of kinds plus the words
//! `all` and `none` (`--nemesis partition,kill`, `--checker all`): typed, so
//! a misspelt kind is refused where the flag or the file is read, with the
//! list of allowed words, rather than when the run is built.

use super::choices;
use faultline_checkers::CheckerKind;
use faultline_nemeses::NemesisKind;
use std::fmt;
use std::str::FromStr;

/// One word of `--nemesis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultWord {
    /// A kind of fault.
    Kind(NemesisKind),
    /// Every kind but the opt-in ones (`NemesisKind::IN_ALL`).
    All,
    /// No faults (alone only).
    None,
}

impl FromStr for FaultWord {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "all" => Ok(FaultWord::All),
            "none" => Ok(FaultWord::None),
            word => NemesisKind::ALL
                .into_iter()
                .find(|k| k.as_str() == word)
                .map(FaultWord::Kind)
                .ok_or_else(|| {
                    format!("unknown nemesis `{word}` (expected {})", choices::nemeses())
                }),
        }
    }
}

impl fmt::Display for FaultWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultWord::Kind(k) => f.write_str(k.as_str()),
            FaultWord::All => f.write_str("all"),
            FaultWord::None => f.write_str("none"),
        }
    }
}

/// One word of `--checker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckerWord {
    /// A checker.
    Kind(CheckerKind),
    /// Every checker that judges any keyed history.
    All,
    /// No check.
    None,
}

impl FromStr for CheckerWord {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim();
        if word.eq_ignore_ascii_case("all") {
            return Ok(CheckerWord::All);
        }
        if word.eq_ignore_ascii_case("none") {
            return Ok(CheckerWord::None);
        }
        word.parse::<CheckerKind>()
            .map(CheckerWord::Kind)
            .map_err(|_| {
                format!(
                    "unknown checker `{word}` (expected {})",
                    choices::checkers()
                )
            })
    }
}

impl fmt::Display for CheckerWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckerWord::Kind(k) => f.write_str(k.as_str()),
            CheckerWord::All => f.write_str("all"),
            CheckerWord::None => f.write_str("none"),
        }
    }
}

/// `a,b,c`: a list as the flag takes it.
pub fn joined<T: fmt::Display>(words: &[T]) -> String {
    words
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for k in NemesisKind::ALL {
            let w = FaultWord::Kind(k);
            assert_eq!(w.to_string().parse::<FaultWord>(), Ok(w));
        }
        assert_eq!("all".parse::<FaultWord>(), Ok(FaultWord::All));
        assert_eq!("none".parse::<CheckerWord>(), Ok(CheckerWord::None));
        assert_eq!(
            "set-full".parse::<CheckerWord>(),
            Ok(CheckerWord::Kind(CheckerKind::SetFull))
        );
    }

    #[test]
    fn a_misspelt_word_lists_the_allowed_ones() {
        let e = "partiton".parse::<FaultWord>().unwrap_err();
        assert!(
            e.contains("`partiton`") && e.contains("partition, latency"),
            "{e}"
        );
        let e = "linearisable".parse::<CheckerWord>().unwrap_err();
        assert!(e.contains("linearizable, sequential"), "{e}");
    }
}
