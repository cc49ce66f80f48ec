//! Showing input safely: printable text as is; control characters (C0, DEL, C1) and the
//! invisible bidirectional-text controls escaped, so nothing read from a checked repository or
//! the network can send escape sequences to a terminal, or reorder what a reader sees. Paths are
//! escaped losslessly (backslashes and bytes that are not UTF-8 too), so a file name cannot be
//! mistaken for another.

use std::borrow::Cow;
use std::path::Path;

/// Whether `c` must never reach an output raw: C0 controls (tab and newline included), DEL, C1
/// controls, and the bidirectional-text controls (U+061C, U+200E, U+200F, U+202A to U+202E,
/// U+2066 to U+2069) that make text display in another order than it is stored.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` for a report or a terminal: every [unsafe character](is_unsafe_char) written as
/// `\xNN` (below U+0100) or `\u{NNNN}`, everything else kept. Backslashes are left alone, so
/// text already escaped by [`path_to_string`] is not escaped twice. Every printer passes each
/// piece of input-derived text (names, URLs, messages, advice) through this, once.
///
/// ```
/// use acs_preflight::escape_text;
///
/// assert_eq!(escape_text("a\u{1b}]0;title\u{7}b\u{202E}"), "a\\x1B]0;title\\x07b\\u{202E}");
/// assert_eq!(escape_text("prompts/a\\x1B.wav"), "prompts/a\\x1B.wav");
/// ```
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    let _ = if (c as u32) < 0x100 {
        write!(out, "\\x{:02X}", c as u32)
    } else {
        write!(out, "\\u{{{:X}}}", c as u32)
    };
}

/// The path as text: [unsafe characters](is_unsafe_char) become `\xNN` or `\u{NNNN}` as in
/// [`escape_text`], bytes that are not UTF-8 `\xNN`, a backslash `\\`; everything else is kept.
/// Distinct paths give distinct strings.
pub fn path_to_string(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        escape_bytes(path.to_string_lossy().as_bytes())
    }
}

fn needs_escape(c: char) -> bool {
    is_unsafe_char(c) || c == '\\'
}

fn escape_bytes(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.chars().any(needs_escape) {
            return s.to_owned();
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if is_unsafe_char(c) => push_escaped(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_paths_are_unchanged() {
        assert_eq!(
            path_to_string(Path::new("prompts/ünïcode wav.wav")),
            "prompts/ünïcode wav.wav"
        );
    }

    #[test]
    fn control_characters_and_backslashes_are_escaped() {
        assert_eq!(
            path_to_string(Path::new("a\u{1b}[31mred\n.wav")),
            "a\\x1B[31mred\\x0A.wav"
        );
        assert_eq!(path_to_string(Path::new("a\\x41.wav")), "a\\\\x41.wav");
        assert_ne!(
            path_to_string(Path::new("a\\x41.wav")),
            path_to_string(Path::new("aA.wav"))
        );
    }

    #[test]
    fn unsafe_characters_are_escaped_once() {
        let hostile = "a\u{1b}]0;title\u{7}\u{1b}[2J\u{7f}\u{9b}\u{202E}\u{2066}\tz";
        assert_eq!(
            escape_text(hostile),
            "a\\x1B]0;title\\x07\\x1B[2J\\x7F\\x9B\\u{202E}\\u{2066}\\x09z"
        );
        let path = path_to_string(Path::new(hostile));
        assert!(!path.chars().any(is_unsafe_char), "{path}");
        assert_eq!(escape_text(&path), path, "paths are not escaped twice");
        assert!(matches!(escape_text("plain ünïcode"), Cow::Borrowed(_)));
    }

    #[cfg(unix)]
    #[test]
    fn other_bytes_are_escaped() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(OsStr::from_bytes(b"a/\xFFb\xC3.wav"));
        assert_eq!(path_to_string(p), "a/\\xFFb\\xC3.wav");
    }
}
