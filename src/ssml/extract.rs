//! SSML strings inside config and source files (`--extract-from`): a JSON or YAML string value,
//! an XML (`.resx`, `.config`) text or attribute value, or a C#, JavaScript/TypeScript, Python
//! or Java string literal whose value starts with `<speak`. Each is read as the program that
//! loads the file reads it: comments skipped (the URL scanner's comment blanking, so line numbers
//! hold), the format's escapes decoded. An interpolated string (`$"..."`, a template literal, an
//! f-string) keeps its holes as written, as text.

use std::path::Path;

use crate::display::path_to_string;
use crate::remote::{decode_json, strip_comments, Syntax};
use crate::report::Source;

/// An SSML document found as a string in a config or source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedSsml {
    /// The string's value, its escapes decoded.
    pub text: String,
    /// Where the string starts.
    pub source: Source,
    /// The line where the string ends (its closing quote; for XML, its node).
    pub end_line: usize,
    /// Whether it is an interpolated string (`$"..."`, a template literal with `${...}`, an
    /// f-string) whose holes are read as text.
    pub interpolated: bool,
}

/// The languages whose strings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Json,
    Yaml,
    Xml,
    CSharp,
    Js,
    Python,
    Java,
}

/// Whether the file at `path` is of a kind whose strings are read, by its extension.
pub(super) fn reads(path: &Path) -> bool {
    Lang::of(path).is_some()
}

impl Lang {
    fn of(path: &Path) -> Option<Lang> {
        Some(match crate::walk::extension_of(path)?.as_ref() {
            "json" | "jsonc" | "json5" => Lang::Json,
            "yaml" | "yml" => Lang::Yaml,
            "resx" | "config" | "xml" => Lang::Xml,
            "cs" | "csx" => Lang::CSharp,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => Lang::Js,
            "py" => Lang::Python,
            "java" => Lang::Java,
            _ => return None,
        })
    }
}

/// A string found: where it starts (a byte offset), its value, whether it had holes.
struct Lit {
    at: usize,
    /// The offset just after the literal (its closing quote, or its last line).
    end: usize,
    value: String,
    interpolated: bool,
}

/// At most this many SSML strings are taken from one file (each is an input of its own, with
/// its result): a file of a million tiny `"<speak"` strings would otherwise cost gigabytes.
pub const MAX_SSML_STRINGS: usize = 10_000;

/// The SSML strings in `text` (at most [`MAX_SSML_STRINGS`]), the contents of the file at `path` (its extension says how its
/// strings are written; other files give none).
pub fn extract_ssml(text: &str, path: &Path) -> Vec<ExtractedSsml> {
    // (`speak`: JSON may write `<` as `\u003c`, XML as `&lt;`.)
    if !text.contains("speak") {
        return Vec::new();
    }
    let Some(lang) = Lang::of(path) else {
        return Vec::new();
    };
    let file = path_to_string(path);
    if lang == Lang::Xml {
        return xml_values(text, &file);
    }
    let syntax = Syntax::detect(path, text);
    let text = strip_comments(text, syntax);
    let lits = match lang {
        Lang::Yaml => yaml_values(&text),
        _ => code_strings(&text, lang),
    };
    let lines = Lines::new(&text);
    let code = !matches!(lang, Lang::Json | Lang::Yaml);
    lits.into_iter()
        .filter(|l| starts_ssml(&l.value) && (!code || closes_speak(&l.value)))
        .take(MAX_SSML_STRINGS)
        .map(|l| ExtractedSsml {
            source: Source {
                file: file.clone(),
                line: lines.at(l.at),
            },
            end_line: lines.at(l.end.saturating_sub(1).max(l.at)),
            text: l.value,
            interpolated: l.interpolated,
        })
        .collect()
}

/// Whether a string value is an SSML document: it starts with `<speak` (any prefix), after an
/// optional XML declaration.
fn starts_ssml(value: &str) -> bool {
    let mut v = value.trim_start();
    if let Some(decl) = v.strip_prefix("<?xml") {
        v = decl
            .split_once("?>")
            .map_or("", |(_, rest)| rest.trim_start());
    }
    v.starts_with("<speak")
        || v.split_once(':').is_some_and(|(p, rest)| {
            p.strip_prefix('<')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(ident))
                && rest.starts_with("speak")
        })
}

/// Whether a string from code closes its `speak` element (`</speak>`, or `<speak .../>`): one
/// that does not is a piece of a document built at run time (`"<speak ...>" + body`), not one.
fn closes_speak(value: &str) -> bool {
    let v = value.trim_end();
    v.ends_with("/>") || v.ends_with("speak>")
}

/// Where a text's lines start, so that the line of any offset is a binary search (a line
/// counted from the start for each string would make a file of many strings quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of a byte offset.
    fn at(&self, at: usize) -> usize {
        self.0.partition_point(|&newline| newline < at) + 1
    }
}

/// XML text and attribute values that hold SSML (escaped as `&lt;speak` or in CDATA), read by
/// the same bounded reader as SSML itself; a file that is not well-formed gives none.
fn xml_values(text: &str, file: &str) -> Vec<ExtractedSsml> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 4_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let Ok(doc) = roxmltree::Document::parse_with_options(text, options) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let lines = Lines::new(text);
    let found = |value: &str, at: usize, end: usize, out: &mut Vec<ExtractedSsml>| {
        if out.len() < MAX_SSML_STRINGS && value.trim_start().starts_with("<speak") {
            out.push(ExtractedSsml {
                text: value.to_owned(),
                source: Source {
                    file: file.to_owned(),
                    line: lines.at(at),
                },
                end_line: lines.at(end.saturating_sub(1).max(at)),
                interpolated: false,
            });
        }
    };
    for node in doc.descendants() {
        if node.is_text() {
            let value = node.text().unwrap_or("");
            let lead = text[node.range()]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(0);
            found(value, node.range().start + lead, node.range().end, &mut out);
        } else if node.is_element() {
            for attr in node.attributes() {
                found(attr.value(), attr.range().start, attr.range().end, &mut out);
            }
        }
    }
    out
}

/// Whether a byte can be part of an identifier.
fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every string literal in code (comments already blanked).
fn code_strings(text: &str, lang: Lang) -> Vec<Lit> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        let opens = match q {
            b'"' => true,
            b'\'' => lang != Lang::Json,
            b'`' => lang == Lang::Js,
            _ => false,
        };
        if !opens {
            i += 1;
            continue;
        }
        let mut p = i;
        let prefix_char = |c: u8| match lang {
            Lang::CSharp => c == b'$' || c == b'@',
            Lang::Python => matches!(c.to_ascii_lowercase(), b'r' | b'b' | b'f' | b'u'),
            _ => false,
        };
        while p > 0 && i - p < 4 && prefix_char(b[p - 1]) {
            p -= 1;
        }
        if lang == Lang::Python && p > 0 && ident(b[p - 1]) {
            p = i;
        }
        let prefix = text[p..i].to_ascii_lowercase();
        let (lit, end) = read_literal(text, i, &prefix, lang);
        if let Some(mut lit) = lit {
            // A piece of a concatenation (`"<speak>..." + name + "...</speak>"`) is not a
            // document: the whole exists only at run time.
            let before = text[..p].trim_end().ends_with('+');
            let after = text[end.min(text.len())..].trim_start().starts_with('+');
            if before || after {
                lit.value.clear();
            }
            // The literal's start (its prefix), or where its content starts, when that is on a
            // later line.
            let at = if lit.at > i { lit.at } else { p };
            out.push(Lit { at, end, ..lit });
        }
        i = end.max(i + 1);
    }
    out
}

/// Reads the literal whose quote is at `q_at`; returns it (or `None` for a character literal)
/// and the offset after it.
fn read_literal(text: &str, q_at: usize, prefix: &str, lang: Lang) -> (Option<Lit>, usize) {
    let b = text.as_bytes();
    let q = b[q_at];
    let run = b[q_at..].iter().take_while(|&&c| c == q).count();
    let holes = match lang {
        Lang::CSharp => prefix.contains('$'),
        Lang::Python => prefix.contains('f'),
        Lang::Js => q == b'`',
        _ => false,
    };
    let lit = |value: String, interpolated: bool| Lit {
        at: q_at,
        end: q_at,
        value,
        interpolated,
    };
    // C# raw strings ("""...""", any run of 3 or more), Java text blocks, Python triple quotes.
    let triple = run >= 3
        && match lang {
            Lang::CSharp | Lang::Java => q == b'"',
            Lang::Python => true,
            _ => false,
        };
    if triple {
        let n = if lang == Lang::CSharp { run } else { 3 };
        let fence = &text[q_at..q_at + n];
        let body_start = q_at + n;
        let body_end = text[body_start..]
            .find(fence)
            .map_or(text.len(), |e| body_start + e);
        let raw = &text[body_start..body_end];
        let end = (body_end + n).min(text.len());
        if !raw.contains("<speak") {
            return (Some(lit(String::new(), false)), end);
        }
        let neutral;
        let raw = if holes && raw.contains('{') {
            neutral = neutral_holes(raw, false, false);
            neutral.as_str()
        } else {
            raw
        };
        let value = match lang {
            Lang::CSharp => dedent(raw),
            Lang::Java => unescape(&dedent(raw), lang),
            _ if prefix.contains('r') => raw.to_owned(),
            _ => unescape(raw, lang),
        };
        let value = if holes && lang == Lang::Python {
            value.replace("{{", "{").replace("}}", "}")
        } else {
            value
        };
        let interpolated = holes && raw.contains('{');
        // A C# raw string or Java text block starts on the line after its fence.
        let first_break = raw
            .strip_prefix("\r\n")
            .map(|_| 2)
            .or_else(|| raw.strip_prefix('\n').map(|_| 1))
            .filter(|_| matches!(lang, Lang::CSharp | Lang::Java));
        let at = first_break.map_or(q_at, |n| body_start + n);
        return (
            Some(Lit {
                at,
                ..lit(value, interpolated)
            }),
            end,
        );
    }
    if run == 2 {
        // An empty string.
        return (Some(lit(String::new(), false)), q_at + 2);
    }
    let verbatim = lang == Lang::CSharp && prefix.contains('@');
    let multiline = verbatim || q == b'`';
    let mut i = q_at + 1;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' && !multiline {
            break;
        }
        if depth > 0 {
            match c {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                // A string inside a hole (`{(n > 1 ? "many" : "one")}`): its quotes do not end
                // the outer one.
                b'"' | b'\'' | b'`' => {
                    // To its closing quote, escapes skipped (`"many \"}\" items"`).
                    let mut k = i + 1;
                    while k < b.len() && b[k] != c && b[k] != b'\n' {
                        k += if b[k] == b'\\' { 2 } else { 1 };
                    }
                    i = k.min(b.len());
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if holes && q != b'`' && c == b'{' {
            // `{{` is a brace; `{` opens a hole.
            if b.get(i + 1) == Some(&b'{') {
                i += 2;
            } else {
                depth = 1;
                i += 1;
            }
            continue;
        }
        if c == b'\\' && !verbatim && !(lang == Lang::Python && prefix.contains('r')) {
            i += 2;
            continue;
        }
        if lang == Lang::Python && c == b'\\' {
            // Raw strings still cannot end at an escaped quote.
            i += 2;
            continue;
        }
        if q == b'`' && c == b'$' && b.get(i + 1) == Some(&b'{') {
            depth = 1;
            i += 2;
            continue;
        }
        if c == q {
            if verbatim && b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            break;
        }
        i += 1;
    }
    let end = (i + 1).min(b.len());
    let raw = &text[q_at + 1..i.min(b.len())];
    if q == b'\'' && matches!(lang, Lang::CSharp | Lang::Java) {
        return (None, end);
    }
    // (`speak`, not `<speak`: JSON may write `<` as `\u003c`.)
    if !raw.contains("speak") {
        return (Some(lit(String::new(), false)), end);
    }
    let interpolated = holes
        && match lang {
            Lang::Js => raw.contains("${"),
            _ => raw.contains('{'),
        };
    let neutral;
    let raw = if interpolated {
        neutral = neutral_holes(raw, lang == Lang::Js, verbatim);
        neutral.as_str()
    } else {
        raw
    };
    let mut value = if verbatim {
        raw.replace("\"\"", "\"")
    } else if lang == Lang::Json {
        decode_json(raw).into_owned()
    } else if lang == Lang::Python && prefix.contains('r') {
        raw.to_owned()
    } else {
        unescape(raw, lang)
    };
    if holes && lang != Lang::Js {
        value = value.replace("{{", "{").replace("}}", "}");
    }
    (Some(lit(value, interpolated)), end)
}

/// An interpolated string's text with each hole made neutral: kept when it is a plain name
/// (`{name}`), else `{expr}`, in text and in an attribute's value (what the hole holds, quotes
/// and all, is code, not XML); and nothing where
/// a whole attribute would go (`<voice ${attrs}>`). `js`: holes are `${...}`; else `{...}`, with
/// `{{` and `}}` braces, not holes. `doubled`: a quote is written `""` (a verbatim string).
fn neutral_holes(raw: &str, js: bool, doubled: bool) -> String {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut in_tag = false;
    let mut quote: Option<u8> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !js && (c == b'{' || c == b'}') && b.get(i + 1) == Some(&c) {
            i += 2;
            continue;
        }
        let opens = if js {
            c == b'$' && b.get(i + 1) == Some(&b'{')
        } else {
            c == b'{'
        };
        if opens {
            let mut k = i + if js { 2 } else { 1 };
            let mut depth = 1;
            while k < b.len() && depth > 0 {
                match b[k] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    q @ (b'"' | b'\'' | b'`') => {
                        k += 1;
                        while k < b.len() && b[k] != q {
                            k += if b[k] == b'\\' { 2 } else { 1 };
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            out.push_str(&raw[copied..i]);
            let after_equals = raw[..i].trim_end().ends_with('=');
            if !in_tag || quote.is_some() || after_equals {
                // A plain name stays as written (`{name}`); an expression becomes `{expr}`.
                let hole = &raw[i..k.min(b.len())];
                let inner = hole.trim_start_matches('$').trim_start_matches('{');
                let inner = inner.strip_suffix('}').unwrap_or(inner);
                let plain = !inner.is_empty()
                    && inner
                        .bytes()
                        .all(|x| x.is_ascii_alphanumeric() || x == b'_' || x == b'.');
                out.push_str(if plain { hole } else { "{expr}" });
            }
            i = k.min(b.len());
            copied = i;
            continue;
        }
        if doubled && c == b'"' && b.get(i + 1) == Some(&b'"') {
            // A verbatim string's `""` is one quote.
            if in_tag {
                quote = if quote.is_some() { None } else { Some(c) };
            }
            i += 2;
            continue;
        }
        match (c, in_tag, quote) {
            (b'<', false, _) => in_tag = true,
            (b'>', true, None) => in_tag = false,
            (b'"' | b'\'', true, None) => quote = Some(c),
            (q, true, Some(open)) if q == open => quote = None,
            _ => {}
        }
        i += 1;
    }
    out.push_str(&raw[copied..]);
    out
}

/// A multi-line raw string's content without its first line break and the indentation of its
/// closing line (C# raw strings, Java text blocks, close enough for Python).
fn dedent(raw: &str) -> String {
    let body = raw
        .strip_prefix("\r\n")
        .or_else(|| raw.strip_prefix('\n'))
        .unwrap_or(raw);
    let mut lines: Vec<&str> = body.lines().collect();
    // The closing fence's line holds only its indentation.
    if lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// C-like escapes decoded: `\n`, `\r`, `\t`, `\0`, `\\`, `\'`, `\"`, `` \` ``, `\/`, `\xHH`,
/// `\uXXXX`, `\u{...}` (JS), `\UXXXXXXXX` (C#, Python); a backslash before a line break joins
/// the lines. Anything else is kept as written.
fn unescape(raw: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            out.push('\\');
            break;
        };
        let hex = |len: usize, from: usize| -> Option<(char, usize)> {
            let h = raw.get(from..from + len)?;
            let code = u32::from_str_radix(h, 16).ok()?;
            Some((char::from_u32(code).unwrap_or('\u{FFFD}'), len))
        };
        let after = at + 2;
        let decoded = match e {
            'n' => Some(('\n', 0)),
            'r' => Some(('\r', 0)),
            't' => Some(('\t', 0)),
            '0' => Some(('\0', 0)),
            '\\' | '\'' | '"' | '`' | '/' => Some((e, 0)),
            'x' => hex(2, after),
            'u' if lang == Lang::Js && raw[after..].starts_with('{') => {
                raw[after + 1..].find('}').and_then(|close| {
                    let code = u32::from_str_radix(&raw[after + 1..after + 1 + close], 16).ok()?;
                    Some((char::from_u32(code).unwrap_or('\u{FFFD}'), close + 2))
                })
            }
            'u' => hex(4, after),
            'U' => hex(8, after),
            '\n' => {
                continue;
            }
            _ => None,
        };
        match decoded {
            Some((ch, skip)) => {
                out.push(ch);
                for _ in 0..skip {
                    chars.next();
                }
            }
            None => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    out
}

/// YAML string values: double-quoted (escapes decoded), single-quoted (`''` is `'`), block
/// scalars (`|`, `>`) and plain values, each followed across the lines it spans.
fn yaml_values(text: &str) -> Vec<Lit> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut starts = Vec::with_capacity(lines.len());
    let mut offset = 0;
    for l in &lines {
        starts.push(offset);
        offset += l.len() + 1;
    }
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let mut out = Vec::new();
    // Lines inside a block scalar or a plain value already read.
    let mut read_to = 0;
    for (n, line) in lines.iter().enumerate() {
        if n < read_to {
            continue;
        }
        let mut rest = line.trim_start_matches(' ');
        while let Some(r) = rest.strip_prefix("- ") {
            rest = r.trim_start();
        }
        let value = match rest.find(": ") {
            Some(colon) if !rest[..colon].contains(['"', '\'']) => rest[colon + 2..].trim_start(),
            _ if rest.ends_with(':') => "",
            _ => rest,
        };
        let at = starts[n] + (line.len() - value.len());
        if let Some(body) = value.strip_prefix('"') {
            let whole = &text[at + 1..];
            let close = closing_double_quote(whole).unwrap_or(whole.len());
            let _ = body;
            let raw = &whole[..close];
            if raw.contains("<speak") {
                let folded = fold(raw);
                out.push(Lit {
                    at,
                    end: at + 1 + close + 1,
                    value: unescape(&folded, Lang::Yaml),
                    interpolated: false,
                });
            }
        } else if value.starts_with('\'') {
            let whole = &text[at + 1..];
            let mut close = whole.len();
            let wb = whole.as_bytes();
            let mut i = 0;
            while i < wb.len() {
                if wb[i] == b'\'' {
                    if wb.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    close = i;
                    break;
                }
                i += 1;
            }
            let raw = &whole[..close];
            if raw.contains("<speak") {
                out.push(Lit {
                    at,
                    end: at + 1 + close + 1,
                    value: fold(raw).replace("''", "'"),
                    interpolated: false,
                });
            }
        } else if value.starts_with(['|', '>']) {
            let parent = indent_of(line);
            let body: Vec<&str> = lines[n + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || indent_of(l) > parent)
                .copied()
                .collect();
            read_to = n + 1 + body.len();
            let Some(first) = body.iter().position(|l| !l.trim().is_empty()) else {
                continue;
            };
            let indent = indent_of(body[first]);
            let kept: Vec<&str> = body[first..]
                .iter()
                .map(|l| l.get(indent..).unwrap_or("").trim_end_matches('\r'))
                .collect();
            let joined = if value.starts_with('|') {
                kept.join("\n")
            } else {
                kept.join(" ")
            };
            if joined.trim_start().starts_with("<speak") {
                out.push(Lit {
                    at: starts[n + 1 + first] + indent,
                    end: starts.get(read_to).copied().unwrap_or(text.len()),
                    value: joined,
                    interpolated: false,
                });
            }
        } else if value.starts_with("<speak") {
            // A plain value, continued on the lines indented deeper.
            let parent = indent_of(line);
            let mut joined = value.trim_end().to_owned();
            for l in &lines[n + 1..] {
                if l.trim().is_empty() || indent_of(l) <= parent {
                    break;
                }
                joined.push(' ');
                joined.push_str(l.trim());
                read_to = read_to.max(n + 1) + 1;
            }
            out.push(Lit {
                at,
                end: starts
                    .get(read_to.max(n + 1))
                    .copied()
                    .unwrap_or(text.len()),
                value: joined,
                interpolated: false,
            });
        }
    }
    out
}

/// The offset of the quote that closes a YAML double-quoted string (escapes skipped).
fn closing_double_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A quoted YAML scalar's line breaks folded: each break and the indentation after it becomes
/// one space.
fn fold(raw: &str) -> String {
    if !raw.contains('\n') {
        return raw.to_owned();
    }
    raw.split('\n')
        .enumerate()
        .map(|(i, l)| if i == 0 { l.trim_end() } else { l.trim() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, name: &str) -> Vec<(String, usize, bool)> {
        extract_ssml(text, Path::new(name))
            .into_iter()
            .map(|e| (e.text, e.source.line, e.interpolated))
            .collect()
    }

    const S: &str = r#"<speak version="1.0"><voice name="a">Hi</voice></speak>"#;

    #[test]
    fn json_strings_are_decoded() {
        let text = "{\n  \"a\": \"https://x\",\n  \"p\": \"<speak version=\\\"1.0\\\"><voice name=\\\"a\\\">Hi\\u0021</voice></speak>\"\n}";
        let got = found(text, "app.json");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, 3);
        assert!(
            got[0].0.contains("version=\"1.0\"") && got[0].0.contains("Hi!"),
            "{got:?}"
        );
        // A commented-out string is not a prompt.
        assert!(found("{ // \"<speak>\"\n}", "a.jsonc").is_empty());
    }

    #[test]
    fn csharp_literals_of_every_kind() {
        let text = format!(
            "var a = \"<speak version=\\\"1.0\\\">x</speak>\";\nvar b = @\"<speak version=\"\"1.0\"\">\n y</speak>\";\nvar c = $\"<speak>{{name}} {{{{x}}}}</speak>\";\nvar d = \"\"\"\n    {S}\n    \"\"\";\nvar e = 'x';\n"
        );
        let got = found(&text, "Prompts.cs");
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            ("<speak version=\"1.0\">x</speak>".to_owned(), 1, false)
        );
        assert_eq!(
            got[1],
            ("<speak version=\"1.0\">\n y</speak>".to_owned(), 2, false)
        );
        assert_eq!(got[2], ("<speak>{name} {x}</speak>".to_owned(), 4, true));
        // A raw string's content starts on the line after its fence.
        assert_eq!(got[3], (S.to_owned(), 6, false));
    }

    #[test]
    fn holes_are_read_as_the_app_fills_them() {
        // A ternary in an attribute, a hole where attributes go, a hole in the root's attributes.
        let ts = "const a = `<speak version=\"1.0\" ${NS} xml:lang=\"en-US\"><voice name=\"${female ? \"en-US-AvaNeural\" : \"en-US-AndrewNeural\"}\" ${attrs}>Hi ${user.name}</voice></speak>`;";
        let got = found(ts, "voice.ts");
        assert_eq!(
            got,
            vec![(
                "<speak version=\"1.0\"  xml:lang=\"en-US\"><voice name=\"{expr}\" >Hi ${user.name}</voice></speak>".to_owned(),
                1,
                true
            )]
        );
        let cs = "var v = $\"<speak><voice name=\\\"{(n > 1 ? \"a\" : \"b\")}\\\">{{x}} {name}</voice></speak>\";";
        let got = found(cs, "P.cs");
        assert_eq!(
            got[0].0,
            "<speak><voice name=\"{expr}\">{x} {name}</voice></speak>"
        );
        let verbatim = "var v = $@\"<speak><voice name=\"\"{n}\"\" {attrs}>Hi</voice></speak>\";";
        let got = found(verbatim, "P.cs");
        assert_eq!(got[0].0, "<speak><voice name=\"{n}\" >Hi</voice></speak>");
    }

    #[test]
    fn js_python_and_java_literals() {
        let js = "const a = `<speak>${name}</speak>`;\nconst b = '<speak>\\u{41}</speak>';";
        let got = found(js, "app.ts");
        assert_eq!(got[0], ("<speak>${name}</speak>".to_owned(), 1, true));
        assert_eq!(got[1], ("<speak>A</speak>".to_owned(), 2, false));
        let py = "a = f\"<speak>{name}</speak>\"\nb = r'<speak>\\n</speak>'\nc = \"\"\"\n<speak>x</speak>\"\"\"\n# d = '<speak>'\n";
        let got = found(py, "app.py");
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], ("<speak>{name}</speak>".to_owned(), 1, true));
        assert_eq!(got[1], ("<speak>\\n</speak>".to_owned(), 2, false));
        assert_eq!(got[2].1, 3);
        let java = "String a = \"\"\"\n    <speak>\n      x</speak>\n    \"\"\";\nchar c = '\"';";
        let got = found(java, "App.java");
        assert_eq!(got, vec![("<speak>\n  x</speak>".to_owned(), 2, false)]);
    }

    #[test]
    fn yaml_and_resx_values() {
        let yaml = "prompts:\n  a: \"<speak version=\\\"1.0\\\">x</speak>\"\n  b: '<speak version=''1.0''>y</speak>'\n  c: |\n    <speak>\n      z</speak>\n  d: <speak>w</speak>\n  e: hello\n";
        let got = found(yaml, "prompts.yml");
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            ("<speak version=\"1.0\">x</speak>".to_owned(), 2, false)
        );
        assert_eq!(
            got[1],
            ("<speak version='1.0'>y</speak>".to_owned(), 3, false)
        );
        assert_eq!(got[2], ("<speak>\n  z</speak>".to_owned(), 5, false));
        assert_eq!(got[3], ("<speak>w</speak>".to_owned(), 7, false));
        let resx = "<root>\n  <data name=\"Welcome\">\n    <value>&lt;speak version=\"1.0\"&gt;Hi&lt;/speak&gt;</value>\n  </data>\n  <data name=\"B\"><value><![CDATA[<speak>x</speak>]]></value></data>\n</root>";
        let got = found(resx, "Strings.resx");
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0],
            ("<speak version=\"1.0\">Hi</speak>".to_owned(), 3, false)
        );
        assert_eq!(got[1].1, 5);
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    /// A file of many strings is read in linear time (each string's line is found by a binary
    /// search, not by counting from the start) and gives at most MAX_SSML_STRINGS inputs, with
    /// the right lines.
    #[test]
    fn many_strings_are_bounded_and_keep_their_lines() {
        let text = "x = (\"<speak/>\", \"<speak/>\")\n".repeat(8_000);
        let found = extract_ssml(&text, Path::new("many.py"));
        assert_eq!(found.len(), MAX_SSML_STRINGS);
        assert_eq!(found[0].source.line, 1);
        assert_eq!(found[1].source.line, 1);
        assert_eq!(found[2].source.line, 2);
        assert_eq!(
            found[MAX_SSML_STRINGS - 1].source.line,
            MAX_SSML_STRINGS / 2
        );
        let json = format!("[{}]", vec!["\"<speak/>\""; 12_000].join(","));
        assert_eq!(
            extract_ssml(&json, Path::new("big.json")).len(),
            MAX_SSML_STRINGS
        );
    }
}
