//! Quoting argv elements for the remote shell: `ssh` joins its arguments
//! with spaces and hands the line to the login shell, so every element is
//! quoted to arrive as exactly one word, whatever characters it holds.

/// `arg` as one POSIX shell word: bare when it holds only characters no
/// shell treats specially, otherwise in single quotes (a single quote
/// inside becomes `'\''`).
pub fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
    if plain {
        return arg.to_string();
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `argv` as one remote command line, each element one word.
pub fn command_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_word(a))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_others_are_quoted() {
        assert_eq!(shell_word("nft"), "nft");
        assert_eq!(shell_word("10.0.0.1:7000"), "10.0.0.1:7000");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("{"), "'{'");
    }

    #[test]
    fn a_quoted_line_splits_back_into_the_same_argv() {
        let argv: Vec<String> = ["sh", "-c", "echo \"$1\"; x='y'", "a;b", "it's", "", "*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let line = command_line(&argv);
        // The system shell is the judge of how a line splits.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {line}"))
            .output()
            .unwrap();
        let back: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(|s| s.to_string())
            .collect();
        assert_eq!(back, argv);
    }
}
