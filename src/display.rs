//! Showing paths losslessly and safely: printable text as is; control characters, backslashes and
//! bytes that are not UTF-8 escaped, so a file name can neither be mistaken for another nor send
//! escape sequences to a terminal.

use std::path::Path;

/// The path as text: control characters and non-UTF-8 bytes become `\xNN`, a backslash becomes
/// `\\`, everything else is kept. Distinct paths give distinct strings.
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
    c.is_control() || c == '\\'
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
                c if c.is_control() && (c as u32) < 0x100 => {
                    out.push_str(&format!("\\x{:02X}", c as u32));
                }
                c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
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

    #[cfg(unix)]
    #[test]
    fn other_bytes_are_escaped() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(OsStr::from_bytes(b"a/\xFFb\xC3.wav"));
        assert_eq!(path_to_string(p), "a/\\xFFb\\xC3.wav");
    }
}
