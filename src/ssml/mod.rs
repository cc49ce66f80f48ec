//! Text-to-speech prompts: SSML documents checked the way Azure AI Speech will read them when
//! Call Automation plays an `SsmlSource` (Play or Recognize).
//!
//! A document is read bounded ([`MAX_SSML_BYTES`], [`MAX_SSML_NODES`], [`MAX_SSML_DEPTH`]; a
//! DTD is refused, so no entity is expanded) and checked for the `ssml-*` rules: well-formed
//! XML, the structure Azure Speech needs, something to speak, at most 50 `voice` plus `audio`
//! elements, `audio src` URLs Speech can fetch, and no HD voice. Inputs are `.ssml` files,
//! `.xml` files whose root is `speak`, and SSML strings found by `--extract-from`
//! ([`extract_ssml`]).

mod extract;
mod parse;
mod rules;

use std::io::Read;
use std::path::Path;

pub use extract::{extract_ssml, ExtractedSsml, MAX_SSML_STRINGS};
pub use parse::{MAX_SSML_BYTES, MAX_SSML_DEPTH, MAX_SSML_NODES, SYNTHESIS_NS};
pub use rules::{MAX_VOICE_AND_AUDIO, SPEECH_AUDIO_FORMATS};

use crate::options::CheckOptions;
use crate::remote::sas::redact;
use crate::report::{CheckResult, Finding, Source};
use crate::rules::Rule;

/// The findings for an SSML text, under `options` (its action; levels are applied by the
/// caller through [`CheckOptions`]), and the `audio src` URLs that pass the static checks, with
/// their lines: Speech fetches those, and a scan checks each as a URL.
pub(crate) fn findings(
    text: &str,
    holes: bool,
    first_line: u32,
    options: &CheckOptions,
) -> (Vec<Finding>, Vec<(u32, String)>) {
    let (found, fetched) = match parse::parse_with(text, holes, first_line) {
        Ok(doc) => {
            let found = rules::check(&doc, holes, &crate::remote::display_url);
            // Speech fetches the srcs of a document it accepts, at most 50 of them (more fails
            // `ssml-too-many-elements`, and nothing is fetched); a src built from a hole is known
            // only at run time.
            let too_many = found.iter().any(|f| f.0 == Rule::SsmlTooManyElements);
            let fetched = doc
                .audios
                .iter()
                .filter(|_| !too_many)
                .filter_map(|(line, src)| {
                    let src = src.as_deref()?.trim();
                    let hole = holes && rules::has_hole(src);
                    (!hole && rules::audio_src_problem(Some(src), &|u| u.to_owned()).is_none())
                        .then(|| (*line, src.to_owned()))
                })
                .collect();
            (found, fetched)
        }
        Err(why) => (rules::unread(&why), Vec::new()),
    };
    let found = found
        .into_iter()
        .map(|(rule, message, line)| {
            Finding::new(rule, options.action, redact(&message)).at_line(line)
        })
        .collect();
    (found, fetched)
}

/// Checks an SSML document held in memory, as Call Automation's `SsmlSource` would send it to
/// Azure AI Speech, with the default options (the Play action); the result's input is `<ssml>`.
///
/// ```
/// use acs_preflight::{check_ssml, Rule, Status};
///
/// let ok = check_ssml(r#"<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis"
///     xml:lang="en-US"><voice name="en-US-AvaNeural">Welcome!</voice></speak>"#);
/// assert_eq!(ok.status, Status::Pass);
/// let empty = check_ssml("");
/// assert_eq!(empty.rules(), vec![Rule::SsmlEmpty]);
/// assert_eq!(empty.findings[0].acs.unwrap().subcode, 8582);
/// ```
pub fn check_ssml(text: &str) -> CheckResult {
    check_ssml_with("<ssml>", text, &CheckOptions::default())
}

/// [`check_ssml`] with options (the action, rule levels); `name` is what the result calls the
/// input.
pub fn check_ssml_with(name: &str, text: &str, options: &CheckOptions) -> CheckResult {
    check_text(name, text, false, 1, options)
}

/// [`check_ssml_with`]; with `holes`, the text of an interpolated string whose holes were read
/// as text; lines counted from `first_line` (see [`parse::parse_with`]).
fn check_text(
    name: &str,
    text: &str,
    holes: bool,
    first_line: u32,
    options: &CheckOptions,
) -> CheckResult {
    let (found, fetched) = findings(text, holes, first_line, options);
    let mut r = options.result(name.to_owned(), None, found);
    r.speech_audio = fetched
        .into_iter()
        .map(|(line, src)| {
            let source = Source {
                file: name.to_owned(),
                line: usize::try_from(line).unwrap_or(usize::MAX),
            };
            (src, source)
        })
        .collect();
    r
}

/// An SSML document found as a string in a config or source file, to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmlInput {
    /// The string's value, its escapes decoded.
    pub text: String,
    /// Where it was written.
    pub source: Source,
    /// Whether its holes (`{name}`, `${name}`) were read as text.
    pub interpolated: bool,
    /// The line of the file where the string ends.
    pub end_line: usize,
}

impl From<ExtractedSsml> for SsmlInput {
    fn from(e: ExtractedSsml) -> Self {
        SsmlInput {
            text: e.text,
            source: e.source,
            interpolated: e.interpolated,
            end_line: e.end_line,
        }
    }
}

impl SsmlInput {
    /// What reports call it: `file:line (SSML string)`, and for an interpolated string
    /// `file:line (SSML string, interpolated: holes read as text)`.
    pub fn name(&self) -> String {
        let what = if self.interpolated {
            "SSML string, interpolated: holes read as text"
        } else {
            "SSML string"
        };
        format!("{} ({what})", self.source)
    }

    /// Checks it; the result's source is the file and line. Lines named in messages and
    /// findings are the file's when the string's lines are; when escapes such as `\n` make them
    /// differ, messages count from the string's start and say so, and findings are placed where
    /// the string starts.
    pub fn check(&self, options: &CheckOptions) -> CheckResult {
        // When the string's lines are the file's (no escaped line breaks), lines are counted in
        // the file; else from the string's start, and the messages say so.
        // (The string may end on the line before its closing fence: a text block's last
        // line break is not part of it.)
        let breaks = self.text.matches('\n').count();
        let lines_match = self
            .end_line
            .checked_sub(self.source.line)
            .is_some_and(|span| span == breaks || span == breaks + 1);
        let start = u32::try_from(self.source.line).unwrap_or(u32::MAX);
        let first = if lines_match { start } else { 1 };
        let mut r = check_text(&self.name(), &self.text, self.interpolated, first, options);
        if lines_match {
            for (_, source) in &mut r.speech_audio {
                source.file.clone_from(&self.source.file);
            }
        } else {
            for f in &mut r.findings {
                if f.message.contains("line ") || f.message.contains("lines ") {
                    f.message.push_str(&format!(
                        " (lines of the string, which starts at line {})",
                        self.source.line
                    ));
                }
                f.line = Some(start);
            }
            // An `audio src` is written in the string, which starts at the source's line.
            for (_, source) in &mut r.speech_audio {
                *source = self.source.clone();
            }
        }
        r.sources = vec![self.source.clone()];
        r
    }
}

/// Reads the file at `path` (bounded, as `--extract-from` reads files) and returns its SSML
/// strings ([`extract_ssml`]); a file of a kind that holds none is not read.
pub fn search_file(path: &Path) -> std::io::Result<Vec<ExtractedSsml>> {
    if !extract::reads(path) {
        return Ok(Vec::new());
    }
    let bytes = crate::open::open_regular(path).and_then(crate::limits::read_bounded)?;
    let (text, _) = crate::remote::decode_text(&bytes);
    Ok(extract_ssml(&text, path))
}

/// The `audio src` values of an SSML text (attribute values decoded). Speech fetches them, with
/// its own formats, so a URL found beside the SSML that is one of them is not a Play prompt.
/// A text that does not parse gives none (it fails as `ssml-malformed` anyway).
pub(crate) fn audio_sources(text: &str) -> Vec<String> {
    parse::parse(text)
        .map(|doc| doc.audios.into_iter().filter_map(|(_, src)| src).collect())
        .unwrap_or_default()
}

/// Whether a file is checked as SSML: a `.ssml` file, or a `.xml` file whose root is `speak`.
pub(crate) fn is_ssml_extension(extension: Option<&str>) -> bool {
    matches!(extension, Some("ssml" | "xml"))
}

/// Checks the SSML file `file` (already open, `len` bytes) named `input`.
pub(crate) fn check_open_file(
    input: String,
    file: impl Read,
    len: u64,
    options: &CheckOptions,
) -> CheckResult {
    if len > MAX_SSML_BYTES as u64 {
        let why = parse::Unread::TooLarge(usize::try_from(len).unwrap_or(usize::MAX));
        let found = rules::unread(&why)
            .into_iter()
            .map(|(rule, message, line)| Finding::new(rule, options.action, message).at_line(line))
            .collect();
        return options.result(input, None, found);
    }
    let mut bytes = Vec::new();
    if let Err(e) = file.take(MAX_SSML_BYTES as u64 + 1).read_to_end(&mut bytes) {
        return options.result(
            input,
            None,
            vec![Finding::new(
                Rule::Unreadable,
                options.action,
                format!("cannot read it: {}", crate::walk::io_reason(&e)),
            )],
        );
    }
    let (text, _) = crate::remote::decode_text(&bytes);
    check_ssml_with(&input, &text, options)
}

/// Whether the file at `path` is an SSML input (see [`is_ssml_extension`]); `.xml` files are
/// sniffed.
pub(crate) fn is_ssml_file(path: &Path, extension: Option<&str>) -> bool {
    match extension {
        Some("ssml") => true,
        Some("xml") => crate::walk::xml_root_is_speak(path),
        _ => false,
    }
}
