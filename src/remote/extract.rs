//! Finding prompt URLs inside config and source files (JSON, YAML, .env, appsettings, code),
//! comments skipped, in files named, folders walked or globs; reading URL lists; URL ignore
//! patterns. Files and lists are read through [`crate::limits::read_bounded`]: at most
//! [`MAX_TEXT_BYTES`](crate::limits::MAX_TEXT_BYTES) each, from a file or stdin alike, as UTF-8 or
//! UTF-16 ([`decode_text`]).

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use globset::{GlobBuilder, GlobMatcher};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use walkdir::WalkDir;

use super::comments;
use crate::display::path_to_string;
use crate::limits;
use crate::report::Source;
use crate::walk::{Exclude, AUDIO_EXTENSIONS};

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

/// How a file writes its strings and comments: the escapes decoded and the comments skipped
/// before URLs are looked for, so a URL reads as the program that loads the file reads it, and
/// `# old: https://.../old.wav` is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Syntax {
    /// Anything else: only `\/` is read as `/`; no comments are known.
    Text,
    /// JSON (`.json`, `.jsonc`, `.json5`): string escapes such as `\u0026` (System.Text.Json
    /// writes `&` so by default), `\/` and `\"` decoded; `//` and `/* */` comments skipped
    /// (appsettings.json files have them).
    Json,
    /// XML (`.config`, `.xml`, `.resx`, `.csproj` and other MSBuild files, or text that starts
    /// with `<?xml`): entities such as `&amp;`, `&#38;` and `&#x26;` decoded; `<!-- -->` comments
    /// skipped.
    Xml,
    /// YAML (`.yaml`, `.yml`) and `.env` files: `#` comments skipped (at the start of a line or
    /// after a space, outside a quoted value: `a.wav#t=1` keeps its fragment).
    Yaml,
    /// Scripts and TOML (`.py`, `.sh`, `.ps1`, `.rb`, `.toml`): `#` comments skipped, outside
    /// strings.
    Script,
    /// Code with C-like comments (`.cs`, `.js`, `.ts`, `.java`, `.go`, `.kt`, `.swift`, `.c`,
    /// `.cpp`, `.bicep`, ...): `//` and `/* */` comments skipped, outside strings.
    Code,
    /// `.properties` and `.ini` files: whole lines starting with `#`, `!` or `;` skipped.
    Properties,
}

impl Syntax {
    /// The syntax of the file at `path` holding `text`: by its name, else by its start.
    pub fn detect(path: &Path, text: &str) -> Syntax {
        match Syntax::by_name(path) {
            Some(syntax) => syntax,
            None if text
                .trim_start_matches('\u{FEFF}')
                .trim_start()
                .starts_with("<?xml") =>
            {
                Syntax::Xml
            }
            None => Syntax::Text,
        }
    }

    /// The syntax a file's name tells: its extension, or `.env` and `.env.*`. `None` for a
    /// name of no known syntax, which a folder walk skips.
    pub fn by_name(path: &Path) -> Option<Syntax> {
        let name = path.file_name()?.to_str()?;
        if name.eq_ignore_ascii_case(".env") || name.to_ascii_lowercase().starts_with(".env.") {
            return Some(Syntax::Yaml);
        }
        let ext = crate::walk::extension_of(path)?;
        Some(match &*ext {
            "json" | "jsonc" | "json5" => Syntax::Json,
            "config" | "xml" | "resx" | "csproj" | "vbproj" | "fsproj" | "props" | "targets"
            | "nuspec" | "xaml" | "ssml" => Syntax::Xml,
            "yaml" | "yml" | "env" => Syntax::Yaml,
            "py" | "sh" | "bash" | "zsh" | "ps1" | "psm1" | "rb" | "toml" | "pl" => Syntax::Script,
            "cs" | "csx" | "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "java"
            | "kt" | "kts" | "go" | "swift" | "c" | "h" | "cc" | "cpp" | "hpp" | "dart"
            | "scala" | "groovy" | "gradle" | "bicep" => Syntax::Code,
            "properties" | "ini" | "cfg" => Syntax::Properties,
            _ => return None,
        })
    }

    fn comments(self) -> comments::Style {
        match self {
            Syntax::Text => comments::Style::None,
            Syntax::Json | Syntax::Code => comments::Style::C,
            Syntax::Xml => comments::Style::Xml,
            Syntax::Yaml => comments::Style::Hash { anywhere: false },
            Syntax::Script => comments::Style::Hash { anywhere: true },
            Syntax::Properties => comments::Style::Line,
        }
    }

    /// One line with its escapes decoded (line by line, so a URL keeps its line number).
    fn decode<'a>(self, line: &'a str) -> Cow<'a, str> {
        match self {
            Syntax::Json => decode_json(line),
            Syntax::Xml => decode_xml(line),
            _ if line.contains("\\/") => Cow::Owned(line.replace("\\/", "/")),
            _ => Cow::Borrowed(line),
        }
    }
}

/// JSON string escapes decoded: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uNNNN`
/// (surrogate pairs joined, a lone surrogate made U+FFFD). Anything else is kept as written.
pub(crate) fn decode_json(line: &str) -> Cow<'_, str> {
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
pub(crate) fn decode_xml(line: &str) -> Cow<'_, str> {
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

/// `text` with its comments blanked as `syntax` writes them (line breaks kept).
pub(crate) fn strip_comments(text: &str, syntax: Syntax) -> Cow<'_, str> {
    comments::strip(text, syntax.comments())
}

/// The prompt URLs in `text`: http(s) URLs whose path ends in an audio extension, or that match
/// `pattern`. `file` names the text in each result's source.
pub fn extract_urls(text: &str, file: &str, pattern: Option<&Regex>) -> Vec<Extracted> {
    extract_urls_as(text, file, Syntax::Text, pattern)
}

/// [`extract_urls`] in a file of the given syntax: its comments are skipped and its escapes
/// decoded line by line first (each URL keeps its line number).
pub fn extract_urls_as(
    text: &str,
    file: &str,
    syntax: Syntax,
    pattern: Option<&Regex>,
) -> Vec<Extracted> {
    find_urls(
        &comments::strip(text, syntax.comments()),
        file,
        syntax,
        pattern,
    )
}

/// The prompt URLs in `text`, comments included.
fn find_urls(text: &str, file: &str, syntax: Syntax, pattern: Option<&Regex>) -> Vec<Extracted> {
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

/// How a file's bytes were read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8 (a byte order mark skipped; bytes that are not UTF-8 read as U+FFFD).
    Utf8,
    /// UTF-16, little-endian: after a byte order mark `FF FE`, or without one when nearly every
    /// second byte is zero (Windows tools save appsettings files so).
    Utf16Le,
    /// UTF-16, big-endian: after `FE FF`, or without a byte order mark as above.
    Utf16Be,
}

/// `bytes` as text, and how they were read ([`Encoding`]). Never fails: what is not valid in
/// the encoding reads as U+FFFD.
pub fn decode_text(bytes: &[u8]) -> (String, Encoding) {
    let utf16 = |body: &[u8], unit: fn([u8; 2]) -> u16| {
        let units = body.chunks(2).map(|c| match c {
            [a, b] => unit([*a, *b]),
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect::<String>()
    };
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(body).into_owned(), Encoding::Utf8);
    }
    if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        return (utf16(body, u16::from_le_bytes), Encoding::Utf16Le);
    }
    if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        return (utf16(body, u16::from_be_bytes), Encoding::Utf16Be);
    }
    match utf16_without_bom(bytes) {
        Some(Encoding::Utf16Le) => (utf16(bytes, u16::from_le_bytes), Encoding::Utf16Le),
        Some(Encoding::Utf16Be) => (utf16(bytes, u16::from_be_bytes), Encoding::Utf16Be),
        _ => (String::from_utf8_lossy(bytes).into_owned(), Encoding::Utf8),
    }
}

/// UTF-16 without a byte order mark, told by its first 4 KiB: ASCII text in UTF-16 has a zero
/// in nearly every second byte (at odd offsets little-endian, at even ones big-endian), which
/// UTF-8 text never has.
fn utf16_without_bom(bytes: &[u8]) -> Option<Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut le, mut be) = (0, 0);
    for pair in head.chunks_exact(2) {
        match pair {
            [lo, 0] if *lo != 0 => le += 1,
            [0, lo] if *lo != 0 => be += 1,
            _ => {}
        }
    }
    if le * 10 >= pairs * 9 {
        Some(Encoding::Utf16Le)
    } else if be * 10 >= pairs * 9 {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Reads `path` (at most [`MAX_TEXT_BYTES`](limits::MAX_TEXT_BYTES)) and extracts its prompt
/// URLs: its [`Encoding`] decoded, its comments skipped and its escapes decoded as its
/// [`Syntax`] asks.
pub fn extract_from_file(
    path: &Path,
    pattern: Option<&Regex>,
) -> Result<Vec<Extracted>, ExtractError> {
    search_file(path, pattern).map(|(urls, _)| urls)
}

/// [`extract_from_file`], with what the file gave ([`SearchedFile`]).
pub fn search_file(
    path: &Path,
    pattern: Option<&Regex>,
) -> Result<(Vec<Extracted>, SearchedFile), ExtractError> {
    let bytes = crate::open::open_regular(path)
        .and_then(limits::read_bounded)
        .map_err(|source| ExtractError {
            path: path.to_path_buf(),
            source,
        })?;
    let (text, encoding) = decode_text(&bytes);
    let syntax = Syntax::detect(path, &text);
    let name = path_to_string(path);
    let stripped = comments::strip(&text, syntax.comments());
    let urls = find_urls(&stripped, &name, syntax, pattern);
    // Only a file that has comments is read twice, to count what they held.
    let commented = match stripped {
        Cow::Owned(_) => find_urls(&text, &name, syntax, pattern)
            .len()
            .saturating_sub(urls.len()),
        Cow::Borrowed(_) => 0,
    };
    let note = (urls.is_empty() && encoding == Encoding::Utf8 && looks_binary(&bytes)).then(|| {
        "it does not look like text (it holds NUL bytes); URLs are read from UTF-8 and UTF-16 \
         text"
            .to_owned()
    });
    let searched = SearchedFile {
        path: path.to_path_buf(),
        found: urls.len(),
        commented,
        encoding,
        note,
    };
    Ok((urls, searched))
}

/// Whether the first 8 KiB hold a NUL byte, which text never does.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// One file searched for URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchedFile {
    /// The file.
    pub path: PathBuf,
    /// The URLs it gave (before ignore patterns).
    pub found: usize,
    /// The URLs in its comments, skipped.
    pub commented: usize,
    /// How its bytes were read.
    pub encoding: Encoding,
    /// Why it gave nothing: it does not look like text, or (found in a folder or by a glob) it
    /// could not be read.
    pub note: Option<String>,
}

/// What was given to search for URLs: a file, a folder, a glob or a URL list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchKind {
    /// A URL list (`--urls-from`).
    List,
    /// A file to extract URLs from.
    File,
    /// A folder, walked for files of a known [`Syntax`].
    Folder,
    /// A glob, matching files of any name.
    Glob,
}

/// One file, folder, glob or URL list given, and the files it named.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Searched {
    /// As given (for a config file's path, as resolved from its folder).
    pub given: PathBuf,
    /// What it is.
    pub kind: SearchKind,
    /// The files searched, in order.
    pub files: Vec<SearchedFile>,
    /// The prompts it gave: URLs, SSML strings and SSML files (before ignore patterns).
    pub prompts: usize,
}

/// What `--extract-from` (or `extract_from`) and `--urls-from` searched, what they gave and what
/// was ignored: data for a report's summary, and for the message when nothing is found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extraction {
    /// Each file, folder, glob or list given, in order.
    pub searched: Vec<Searched>,
    /// The URLs found that match an ignore pattern (not checked), in order.
    pub ignored: Vec<Extracted>,
    /// The ignore file read ([`IGNORE_FILE_NAME`]), if any.
    pub ignore_file: Option<PathBuf>,
}

impl Extraction {
    /// What `--extract-from` (or `extract_from`) was given that gave no prompt at all: a typo
    /// in a CI config would otherwise hide every URL silently when the run has other inputs.
    pub fn found_nothing(&self) -> Vec<PathBuf> {
        self.searched
            .iter()
            .filter(|s| s.kind != SearchKind::List && s.prompts == 0)
            .map(|s| s.given.clone())
            .collect()
    }
}

/// The most files one folder or glob given to `--extract-from` may name; more is an error that
/// asks for a narrower folder, a glob or `exclude`.
pub const MAX_EXTRACT_FILES: usize = 10_000;

/// Folders a folder walk for URLs skips below its top: version control and build output (a
/// .NET build copies appsettings.json into `bin/`), whose URLs are copies or not the app's.
pub const SKIPPED_FOLDERS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bin",
    "obj",
    "dist",
    "build",
    "target",
];

/// What a path given to `--extract-from` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Named {
    /// A file (or a path that does not exist: reading it reports why).
    File(PathBuf),
    /// A folder to walk.
    Folder(PathBuf),
    /// A glob: `pattern` matches paths below `base`, the glob's leading folders.
    Glob {
        /// The folders before the first component with a glob character (`.` when none).
        base: PathBuf,
        /// The rest, matched against paths below `base`.
        pattern: String,
    },
}

impl Named {
    /// A path as given: an existing folder is a folder; a path that does not exist and holds
    /// `*`, `?`, `[` or `{` is a glob; anything else is a file.
    pub(crate) fn of(given: &Path) -> Named {
        match std::fs::metadata(given) {
            Ok(m) if m.is_dir() => Named::Folder(given.to_path_buf()),
            Ok(_) => Named::File(given.to_path_buf()),
            Err(_) => Named::glob(given).unwrap_or_else(|| Named::File(given.to_path_buf())),
        }
    }

    /// `given` split at its first component holding a glob character; `None` when it holds
    /// none (or is not UTF-8).
    pub(crate) fn glob(given: &Path) -> Option<Named> {
        let text = given.to_str()?;
        let is_glob = |c: &str| c.contains(['*', '?', '[', '{']);
        if !is_glob(text) {
            return None;
        }
        let mut base = PathBuf::new();
        let mut rest = Vec::new();
        for c in given.components() {
            let s = c.as_os_str().to_str()?;
            if rest.is_empty() && !is_glob(s) {
                base.push(c);
            } else {
                rest.push(s);
            }
        }
        if base.as_os_str().is_empty() {
            base.push(".");
        }
        Some(Named::Glob {
            base,
            pattern: rest.join("/"),
        })
    }

    /// What kind of search it is.
    pub(crate) fn kind(&self) -> SearchKind {
        match self {
            Named::File(_) => SearchKind::File,
            Named::Folder(_) => SearchKind::Folder,
            Named::Glob { .. } => SearchKind::Glob,
        }
    }

    /// The files it names, in name order, each once: a file itself; in a folder, the files of a
    /// known [`Syntax`]; for a glob, every file it matches. Folders and globs skip what
    /// `exclude` matches and [`SKIPPED_FOLDERS`], and never leave their folder: a symlink to a
    /// file is taken only when the file is inside it, a symlink to a folder is not walked.
    /// Files that cannot be listed come back in the second list, with why.
    pub(crate) fn files(
        &self,
        exclude: &Exclude,
    ) -> Result<(Vec<PathBuf>, Vec<SearchedFile>), ExtractError> {
        match self {
            Named::File(p) => Ok((vec![p.clone()], Vec::new())),
            Named::Folder(root) => walk_files(root, None, exclude, MAX_EXTRACT_FILES),
            Named::Glob { base, pattern } => {
                let glob = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| ExtractError {
                        path: base.join(pattern),
                        source: io::Error::new(io::ErrorKind::InvalidInput, e.kind().to_string()),
                    })?
                    .compile_matcher();
                if std::fs::metadata(base).is_ok_and(|m| m.is_dir()) {
                    let glob = Some((&glob, pattern.contains("**"), pattern.as_str()));
                    walk_files(base, glob, exclude, MAX_EXTRACT_FILES)
                } else {
                    Ok((Vec::new(), Vec::new()))
                }
            }
        }
    }

    /// The path as given.
    pub(crate) fn given(&self) -> PathBuf {
        match self {
            Named::File(p) | Named::Folder(p) => p.clone(),
            Named::Glob { base, pattern } if base.as_os_str() == "." => PathBuf::from(pattern),
            Named::Glob { base, pattern } => base.join(pattern),
        }
    }
}

/// The files below `root`: those of a known [`Syntax`], or those `glob` matches (with whether it
/// holds `**`, and its text to count its depth); more than `limit` is an error.
fn walk_files(
    root: &Path,
    glob: Option<(&GlobMatcher, bool, &str)>,
    exclude: &Exclude,
    limit: usize,
) -> Result<(Vec<PathBuf>, Vec<SearchedFile>), ExtractError> {
    let canonical_root = std::fs::canonicalize(root).map_err(|source| ExtractError {
        path: root.to_path_buf(),
        source,
    })?;
    let mut walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by(|a, b| a.file_name().cmp(b.file_name()));
    if let Some((_, false, pattern)) = glob {
        walker = walker.max_depth(pattern.split('/').count());
    }
    // A glob from `.` names `a.json`, not `./a.json`.
    let shown = |p: &Path| -> PathBuf {
        match p.strip_prefix(root) {
            Ok(rel) if root.as_os_str() == "." => rel.to_path_buf(),
            _ => p.to_path_buf(),
        }
    };
    let wanted = |p: &Path| match glob {
        Some((m, ..)) => p.strip_prefix(root).is_ok_and(|rel| m.is_match(rel)),
        None => Syntax::by_name(p).is_some(),
    };
    let (mut files, mut problems) = (Vec::new(), Vec::new());
    let entries = walker.into_iter().filter_entry(|e| {
        e.depth() == 0
            || !(exclude.matches(e.path(), root)
                || e.file_type().is_dir()
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_FOLDERS.contains(&n)))
    });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                if let (Some(path), Some(io)) = (err.path(), err.io_error()) {
                    if err.depth() > 0 && wanted(path) {
                        problems.push(unread(shown(path), crate::walk::io_reason(io)));
                    }
                }
                continue;
            }
        };
        let path = entry.path();
        let ft = entry.file_type();
        let take = if ft.is_file() {
            wanted(path)
        } else if ft.is_symlink() && wanted(path) {
            // Followed only to a regular file inside the folder walked.
            let inside = std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(&canonical_root));
            let file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
            if !inside || !file {
                problems.push(unread(
                    shown(path),
                    "a symlink to something other than a file in this folder; not followed"
                        .to_owned(),
                ));
            }
            inside && file
        } else {
            false
        };
        if take {
            if files.len() == limit {
                return Err(ExtractError {
                    path: root.to_path_buf(),
                    source: io::Error::other(format!(
                        "it holds more than {limit} files to search for URLs; name a narrower \
                         folder or a glob, or skip some with --exclude"
                    )),
                });
            }
            files.push(shown(path));
        }
    }
    Ok((files, problems))
}

/// A file that gave nothing because it could not be read, with why.
pub(crate) fn unread(path: PathBuf, reason: String) -> SearchedFile {
    SearchedFile {
        path,
        found: 0,
        commented: 0,
        encoding: Encoding::Utf8,
        note: Some(reason),
    }
}

/// The name of the ignore file: URL patterns not to check, one regular expression per line.
pub const IGNORE_FILE_NAME: &str = ".acs-preflight-ignore";

/// The most URL ignore patterns, from every source together.
pub const MAX_IGNORE_PATTERNS: usize = 1000;

/// The largest compiled size of one ignore pattern (the regex crate's measure), and of all of
/// them together: patterns come from the repository, so their memory is bounded.
const IGNORE_SIZE_LIMIT: usize = 1 << 20;
const IGNORE_SET_SIZE_LIMIT: usize = 16 << 20;

/// A pattern in an ignore file is not a regular expression (or there are too many).
#[derive(Debug, thiserror::Error)]
#[error("line {line}: `{pattern}` is not a valid regular expression")]
pub struct IgnorePatternError {
    /// The line (1-based).
    pub line: usize,
    /// The pattern as written.
    pub pattern: String,
    /// Why.
    #[source]
    pub source: regex::Error,
}

/// The patterns in an ignore file's `text`, with their lines: one per line, trimmed; blank
/// lines and `#` comments skipped.
pub fn ignore_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// URL patterns not to check: a URL found in a file is ignored when one of them matches
/// anywhere in it.
#[derive(Debug, Clone, Default)]
pub struct UrlIgnore(Option<RegexSet>);

impl UrlIgnore {
    /// Compiles `patterns` (each with a line number, or 0 for one given otherwise); the first
    /// invalid one is the error.
    pub fn new(patterns: &[(usize, &str)]) -> Result<UrlIgnore, IgnorePatternError> {
        if patterns.is_empty() {
            return Ok(UrlIgnore(None));
        }
        let error = |line: usize, pattern: &str, source| IgnorePatternError {
            line,
            pattern: pattern.to_owned(),
            source,
        };
        if let Some(&(line, pattern)) = patterns.get(MAX_IGNORE_PATTERNS) {
            return Err(error(
                line,
                pattern,
                regex::Error::Syntax(format!(
                    "more than {MAX_IGNORE_PATTERNS} URL ignore patterns"
                )),
            ));
        }
        for &(line, pattern) in patterns {
            RegexBuilder::new(pattern)
                .size_limit(IGNORE_SIZE_LIMIT)
                .build()
                .map_err(|e| error(line, pattern, e))?;
        }
        let set = RegexSetBuilder::new(patterns.iter().map(|(_, p)| p))
            .size_limit(IGNORE_SET_SIZE_LIMIT)
            .build()
            .map_err(|e| error(patterns[0].0, patterns[0].1, e))?;
        Ok(UrlIgnore(Some(set)))
    }

    /// Whether `url` is ignored.
    pub fn matches(&self, url: &str) -> bool {
        self.0.as_ref().is_some_and(|s| s.is_match(url))
    }
}

/// Reads a URL list from `reader`, a file or stdin alike (at most
/// [`MAX_TEXT_BYTES`](limits::MAX_TEXT_BYTES); UTF-8, or UTF-16 as [`decode_text`] reads it,
/// bytes that are not valid read as U+FFFD); `name` names it in each result's source.
pub fn read_url_list(reader: impl Read, name: &str) -> io::Result<Vec<Extracted>> {
    read_list(reader, name).map(|(urls, _)| urls)
}

/// [`read_url_list`], with the encoding read.
pub(crate) fn read_list(reader: impl Read, name: &str) -> io::Result<(Vec<Extracted>, Encoding)> {
    let (text, encoding) = decode_text(&limits::read_bounded(reader)?);
    Ok((url_list(&text, name), encoding))
}

/// Reads the URL list in the file at `path` ([`read_url_list`]).
pub fn url_list_file(path: &Path) -> Result<Vec<Extracted>, ExtractError> {
    list_file(path).map(|(urls, _)| urls)
}

/// [`url_list_file`], with the encoding read.
pub(crate) fn list_file(path: &Path) -> Result<(Vec<Extracted>, Encoding), ExtractError> {
    let error = |source| ExtractError {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::open::open_regular(path).map_err(error)?;
    read_list(file, &path_to_string(path)).map_err(error)
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

    /// Files written on Windows end their lines with CRLF: no `\r` may end up in a URL.
    #[test]
    fn crlf_line_ends_stay_out_of_urls() {
        let list = "# prompts\r\nhttps://127.0.0.1/a.wav\r\n\r\nhttps://127.0.0.1/b.wav\r\n";
        let listed: Vec<(String, usize)> = url_list(list, "l")
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect();
        let want = vec![
            ("https://127.0.0.1/a.wav".to_owned(), 2),
            ("https://127.0.0.1/b.wav".to_owned(), 4),
        ];
        assert_eq!(listed, want);
        // Notepad's "Unicode": UTF-16 LE with a BOM, CRLF.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(list.encode_utf16().flat_map(u16::to_le_bytes));
        let read: Vec<(String, usize)> = read_url_list(&utf16[..], "l")
            .unwrap()
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect();
        assert_eq!(read, want);
        let env = "A=https://127.0.0.1/a.wav\r\nB=\"https://127.0.0.1/b.wav\"\r\n";
        let env_want = vec![
            ("https://127.0.0.1/a.wav".to_owned(), 1),
            ("https://127.0.0.1/b.wav".to_owned(), 2),
        ];
        assert_eq!(urls(env, None), env_want);
        let json = "{\r\n  \"A\": \"https://127.0.0.1/a.wav\"\r\n}\r\n";
        assert_eq!(
            urls(json, None),
            vec![("https://127.0.0.1/a.wav".to_owned(), 2)]
        );
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
        // Plain text has no known comments: every URL counts.
        let env = "WELCOME_URL=http://x.example/a.wav\n# GOODBYE=https://x.example/b.wav\n";
        assert_eq!(urls(env, None).len(), 2);
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
        assert_eq!(Syntax::detect(Path::new("a.yaml"), "x: 1"), Syntax::Yaml);
        assert_eq!(Syntax::detect(Path::new("notes.txt"), "x: 1"), Syntax::Text);
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

    fn found(text: &str, name: &str) -> Vec<(String, usize)> {
        let syntax = Syntax::detect(Path::new(name), text);
        extract_urls_as(text, name, syntax, None)
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect()
    }

    fn owned(v: &[(&str, usize)]) -> Vec<(String, usize)> {
        v.iter().map(|(u, l)| ((*u).to_owned(), *l)).collect()
    }

    #[test]
    fn urls_in_comments_are_skipped_where_the_comment_syntax_is_known() {
        let jsonc = "{\n  // old: \"https://h.example/old.wav\"\n  \"A\": \"https://h.example/a.wav\", /* was\n  \"https://h.example/b.wav\" */ \"B\": \"https://h.example/c.wav\"\n}";
        assert_eq!(
            found(jsonc, "appsettings.json"),
            owned(&[
                ("https://h.example/a.wav", 3),
                ("https://h.example/c.wav", 4)
            ])
        );
        let yaml = "# old: https://h.example/old.wav\nprompt: https://h.example/a.wav#t=1 # https://h.example/b.wav\nq: 'x # https://h.example/c.wav'\n";
        assert_eq!(
            found(yaml, "prompts.yml"),
            owned(&[
                ("https://h.example/a.wav#t=1", 2),
                ("https://h.example/c.wav", 3)
            ])
        );
        let env = "# GOODBYE=https://h.example/b.wav\nWELCOME=\"https://h.example/a.wav\" # n\n";
        assert_eq!(
            found(env, ".env.local"),
            owned(&[("https://h.example/a.wav", 2)])
        );
        let cs = "// var old = \"https://h.example/old.wav\";\nvar u = @\"https://h.example/a.wav\"; /* https://h.example/b.wav */\n";
        assert_eq!(
            found(cs, "Prompts.cs"),
            owned(&[("https://h.example/a.wav", 2)])
        );
        let py = "u = \"https://h.example/a.wav\"  # https://h.example/b.wav\n";
        assert_eq!(
            found(py, "app.py"),
            owned(&[("https://h.example/a.wav", 1)])
        );
        let xml = "<?xml version=\"1.0\"?>\n<!--\n<add value=\"https://h.example/old.wav\"/>\n-->\n<add value=\"https://h.example/a.wav?x=1&amp;y=2\"/>";
        assert_eq!(
            found(xml, "web.config"),
            owned(&[("https://h.example/a.wav?x=1&y=2", 5)])
        );
        let properties = "# https://h.example/old.wav\nurl=https://h.example/a.wav # kept\n";
        assert_eq!(
            found(properties, "app.properties"),
            owned(&[("https://h.example/a.wav", 2)])
        );
        // Text of no known syntax keeps every URL.
        assert_eq!(found("# https://h.example/a.wav", "notes.txt").len(), 1);
    }

    #[test]
    fn utf16_and_byte_order_marks_are_decoded() {
        let text = "{\n  \"A\": \"https://h.example/é.wav\"\n}";
        let utf16 = |bom: &[u8], be: bool| {
            let mut b = bom.to_vec();
            for u in text.encode_utf16() {
                b.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            b
        };
        let cases = [
            (utf16(b"\xFF\xFE", false), Encoding::Utf16Le),
            (utf16(b"\xFE\xFF", true), Encoding::Utf16Be),
            (utf16(b"", false), Encoding::Utf16Le),
            (utf16(b"", true), Encoding::Utf16Be),
            ([b"\xEF\xBB\xBF", text.as_bytes()].concat(), Encoding::Utf8),
            (text.as_bytes().to_vec(), Encoding::Utf8),
        ];
        for (bytes, encoding) in cases {
            assert_eq!(
                decode_text(&bytes),
                (text.to_owned(), encoding),
                "{bytes:?}"
            );
        }
        // A cut UTF-16 unit or a lone surrogate reads as U+FFFD.
        assert_eq!(
            decode_text(b"\xFF\xFEa\x00\x00\xD8b").0,
            "a\u{FFFD}\u{FFFD}"
        );
        assert_eq!(decode_text(b"\xFF\xFEa\x00b").0, "a\u{FFFD}");
        // /proc/self/environ: NULs between variables are not UTF-16.
        assert_eq!(decode_text(b"A=1\0B=2\0CC=3\0").1, Encoding::Utf8);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("appsettings.Development.json");
        std::fs::write(&path, utf16(b"\xFF\xFE", false)).unwrap();
        let (urls, searched) = search_file(&path, None).unwrap();
        assert_eq!(urls[0].url, "https://h.example/é.wav");
        assert_eq!(urls[0].source.line, 2);
        assert_eq!(searched.encoding, Encoding::Utf16Le);
        assert_eq!(searched.note, None);
        // A URL list saved by Windows PowerShell (`>`): UTF-16 with a BOM, CRLF.
        let list =
            read_url_list(&b"\xFF\xFEh\x00:\x00/\x00/\x00x\x00\r\x00\n\x00"[..], "l").unwrap();
        assert_eq!(list[0].url, "h://x");
        let list = read_url_list(&b"\xEF\xBB\xBFhttps://h.example/a.wav\n"[..], "l").unwrap();
        assert_eq!(
            list[0].url, "https://h.example/a.wav",
            "the BOM is not part of the URL"
        );
    }

    #[test]
    fn a_binary_file_with_no_url_gets_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("prompts.dat");
        std::fs::write(&bin, b"\x7FELF\x02\x01\x01\0\0\0\xFF\xFE\x03").unwrap();
        let (urls, searched) = search_file(&bin, None).unwrap();
        assert!(urls.is_empty());
        assert!(
            searched
                .note
                .as_deref()
                .unwrap()
                .starts_with("it does not look like text"),
            "{searched:?}"
        );
        // A file with comments counts what they held.
        let yaml = dir.path().join("a.yaml");
        std::fs::write(
            &yaml,
            "# a: https://h.example/a.wav\n# b: https://h.example/b.wav\n",
        )
        .unwrap();
        let (urls, searched) = search_file(&yaml, None).unwrap();
        assert_eq!(
            (urls.len(), searched.commented, searched.note),
            (0, 2, None)
        );
    }

    #[test]
    fn globs_split_at_their_first_pattern_component() {
        let glob = |p: &str| match Named::glob(Path::new(p)) {
            Some(Named::Glob { base, pattern }) => {
                Some((base.to_str().unwrap().to_owned(), pattern))
            }
            _ => None,
        };
        assert_eq!(
            glob("cfg/**/appsettings*.json"),
            Some(("cfg".into(), "**/appsettings*.json".into()))
        );
        assert_eq!(glob("*.json"), Some((".".into(), "*.json".into())));
        assert_eq!(
            glob("a/b/{x,y}.yml"),
            Some(("a/b".into(), "{x,y}.yml".into()))
        );
        assert_eq!(glob("a/b.json"), None);
    }

    #[cfg(unix)]
    #[test]
    fn folders_and_globs_name_config_files_inside_them_only() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.json"), "{}").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "appsettings.json",
            "b/.env",
            "b/app.cs",
            "b/readme.md",
            "b/song.wav",
            "bin/Debug/appsettings.json",
            "obj/x.json",
            "node_modules/m/index.js",
            ".git/config",
            "drafts/x.yaml",
            "c/deep/x.yml",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        std::os::unix::fs::symlink(outside.path().join("secret.json"), root.join("out.json"))
            .unwrap();
        std::os::unix::fs::symlink("appsettings.json", root.join("in.json")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        let rel = |files: Vec<PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|f| f.strip_prefix(root).unwrap().to_str().unwrap().to_owned())
                .collect()
        };
        let exclude = Exclude::new(&["drafts/**".to_owned()], false).unwrap();
        let (files, problems) = Named::of(root).files(&exclude).unwrap();
        assert_eq!(
            rel(files),
            [
                "appsettings.json",
                "b/.env",
                "b/app.cs",
                "c/deep/x.yml",
                "in.json"
            ]
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].path.ends_with("out.json"));
        assert!(problems[0]
            .note
            .as_deref()
            .unwrap()
            .contains("not followed"));

        let glob = |p: &str| {
            let named = Named::of(&root.join(p));
            assert_eq!(named.kind(), SearchKind::Glob);
            rel(named.files(&Exclude::default()).unwrap().0)
        };
        assert_eq!(glob("*.json"), ["appsettings.json", "in.json"]);
        assert_eq!(glob("**/*.md"), ["b/readme.md"]);
        assert_eq!(
            glob("*/*.yml"),
            Vec::<String>::new(),
            "* stays in one folder"
        );
        assert_eq!(glob("**/x.y*ml"), ["c/deep/x.yml", "drafts/x.yaml"]);
        assert_eq!(glob("nowhere/*.json"), Vec::<String>::new());

        let err = walk_files(root, None, &Exclude::default(), 2).unwrap_err();
        assert!(
            err.source.to_string().contains("more than 2 files"),
            "{err:?}"
        );
    }

    #[test]
    fn ignore_patterns_match_anywhere_and_name_their_line() {
        let text = "# prompts we do not host\n\n  ^https://old\\.example/  \nlegacy/.*\\.wav\n";
        let lines = ignore_lines(text);
        assert_eq!(
            lines,
            vec![(3, "^https://old\\.example/"), (4, "legacy/.*\\.wav")]
        );
        let ignore = UrlIgnore::new(&lines).unwrap();
        assert!(ignore.matches("https://old.example/a.wav"));
        assert!(ignore.matches("https://cdn.example/legacy/b.wav?sig=x"));
        assert!(!ignore.matches("https://cdn.example/new/b.wav"));
        assert!(!UrlIgnore::default().matches("https://old.example/a.wav"));

        let err = UrlIgnore::new(&ignore_lines("a\n# c\nb(\n")).unwrap_err();
        assert_eq!((err.line, err.pattern.as_str()), (3, "b("));
        assert_eq!(
            err.to_string(),
            "line 3: `b(` is not a valid regular expression"
        );
        // Bounded: patterns come from the repository.
        let many: Vec<(usize, &str)> = (1..=MAX_IGNORE_PATTERNS + 1).map(|i| (i, "a")).collect();
        assert_eq!(
            UrlIgnore::new(&many).unwrap_err().line,
            MAX_IGNORE_PATTERNS + 1
        );
        assert!(
            UrlIgnore::new(&[(1, "\\w{5000}")]).is_err(),
            "too large compiled"
        );
    }
}
