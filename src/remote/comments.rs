//! Comments in config and source files, blanked before URLs are looked for: `# old:
//! https://.../old.wav` in YAML, `//` and `/* */` in JSONC and code, `<!-- -->` in XML are not
//! prompts the program plays.
//!
//! The scanners know just enough of each syntax to tell a comment from a string: `//` inside
//! `"https://..."` is not a comment, nor is `#` in a quoted YAML value or a URL's fragment. When
//! in doubt they keep the text (a comment checked is a false alarm; a prompt skipped is a
//! broken prompt missed): a block comment that is never closed is not a comment, and a string
//! that is never closed runs to the end of its line (or of the file, for the strings that span
//! lines). A comment becomes one space and keeps its line breaks, so every line keeps its number.
//! One pass over the text, whatever it holds.

use std::borrow::Cow;

/// How a file writes comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// No known comment syntax: nothing is blanked.
    None,
    /// `//` to the end of the line and `/* ... */`, outside strings (`"..."`, `'...'`,
    /// `` `...` ``, C# `@"..."` and `"""..."""`). `//` right after `:` is a URL's, not a
    /// comment.
    C,
    /// `#` to the end of the line, at the start of a line or after white space, outside quotes.
    /// `anywhere`: a quote opens a string anywhere (scripts, TOML; `"""` and `'''` span lines);
    /// else only where a value starts (YAML, `.env`), so the `'` in `it's` opens nothing.
    Hash {
        /// Whether a quote opens a string anywhere.
        anywhere: bool,
    },
    /// Whole lines whose first non-blank character is `#`, `!` or `;` (`.properties`, `.ini`).
    Line,
    /// `<!-- ... -->`, outside CDATA sections.
    Xml,
}

/// `text` with its comments in `style` blanked (each replaced by one space, its line breaks
/// kept).
pub(crate) fn strip(text: &str, style: Style) -> Cow<'_, str> {
    let mut out = Blanker {
        text,
        out: String::new(),
        copied: 0,
    };
    match style {
        Style::None => {}
        Style::C => strip_c(text.as_bytes(), &mut out),
        Style::Hash { anywhere } => strip_hash(text.as_bytes(), anywhere, &mut out),
        Style::Line => strip_lines(text, &mut out),
        Style::Xml => strip_xml(text.as_bytes(), &mut out),
    }
    out.finish()
}

/// Builds the output only once something is blanked.
struct Blanker<'a> {
    text: &'a str,
    out: String,
    copied: usize,
}

impl<'a> Blanker<'a> {
    /// Blanks `text[from..to]` (both at ASCII bytes, so at character boundaries).
    fn blank(&mut self, from: usize, to: usize) {
        if self.out.is_empty() {
            self.out.reserve(self.text.len());
        }
        self.out.push_str(&self.text[self.copied..from]);
        self.out.push(' ');
        let breaks = self.text.as_bytes()[from..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.out.extend(std::iter::repeat_n('\n', breaks));
        self.copied = to;
    }

    fn finish(mut self) -> Cow<'a, str> {
        if self.copied == 0 {
            return Cow::Borrowed(self.text);
        }
        self.out.push_str(&self.text[self.copied..]);
        Cow::Owned(self.out)
    }
}

/// The index of the first `needle` at or after `from`.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The end of the line holding `at` (the index of its `\n`, or the text's length).
fn line_end(b: &[u8], at: usize) -> usize {
    b[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| at + p)
}

/// Past the quote `q` that closes a one-line string whose text starts at `from` (`\` escapes
/// the next byte); an unclosed string ends at the end of its line.
fn string_end(b: &[u8], from: usize, q: u8) -> usize {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == q => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past the closing `` ` `` of a template literal (it spans lines; `\` escapes).
fn backtick_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past the closing quote of a C# verbatim string `@"..."` (it spans lines; `""` is a quote,
/// which reads as a string closed and another opened).
fn verbatim_end(b: &[u8], from: usize) -> usize {
    find(b, from, b"\"").map_or(b.len(), |i| i + 1)
}

/// Past the closing `delim` (three quotes) of a string spanning lines.
fn triple_end(b: &[u8], from: usize, delim: &[u8]) -> usize {
    find(b, from, delim).map_or(b.len(), |i| i + delim.len())
}

fn strip_c(b: &[u8], out: &mut Blanker<'_>) {
    // Once a `/*` finds no `*/` after it, no later one can.
    let mut unclosed = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' if b[i..].starts_with(b"\"\"\"") => i = triple_end(b, i + 3, b"\"\"\""),
            b'"' if verbatim(b, i) => i = verbatim_end(b, i + 1),
            q @ (b'"' | b'\'') => i = string_end(b, i + 1, q),
            b'`' => i = backtick_end(b, i + 1),
            b'/' if b.get(i + 1) == Some(&b'/') && (i == 0 || b[i - 1] != b':') => {
                let end = line_end(b, i);
                out.blank(i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') && !unclosed => match find(b, i + 2, b"*/") {
                Some(end) => {
                    out.blank(i, end + 2);
                    i = end + 2;
                }
                None => {
                    unclosed = true;
                    i += 2;
                }
            },
            _ => i += 1,
        }
    }
}

/// Whether the quote at `i` opens a C# verbatim string: `@"`, `$@"` or `@$"`.
fn verbatim(b: &[u8], i: usize) -> bool {
    let before = |n: usize| i.checked_sub(n).map(|j| b[j]);
    before(1) == Some(b'@') || (before(1) == Some(b'$') && before(2) == Some(b'@'))
}

fn strip_hash(b: &[u8], anywhere: bool, out: &mut Blanker<'_>) {
    let after_space = |i: usize| i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r');
    // Where a YAML or .env value starts: after a space or `key:`, `key=`, `[`, `{`, `,`.
    let value_start =
        |i: usize| after_space(i) || matches!(b[i - 1], b'[' | b'{' | b',' | b':' | b'=' | b'(');
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' if after_space(i) => {
                let end = line_end(b, i);
                out.blank(i, end);
                i = end;
            }
            q @ (b'"' | b'\'') if anywhere || value_start(i) => {
                let triple = [q, q, q];
                i = if anywhere && b[i..].starts_with(&triple) {
                    triple_end(b, i + 3, &triple)
                } else {
                    string_end(b, i + 1, q)
                };
            }
            _ => i += 1,
        }
    }
}

fn strip_lines(text: &str, out: &mut Blanker<'_>) {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim_start().starts_with(['#', '!', ';']) {
            out.blank(at, at + body.len());
        }
        at += line.len();
    }
}

fn strip_xml(b: &[u8], out: &mut Blanker<'_>) {
    let mut i = 0;
    while let Some(lt) = b[i..].iter().position(|&c| c == b'<').map(|p| i + p) {
        if b[lt..].starts_with(b"<!--") {
            // An unclosed comment is not one; nor is anything after it.
            let Some(end) = find(b, lt + 4, b"-->") else {
                return;
            };
            out.blank(lt, end + 3);
            i = end + 3;
        } else if b[lt..].starts_with(b"<![CDATA[") {
            let Some(end) = find(b, lt + 9, b"]]>") else {
                return;
            };
            i = end + 3;
        } else {
            i = lt + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> String {
        strip(text, Style::C).into_owned()
    }

    #[test]
    fn c_comments_go_and_strings_stay() {
        assert_eq!(
            c("{\n  // old: \"https://x/old.wav\"\n  \"A\": \"https://x/a.wav\" // was b.wav\n}"),
            "{\n   \n  \"A\": \"https://x/a.wav\"  \n}"
        );
        assert_eq!(c("a /* one\n two\n three */ b /* c */ d"), "a  \n\n b   d");
        // `//` and `/*` inside strings, escaped quotes, URLs outside strings.
        assert_eq!(c(r#"x = "a\" // b" // c"#), r#"x = "a\" // b"  "#);
        assert_eq!(
            c("u = 'https://x/a.wav' /* n */"),
            "u = 'https://x/a.wav'  "
        );
        assert_eq!(c("see https://x/a.wav // n"), "see https://x/a.wav  ");
        // Template literals, verbatim and raw strings span lines.
        assert_eq!(c("`a\n// b\n` // c"), "`a\n// b\n`  ");
        assert_eq!(c("@\"C:\\dir\\\" // x"), "@\"C:\\dir\\\"  ");
        assert_eq!(c("$@\"a\n// b\" //c"), "$@\"a\n// b\"  ");
        assert_eq!(
            c("\"\"\"\n// text\n\"\"\" //c"),
            "\"\"\"\n// text\n\"\"\"  "
        );
        // An unclosed block comment or string blanks nothing it cannot close.
        assert_eq!(c("a /* b\nc /* d"), "a /* b\nc /* d");
        assert_eq!(c("a \"b // c\nd // e"), "a \"b // c\nd  ");
        assert!(matches!(strip("no comments", Style::C), Cow::Borrowed(_)));
    }

    #[test]
    fn hash_comments_need_a_space_before_and_no_open_quote() {
        let yaml = |t: &str| strip(t, Style::Hash { anywhere: false }).into_owned();
        assert_eq!(yaml("# old: https://x/a.wav\nb: 1"), " \nb: 1");
        assert_eq!(
            yaml("a: https://x/a.wav#t=1 # n"),
            "a: https://x/a.wav#t=1  "
        );
        assert_eq!(yaml("a: 'x # y' # z"), "a: 'x # y'  ");
        assert_eq!(yaml("a: \"x \\\" # y\" # z"), "a: \"x \\\" # y\"  ");
        assert_eq!(yaml("K=\"v # w\" # z"), "K=\"v # w\"  ");
        // An apostrophe inside a plain value opens nothing.
        assert_eq!(yaml("a: it's # https://x/b.wav"), "a: it's  ");
        assert_eq!(yaml("- [a, 'b # c'] # d"), "- [a, 'b # c']  ");
        let script = |t: &str| strip(t, Style::Hash { anywhere: true }).into_owned();
        assert_eq!(script("u = f\"x # y\" # z"), "u = f\"x # y\"  ");
        assert_eq!(
            script("d = \"\"\"\n# kept\n\"\"\" # z"),
            "d = \"\"\"\n# kept\n\"\"\"  "
        );
    }

    #[test]
    fn line_and_xml_comments() {
        assert_eq!(
            strip("# a\r\n  ! b\nk=v # not a comment\n;c", Style::Line),
            " \r\n \nk=v # not a comment\n "
        );
        let xml = |t: &str| strip(t, Style::Xml).into_owned();
        assert_eq!(
            xml("<a>\n<!-- <b u=\"https://x/old.wav\"/>\n-->\n<b/></a>"),
            "<a>\n \n\n<b/></a>"
        );
        assert_eq!(
            xml("<![CDATA[ <!-- x --> ]]><!-- y -->"),
            "<![CDATA[ <!-- x --> ]]> "
        );
        assert_eq!(xml("<a/><!-- open"), "<a/><!-- open");
    }

    #[test]
    fn stripping_keeps_line_count_and_never_panics() {
        let pieces = [
            "/",
            "*",
            "\"",
            "'",
            "`",
            "#",
            "@",
            "$",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "\n",
            "\r\n",
            " ",
            "\\",
            "é",
            "a",
            ":",
            ";",
            "!",
        ];
        let styles = [
            Style::C,
            Style::Hash { anywhere: false },
            Style::Hash { anywhere: true },
            Style::Line,
            Style::Xml,
        ];
        let mut rng = fastrand::Rng::with_seed(13);
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(0..16))
                .map(|_| pieces[rng.usize(0..pieces.len())])
                .collect();
            for style in styles {
                let out = strip(&text, style);
                assert_eq!(
                    out.matches('\n').count(),
                    text.matches('\n').count(),
                    "{style:?} {text:?}"
                );
                assert!(out.len() <= text.len() + 1, "{style:?} {text:?}");
            }
        }
    }
}
