//! Finding prompt URLs inside config and source files (JSON, YAML, .env, appsettings, code), and
//! reading URL lists. Both read through [`crate::limits::read_text`]: at most
//! [`MAX_TEXT_BYTES`](crate::limits::MAX_TEXT_BYTES), from a file or stdin alike.

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::display::path_to_string;
use crate::limits;
use crate::report::Source;
use crate::walk::AUDIO_EXTENSIONS;

static URL_IN_TEXT: LazyLock<Option<Regex>> =
    // A URL ends at white space, a quote, an angle bracket and at any control character (a NUL
    // between environment variables, say), which no URL holds raw.
    LazyLock::new(|| Regex::new(r#"(?i)https?://[^\s"'<>\\^`{|}\x00-\x1F\x7F]+"#).ok());

/// A URL found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The URL as written.
    pub url: String,
    /// Where it was written.
    pub source: Source,
}

/// A file named by `--extract-from` or `--urls-from` could not be read (why is its
/// [`source`](std::error::Error::source)).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}", path_to_string(.path))]
pub struct ExtractError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Whether the URL's path (before `?` and `#`) ends in an audio extension.
fn has_audio_path(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or(path);
    match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(ext))
        }
        _ => false,
    }
}

/// How a file writes its strings: the escapes decoded before URLs are looked for, so a URL
/// reads as the program that loads the file reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Syntax {
    /// Anything else (YAML, .env, code): only `\/` is read as `/`.
    Text,
    /// JSON (`.json`, `.jsonc`): string escapes such as `\u0026` (System.Text.Json writes `&`
    /// so by default), `\/` and `\"` decoded.
    Json,
    /// XML (`.config`, `.xml`, `.resx`, `.csproj` and other MSBuild files, or text that starts
    /// with `<?xml`): entities such as `&amp;`, `&#38;` and `&#x26;` decoded.
    Xml,
}

impl Syntax {
    /// The syntax of the file at `path` holding `text`: by its extension, else by its start.
    pub fn detect(path: &Path, text: &str) -> Syntax {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json" | "jsonc") => Syntax::Json,
            Some(
                "config" | "xml" | "resx" | "csproj" | "vbproj" | "fsproj" | "props" | "targets"
                | "nuspec" | "xaml",
            ) => Syntax::Xml,
            _ if text
                .trim_start_matches('\u{FEFF}')
                .trim_start()
                .starts_with("<?xml") =>
            {
                Syntax::Xml
            }
            _ => Syntax::Text,
        }
    }

    /// One line with its escapes decoded (line by line, so a URL keeps its line number).
    fn decode<'a>(self, line: &'a str) -> Cow<'a, str> {
        match self {
            Syntax::Text if line.contains("\\/") => Cow::Owned(line.replace("\\/", "/")),
            Syntax::Text => Cow::Borrowed(line),
            Syntax::Json => decode_json(line),
            Syntax::Xml => decode_xml(line),
        }
    }
}

/// JSON string escapes decoded: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uNNNN`
/// (surrogate pairs joined, a lone surrogate made U+FFFD). Anything else is kept as written.
fn decode_json(line: &str) -> Cow<'_, str> {
    if !line.contains('\\') {
        return Cow::Borrowed(line);
    }
    let hex4 = |s: &str| -> Option<u32> {
        let h = s.get(..4)?;
        h.bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| u32::from_str_radix(h, 16).ok())?
    };
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let mut taken = 1;
        match after.chars().next() {
            Some(c @ ('"' | '\\' | '/')) => out.push(c),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => match hex4(&after[1..]) {
                Some(hi @ 0xD800..=0xDBFF) => {
                    let low = after[5..]
                        .strip_prefix("\\u")
                        .and_then(hex4)
                        .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
                    match low {
                        Some(lo) => {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            taken = 11;
                        }
                        None => {
                            out.push('\u{FFFD}');
                            taken = 5;
                        }
                    }
                }
                Some(code) => {
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    taken = 5;
                }
                None => {
                    out.push('\\');
                    taken = 0;
                }
            },
            _ => {
                out.push('\\');
                taken = 0;
            }
        }
        rest = &after[taken..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// XML entities decoded: the five named ones and numeric character references (`&#38;`,
/// `&#x26;`). Anything else is kept as written.
fn decode_xml(line: &str) -> Cow<'_, str> {
    if !line.contains('&') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let entity = after
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| Some((xml_entity(&after[..end])?, end)));
        match entity {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn xml_entity(name: &str) -> Option<char> {
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        n => match n.strip_prefix('#')? {
            hex if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok()?,
            dec => dec.parse::<u32>().ok()?,
        },
    };
    char::from_u32(code).filter(|&c| c != '\0')
}

/// The prompt URLs in `text`: http(s) URLs whose path ends in an audio extension, or that match
/// `pattern`. `file` names the text in each result's source.
pub fn extract_urls(text: &str, file: &str, pattern: Option<&Regex>) -> Vec<Extracted> {
    extract_urls_as(text, file, Syntax::Text, pattern)
}

/// [`extract_urls`] in a file of the given syntax: its escapes are decoded line by line first.
pub fn extract_urls_as(
    text: &str,
    file: &str,
    syntax: Syntax,
    pattern: Option<&Regex>,
) -> Vec<Extracted> {
    let Some(re) = URL_IN_TEXT.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = syntax.decode(line);
        for m in re.find_iter(&line) {
            let url = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!', '?']);
            if has_audio_path(url) || pattern.is_some_and(|p| p.is_match(url)) {
                out.push(Extracted {
                    url: url.to_owned(),
                    source: Source {
                        file: file.to_owned(),
                        line: i + 1,
                    },
                });
            }
        }
    }
    out
}

/// Reads `path` (at most [`MAX_TEXT_BYTES`](limits::MAX_TEXT_BYTES)) and extracts its prompt
/// URLs, decoding JSON or XML escapes as its [`Syntax`] asks.
pub fn extract_from_file(
    path: &Path,
    pattern: Option<&Regex>,
) -> Result<Vec<Extracted>, ExtractError> {
    let text = limits::read_text_file(path).map_err(|source| ExtractError {
        path: path.to_path_buf(),
        source,
    })?;
    let syntax = Syntax::detect(path, &text);
    Ok(extract_urls_as(
        &text,
        &path_to_string(path),
        syntax,
        pattern,
    ))
}

/// Reads a URL list from `reader`, a file or stdin alike (at most
/// [`MAX_TEXT_BYTES`](limits::MAX_TEXT_BYTES), bytes that are not UTF-8 read as U+FFFD); `name`
/// names it in each result's source.
pub fn read_url_list(reader: impl Read, name: &str) -> io::Result<Vec<Extracted>> {
    Ok(url_list(&limits::read_text(reader)?, name))
}

/// Reads the URL list in the file at `path` ([`read_url_list`]).
pub fn url_list_file(path: &Path) -> Result<Vec<Extracted>, ExtractError> {
    let error = |source| ExtractError {
        path: path.to_path_buf(),
        source,
    };
    let file = limits::open_regular(path).map_err(error)?;
    read_url_list(file, &path_to_string(path)).map_err(error)
}

/// The URLs listed one per line in `text` (blank lines and `#` comments skipped). A line longer
/// than [`MAX_URL_BYTES`](limits::MAX_URL_BYTES) is listed too: checking it reports
/// `url-invalid` at its line, without a request.
pub fn url_list(text: &str, file: &str) -> Vec<Extracted> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty() && !line.starts_with('#')).then(|| Extracted {
                url: line.to_owned(),
                source: Source {
                    file: file.to_owned(),
                    line: i + 1,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str, pattern: Option<&str>) -> Vec<(String, usize)> {
        let re = pattern.map(|p| Regex::new(p).unwrap());
        extract_urls(text, "f", re.as_ref())
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect()
    }

    #[test]
    fn finds_audio_urls_in_config_files() {
        let json = r#"{
  "Prompts": {
    "Welcome": "https://acct.blob.core.windows.net/prompts/welcome.wav?sv=2022&sig=abc",
    "Menu": "https://cdn.example.com/menu.WAV",
    "Logo": "https://cdn.example.com/logo.png",
    "Escaped": "https:\/\/cdn.example.com\/hold.mp3"
  }
}"#;
        assert_eq!(
            urls(json, None),
            vec![
                (
                    "https://acct.blob.core.windows.net/prompts/welcome.wav?sv=2022&sig=abc"
                        .to_owned(),
                    3
                ),
                ("https://cdn.example.com/menu.WAV".to_owned(), 4),
                ("https://cdn.example.com/hold.mp3".to_owned(), 6),
            ]
        );
        let env = "WELCOME_URL=http://x.example/a.wav\n# GOODBYE=https://x.example/b.wav\n";
        assert_eq!(
            urls(env, None).len(),
            2,
            "comments are config too: the URL is reported"
        );
        let yaml = "prompt: 'https://x.example/p/hello.ogg', other: https://x.example/page.";
        assert_eq!(
            urls(yaml, None),
            vec![("https://x.example/p/hello.ogg".to_owned(), 1)]
        );
        let code =
            r#"let u = "https://x.example/api/tts?voice=en" // (see https://x.example/doc)."#;
        assert_eq!(urls(code, None), vec![]);
        assert_eq!(
            urls(code, Some("/api/tts")),
            vec![("https://x.example/api/tts?voice=en".to_owned(), 1)]
        );
    }

    #[test]
    fn json_escapes_are_decoded() {
        assert_eq!(
            decode_json(r#"a\u0026b\/c\"d\\e\u00e9\ud83d\ude00\ud800x\q\u12"#),
            "a&b/c\"d\\e\u{e9}\u{1F600}\u{FFFD}x\\q\\u12"
        );
        assert!(matches!(decode_json("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn xml_entities_are_decoded() {
        assert_eq!(
            decode_xml("a&amp;b&#38;c&#x26;d&lt;&gt;&quot;&apos;&nbsp;&#0;&#xZZ;& e&"),
            "a&b&c&d<>\"'&nbsp;&#0;&#xZZ;& e&"
        );
    }

    #[test]
    fn decoding_never_panics_on_broken_escapes() {
        // Escape prefixes cut short, surrogates in any order, multibyte characters next to them.
        let pieces = [
            "\\", "u", "d83d", "de00", "00", "26", "&", "#", "x", "amp", ";", "é", "😀", "/", "\"",
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..20_000 {
            let line: String = (0..rng.usize(0..12))
                .map(|_| pieces[rng.usize(0..pieces.len())])
                .collect();
            let json = decode_json(&line);
            let xml = decode_xml(&line);
            assert!(
                json.len() <= line.len() + 3 && xml.len() <= line.len() + 3,
                "{line}"
            );
        }
    }

    #[test]
    fn decoding_keeps_line_numbers() {
        let json = "{\n  \"a\": \"https://x.example/a.wav?sv=1\\u0026se=2020-01-01\\u0026sig=s\",\n  \"b\": \"x\\n https://x.example/b.wav\"\n}";
        let got: Vec<(String, usize)> = extract_urls_as(json, "f", Syntax::Json, None)
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "https://x.example/a.wav?sv=1&se=2020-01-01&sig=s".to_owned(),
                    2
                ),
                ("https://x.example/b.wav".to_owned(), 3),
            ]
        );
        let xml = "<a>\n<b v=\"https://x.example/c.wav?a=1&amp;b=2\"/>\n</a>";
        let got = extract_urls_as(xml, "f", Syntax::Xml, None);
        assert_eq!(got[0].url, "https://x.example/c.wav?a=1&b=2");
        assert_eq!(got[0].source.line, 2);
        assert_eq!(
            Syntax::detect(Path::new("appsettings.Development.JSON"), ""),
            Syntax::Json
        );
        assert_eq!(Syntax::detect(Path::new("App.csproj"), ""), Syntax::Xml);
        assert_eq!(
            Syntax::detect(Path::new("prompts"), "\u{FEFF}<?xml version=\"1.0\"?>"),
            Syntax::Xml
        );
        assert_eq!(Syntax::detect(Path::new("a.yaml"), "x: 1"), Syntax::Text);
    }

    #[test]
    fn a_url_ends_at_a_control_character() {
        // /proc/self/environ: variables separated by NUL; one URL must not swallow the next.
        let environ = "HOOK=http://127.0.0.1/x.wav\0TOKEN=ghs_SECRET\0SAS=sv=1&sig=S3CRET\0";
        assert_eq!(
            urls(environ, Some(".")),
            vec![("http://127.0.0.1/x.wav".to_owned(), 1)]
        );
        assert_eq!(
            urls("u=https://h.example/a.wav\u{1b}[2J.wav", None),
            vec![("https://h.example/a.wav".to_owned(), 1)]
        );
    }

    #[test]
    fn url_lists_skip_blanks_and_comments() {
        let got = url_list(
            "# prompts\n\nhttps://a/x.wav\n  https://a/y.wav  \n",
            "list.txt",
        );
        let got: Vec<(&str, usize)> = got
            .iter()
            .map(|e| (e.url.as_str(), e.source.line))
            .collect();
        assert_eq!(got, vec![("https://a/x.wav", 3), ("https://a/y.wav", 4)]);
    }
}
