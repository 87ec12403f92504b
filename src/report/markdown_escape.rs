//! Text put into GitHub-flavoured Markdown: inline text that must not turn
//! into formatting, HTML or a table's cell border, and code blocks whose
//! fence no line of the code can close.

/// Escapes `text` for a Markdown paragraph, list item or table cell.
///
/// A table cell ends at `|` and at a line break; `<` starts raw HTML (a
/// value such as `<nil>` would vanish) and `&` an entity; `*`, `_`, `` ` ``,
/// `[`, `]`, `~` and `\` would start emphasis, code, a link,
/// strike-through or an escape. (`>` matters only at a line's start, where
/// nothing escaped here is put.)
/// Line breaks become spaces, since every place this goes is one line.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {}
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// `code` as a fenced block tagged `info` (e.g. `text`), ending in a line
/// break. The fence is one backtick longer than the longest run of
/// backticks in `code`, and at least three, so the code cannot end it.
pub fn fenced(code: &str, info: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let body = code.trim_end_matches('\n');
    format!("{fence}{info}\n{body}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_format_or_break_a_table_cell() {
        assert_eq!(inline("read <nil>"), "read &lt;nil>");
        assert_eq!(inline("n3 | n1 n2"), "n3 \\| n1 n2");
        assert_eq!(inline("key_1 *x* `y`"), "key\\_1 \\*x\\* \\`y\\`");
        assert_eq!(inline("a\r\nb"), "a b");
        assert_eq!(
            inline("cas [3,1] -> 1 & more"),
            "cas \\[3,1\\] -> 1 &amp; more"
        );
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_inside() {
        assert_eq!(fenced("a\n", "text"), "```text\na\n```\n");
        assert_eq!(fenced("x ```` y", ""), "`````\nx ```` y\n`````\n");
    }
}
