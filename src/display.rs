//! Showing input safely: printable text as is; control characters (C0, DEL, C1) and the
//! invisible bidirectional-text controls escaped, so nothing read from a checked repository or
//! the network can send escape sequences to a terminal, or reorder what a reader sees. Paths are
//! escaped losslessly (backslashes and bytes that are not UTF-8 too), so a file name cannot be
//! mistaken for another.

use std::borrow::Cow;
use std::path::Path;

/// Whether `c` must never reach an output raw: C0 controls (tab and newline included), DEL, C1
/// controls, the line and paragraph separators (U+2028, U+2029) that log viewers and
/// JavaScript break lines at, and the bidirectional-text controls (U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069) that make text display in another order than it is stored.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
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
/// // Azure Pipelines reads `##vso[...]` anywhere in a log line: never raw.
/// assert_eq!(escape_text("##vso[task.setvariable variable=X]y.wav"), "\\x23#vso[task.setvariable variable=X]y.wav");
/// // GitHub Actions reads `::command::` at the start of a line: text never starts one.
/// assert_eq!(escape_text("::error::pwned.wav"), "\\x3A:error::pwned.wav");
/// ```
pub fn escape_text(text: &str) -> Cow<'_, str> {
    let command_start = workflow_command_at(text);
    if !text.chars().any(is_unsafe_char) && !text.contains("##") && command_start.is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if is_unsafe_char(c)
            || (c == '#' && starts_log_command(&text[i..]))
            || command_start == Some(i)
        {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `text` starts an Azure Pipelines logging command (`##vso[`, in any case) or
/// formatting command (`##[`), which the agent reads anywhere in a line of the log: its first
/// `#` is escaped, so a file name or a message cannot set a pipeline variable.
fn starts_log_command(text: &str) -> bool {
    let b = text.as_bytes();
    b.starts_with(b"##[") || (b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"##vso["))
}

/// Where `text` starts a GitHub Actions workflow command (`::` after any leading white space),
/// which the runner reads at the start of a line of the log: the first `:` there is escaped, so
/// a file name or a message that begins a line cannot add annotations or stop the commands.
fn workflow_command_at(text: &str) -> Option<usize> {
    let start = text.len() - text.trim_start().len();
    text[start..].starts_with("::").then_some(start)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    let _ = if (c as u32) < 0x100 {
        write!(out, "\\x{:02X}", c as u32)
    } else {
        write!(out, "\\u{{{:X}}}", c as u32)
    };
}

/// The path as text, the same on every run, and distinct paths give distinct strings.
///
/// - On Unix, the path as given: `/` separates, a backslash (a legal character in a file name)
///   is shown as `\\`, a byte that is not UTF-8 as `\xNN`, and an
///   [unsafe character](is_unsafe_char) as in [`escape_text`], except that those from U+0080 on
///   are always written `\u{NNNN}` (so a C1 control is never mistaken for a byte that is not
///   UTF-8).
/// - On Windows, where `\` and `/` both separate and neither can be in a file name, the
///   components joined by one `\` (`fixtures/valid` and a walked `a.wav` give
///   `fixtures\valid\a.wav`, as Windows users write it; `a//b` and `a/./b` give `a\b`, the same
///   [`Path`]). Unsafe characters are escaped as on Unix (C0 controls `\xNN`, the rest, and
///   UTF-16 that is not Unicode, `\u{NNNN}`), so a backslash is a separator unless `\xNN` or
///   `\u{…}` follows it. A name that would read as such an escape after a separator (`x1B.wav`)
///   has its first letter escaped (`dir\\x781B.wav`).
pub fn path_to_string(path: &Path) -> String {
    without_log_commands(path_text(path))
}

/// `text` with the first `#` of every Azure Pipelines logging or formatting command escaped
/// (`\x23`), and the first `:` of a GitHub Actions workflow command at its start (`\x3A`), as
/// [`escape_text`] does; lossless, since a backslash of the path itself is shown otherwise.
fn without_log_commands(text: String) -> String {
    let command_start = workflow_command_at(&text);
    if !text.contains("##") && command_start.is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if command_start == Some(i) {
            out.push_str("\\x3A");
        } else if c == '#' && starts_log_command(&text[i..]) {
            out.push_str("\\x23");
        } else {
            out.push(c);
        }
    }
    out
}

fn path_text(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(path.as_os_str().as_bytes())
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        use std::path::Component;
        let wide = |s: &std::ffi::OsStr| s.encode_wide().collect::<Vec<u16>>();
        windows_text(path.components().map(|c| match c {
            Component::Prefix(p) => Piece::Prefix(wide(p.as_os_str())),
            Component::RootDir => Piece::Root,
            c => Piece::Name(wide(c.as_os_str())),
        }))
    }
    #[cfg(not(any(unix, windows)))]
    {
        escape_bytes(path.to_string_lossy().as_bytes())
    }
}

#[cfg(not(windows))]
fn needs_escape(c: char) -> bool {
    is_unsafe_char(c) || c == '\\'
}

/// An unsafe character in a path: `\xNN` below U+0080 (where no byte that is not UTF-8 can be),
/// `\u{NNNN}` from there on.
fn push_path_escaped(out: &mut String, c: char) {
    if (c as u32) < 0x80 {
        push_escaped(out, c);
    } else {
        out.push_str(&format!("\\u{{{:X}}}", c as u32));
    }
}

#[cfg(not(windows))]
fn escape_bytes(bytes: &[u8]) -> String {
    // Nearly every name is printable ASCII without a backslash: nothing to escape, nothing to
    // decode (a scan turns every file's path into text).
    let plain = bytes.iter().fold(true, |plain, &b| {
        plain & matches!(b, b' '..=b'~') & (b != b'\\')
    });
    if plain {
        return String::from_utf8_lossy(bytes).into_owned();
    }
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
                c if is_unsafe_char(c) => push_path_escaped(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// One component of a Windows path, as UTF-16 (which need not be valid).
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) enum Piece {
    /// `C:`, `\\server\share`, `\\?\C:`: shown as written (its backslashes are separators).
    Prefix(Vec<u16>),
    /// The root `\` after a prefix, or at the start.
    Root,
    /// A name, `.` or `..`.
    Name(Vec<u16>),
}

/// The Windows form of [`path_to_string`], from the path's components (a pure function, so it
/// is tested on every platform).
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn windows_text(pieces: impl IntoIterator<Item = Piece>) -> String {
    let mut out = String::new();
    // Whether the last thing written is a separator, or a name that needs one before the next.
    let (mut after_sep, mut needs_sep) = (false, false);
    for piece in pieces {
        match piece {
            Piece::Prefix(units) => {
                push_units(&mut out, &units);
                (after_sep, needs_sep) = (out.ends_with(['\\', '/']), false);
            }
            Piece::Root => {
                out.push('\\');
                (after_sep, needs_sep) = (true, false);
            }
            Piece::Name(units) => {
                if needs_sep {
                    out.push('\\');
                    after_sep = true;
                }
                let start = out.len();
                push_units(&mut out, &units);
                if after_sep && reads_as_escape(&out[start..]) {
                    // The first letter is `x` or `u`: escape it so that the separator stays one.
                    let first = out.as_bytes()[start];
                    out.replace_range(start..start + 1, &format!("\\x{first:02X}"));
                }
                (after_sep, needs_sep) = (false, true);
            }
        }
    }
    out
}

/// Text, with unsafe characters (and UTF-16 that is not Unicode) escaped as in paths.
fn push_units(out: &mut String, units: &[u16]) {
    for c in char::decode_utf16(units.iter().copied()) {
        match c {
            Ok(c) if is_unsafe_char(c) => push_path_escaped(out, c),
            Ok(c) => out.push(c),
            Err(e) => out.push_str(&format!("\\u{{{:X}}}", e.unpaired_surrogate())),
        }
    }
}

/// Whether `text` begins like an escape of [`path_to_string`] once a backslash is put before
/// it: `x` and two hex digits, or `u{`.
fn reads_as_escape(text: &str) -> bool {
    let b = text.as_bytes();
    match b {
        [b'x', h, l, ..] => is_hex(*h) && is_hex(*l),
        [b'u', b'{', ..] => true,
        _ => false,
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// The components of a path shown by [`path_to_string`] on Windows (`windows`) or Unix, decoded
/// back to their bytes (UTF-8 on Windows; UTF-16 that is not Unicode becomes U+FFFD) and split
/// at the separators. Empty components (from a leading separator or a `\\server` prefix) are
/// kept, so a path that starts at a root begins with an empty one.
pub fn path_components(shown: &str, windows: bool) -> Vec<Vec<u8>> {
    let mut parts = vec![Vec::new()];
    let mut rest = shown;
    while let Some(c) = rest.chars().next() {
        let part = parts.last_mut().expect("never empty");
        rest = &rest[c.len_utf8()..];
        if c == '/' {
            parts.push(Vec::new());
            continue;
        }
        if c != '\\' {
            part.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            continue;
        }
        if let Some((code, len)) = escape_at(rest) {
            rest = &rest[len..];
            let c = match code {
                // `\xNN` on Unix is a byte (a character below U+0080, or a byte not UTF-8).
                Code::Byte(b) if !windows => {
                    part.push(b);
                    continue;
                }
                Code::Byte(b) => char::from(b),
                Code::Char(c) => c,
            };
            part.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        } else if windows {
            parts.push(Vec::new());
        } else if let Some(r) = rest.strip_prefix('\\') {
            part.push(b'\\');
            rest = r;
        } else {
            part.push(b'\\');
        }
    }
    parts
}

enum Code {
    Byte(u8),
    Char(char),
}

/// The escape after a backslash at the start of `text` (`xNN` or `u{N…}`), and its length.
fn escape_at(text: &str) -> Option<(Code, usize)> {
    let b = text.as_bytes();
    if let [b'x', h, l, ..] = b {
        if is_hex(*h) && is_hex(*l) {
            let v = u8::from_str_radix(&text[1..3], 16).ok()?;
            return Some((Code::Byte(v), 3));
        }
    }
    let inner = text.strip_prefix("u{")?;
    let end = inner.find('}')?;
    let v = u32::from_str_radix(&inner[..end], 16).ok()?;
    let c = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
    Some((Code::Char(c), end + 3))
}

use percent_encoding::{AsciiSet, CONTROLS};

/// Characters escaped in a path made into a URI reference (RFC 3986): all but unreserved
/// characters and `/`.
pub(crate) const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':');

/// What is escaped in one path component of a URI (a SARIF artifact, a `--deployed-at` URL):
/// [`URI_PATH`] and `/`.
pub(crate) const URI_SEGMENT: &AsciiSet = &URI_PATH.add(b'/');

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

    #[cfg(unix)]
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
        let hostile =
            "a\u{1b}]0;title\u{7}\u{1b}[2J\u{7f}\u{9b}\u{202E}\u{2066}\tz\u{2028}\u{2029}";
        assert_eq!(
            escape_text(hostile),
            "a\\x1B]0;title\\x07\\x1B[2J\\x7F\\x9B\\u{202E}\\u{2066}\\x09z\\u{2028}\\u{2029}"
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

    /// Azure Pipelines reads `##vso[` and `##[` anywhere in a log line.
    #[test]
    fn azure_logging_commands_never_reach_a_log_raw() {
        for text in [
            "##vso[task.setvariable variable=EVIL]x",
            "a ##VSO[task.complete result=Succeeded]",
            "##[error]forged",
        ] {
            let shown = escape_text(text);
            assert!(!shown.contains("##") && shown.contains("\\x23#"), "{shown}");
            assert_eq!(escape_text(&shown), shown, "escaping twice changes nothing");
        }
        assert_eq!(escape_text("# one #hash ## two"), "# one #hash ## two");
        let path = Path::new("prompts").join("##vso[task.setvariable variable=EVIL]y.wav");
        let shown = path_to_string(&path);
        assert!(
            shown.ends_with("\\x23#vso[task.setvariable variable=EVIL]y.wav"),
            "{shown}"
        );
    }

    /// U+009B (bytes C2 9B) and the lone byte 9B were both shown `\x9B`.
    #[cfg(unix)]
    #[test]
    fn a_c1_control_and_a_byte_not_utf8_are_shown_apart() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let c1 = path_to_string(Path::new(OsStr::from_bytes(b"a\xC2\x9B.wav")));
        let byte = path_to_string(Path::new(OsStr::from_bytes(b"a\x9B.wav")));
        assert_eq!((c1.as_str(), byte.as_str()), ("a\\u{9B}.wav", "a\\x9B.wav"));
    }

    fn name(s: &str) -> Piece {
        Piece::Name(s.encode_utf16().collect())
    }

    fn prefix(s: &str) -> Piece {
        Piece::Prefix(s.encode_utf16().collect())
    }

    /// As on Windows: `fixtures/valid` named, `a.wav` found by the walk.
    #[test]
    fn windows_paths_use_one_backslash_throughout() {
        let walked = [name("fixtures"), name("valid"), name("prompt a.wav")];
        assert_eq!(windows_text(walked), "fixtures\\valid\\prompt a.wav");
        let abs = [prefix("C:"), Piece::Root, name("prompts"), name("a.wav")];
        assert_eq!(windows_text(abs), "C:\\prompts\\a.wav");
        let unc = [prefix("\\\\srv\\share"), Piece::Root, name("a.wav")];
        assert_eq!(windows_text(unc), "\\\\srv\\share\\a.wav");
        assert_eq!(windows_text([name(".."), name("a.wav")]), "..\\a.wav");
    }

    #[test]
    fn windows_paths_escape_controls_and_stay_distinct() {
        let controls = windows_text([name("d"), name("a\u{7f}\u{9b}\u{202e}.wav")]);
        assert_eq!(controls, "d\\a\\x7F\\u{9B}\\u{202E}.wav");
        // A name that reads like an escape after a separator, and the control it would read as.
        let lookalike = windows_text([name("d"), name("x7F.wav")]);
        let control = windows_text([name("d"), name("\u{7f}.wav")]);
        let joined = windows_text([name("d\u{7f}.wav")]);
        assert_eq!(lookalike, "d\\\\x787F.wav");
        assert_eq!(control, "d\\\\x7F.wav");
        assert_eq!(joined, "d\\x7F.wav");
        assert_eq!(windows_text([name("x7F.wav")]), "x7F.wav");
        assert_eq!(windows_text([name("d"), name("x7G.wav")]), "d\\x7G.wav");
        assert_eq!(windows_text([name("d"), name("u{1}")]), "d\\\\x75{1}");
        let lone = Piece::Name(vec![u16::from(b'a'), 0xD800]);
        assert_eq!(windows_text([name("d"), lone]), "d\\a\\u{D800}");
        for shown in [&controls, &lookalike, &control, &joined] {
            assert_eq!(escape_text(shown), shown.as_str(), "not escaped twice");
        }
    }

    fn parts(shown: &str, windows: bool) -> Vec<String> {
        path_components(shown, windows)
            .into_iter()
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .collect()
    }

    #[test]
    fn shown_paths_decode_to_their_components() {
        let w = |pieces: Vec<Piece>| parts(&windows_text(pieces), true);
        assert_eq!(
            w(vec![name("fixtures"), name("valid"), name("a.wav")]),
            ["fixtures", "valid", "a.wav"]
        );
        assert_eq!(
            w(vec![name("d"), name("x7F.wav"), name("\u{7f}\u{9b}")]),
            ["d", "x7F.wav", "\u{7f}\u{9b}"]
        );
        assert_eq!(
            w(vec![prefix("C:"), Piece::Root, name("u{1}")]),
            ["C:", "u{1}"]
        );
        assert_eq!(parts("C:/a\\b", true), ["C:", "a", "b"]);
        // On Unix a backslash is part of a name, `\\xNN` a byte.
        assert_eq!(parts("/d/a\\\\b\\x1B", false), ["", "d", "a\\b\u{1b}"]);
        assert_eq!(
            path_components("a\\xFF\\u{9B}", false),
            [b"a\xFF\xC2\x9B".to_vec()]
        );
    }

    #[cfg(unix)]
    #[test]
    fn unix_paths_decode_to_their_bytes() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let raw: &[u8] = b"/p/a\\x41\\\\b\x1b\xc2\x9b\x9b\xe2\x80\xae.wav";
        let shown = path_to_string(Path::new(OsStr::from_bytes(raw)));
        assert_eq!(path_components(&shown, false).join(&b'/'), raw);
    }
}
