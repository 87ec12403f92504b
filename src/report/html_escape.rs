//! Escaping text for HTML bodies and attribute values.

/// Escapes `&`, `<`, `>`, `"`, `'` (and newlines in attributes).
pub use faultline_checkers::escape_html as esc;

/// Percent-encodes a relative path for an `href`, keeping `/` separators.
pub fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_encodes_paths() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(href("nodes/n 1/log"), "nodes/n%201/log");
    }
}
