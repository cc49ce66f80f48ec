//! The SSML rules: what a read document (or a document that could not be read) earns.

use super::parse::{Doc, Unread, MAX_SSML_BYTES, MAX_SSML_DEPTH, SYNTHESIS_NS};
use crate::rules::Rule;

/// The most `voice` plus `audio` elements Azure Speech takes in one request (Speech service
/// quotas and limits).
pub const MAX_VOICE_AND_AUDIO: usize = 50;

pub use crate::remote::speech::SPEECH_AUDIO_FORMATS;

/// The most findings of one kind listed one by one; the rest are counted.
const LISTED: usize = 5;

/// A finding of an SSML rule: its rule, its message, and the line of the document it is about
/// (the first, when it is about several), if it is about one.
pub(crate) type Found = (Rule, String, Option<u32>);

/// The findings for a document that could not be read.
pub(crate) fn unread(why: &Unread) -> Vec<Found> {
    match why {
        Unread::Empty => vec![(
            Rule::SsmlEmpty,
            "the SSML is empty: nothing to speak".to_owned(),
            None,
        )],
        Unread::TooLarge(len) => vec![(
            Rule::SsmlMalformed,
            format!(
                "it is {len} bytes, over the {} MiB acs-preflight reads of one SSML document; not checked",
                MAX_SSML_BYTES >> 20
            ),
            None,
        )],
        Unread::Malformed {
            message,
            at: Some((line, col)),
        } => vec![(
            Rule::SsmlMalformed,
            format!("not well-formed XML at line {line}, column {col}: {message}"),
            Some(*line),
        )],
        Unread::Malformed { message, at: None } => {
            vec![(
                Rule::SsmlMalformed,
                format!("not well-formed XML: {message}"),
                None,
            )]
        }
    }
}

/// Lines as `line 3` or `lines 3, 7 and 2 more`.
fn lines(at: &[u32]) -> String {
    let shown: Vec<String> = at.iter().take(LISTED).map(u32::to_string).collect();
    let more = at.len().saturating_sub(LISTED);
    let list = shown.join(", ");
    match (at.len(), more) {
        (1, _) => format!("line {list}"),
        (_, 0) => format!("lines {list}"),
        _ => format!("lines {list} and {more} more"),
    }
}

/// The findings for a well-formed document, in a fixed order. `shown_url` makes a URL fit to
/// show (its secrets redacted).
pub(crate) fn check(doc: &Doc, holes: bool, shown_url: &dyn Fn(&str) -> String) -> Vec<Found> {
    let mut out = Vec::new();
    if doc.root != "speak" {
        out.push((
            Rule::SsmlStructure,
            format!(
                "the root element is <{}>, not <speak>",
                crate::display::escape_text(&doc.root)
            ),
            Some(doc.root_line),
        ));
        return out;
    }
    let mut missing = Vec::new();
    match doc.version.as_deref() {
        None => missing.push("version=\"1.0\"".to_owned()),
        Some("1.0") => {}
        Some(v) => out.push((
            Rule::SsmlStructure,
            format!(
                "the <speak> element has version=\"{}\"; Azure Speech SSML is version 1.0",
                crate::display::escape_text(v)
            ),
            Some(doc.root_line),
        )),
    }
    if !doc.synthesis_ns {
        missing.push(format!(
            "the synthesis namespace (xmlns=\"{SYNTHESIS_NS}\")"
        ));
    }
    if doc.lang.as_deref().is_none_or(|l| l.trim().is_empty()) {
        missing.push("xml:lang".to_owned());
    }
    if !missing.is_empty() {
        out.push((
            Rule::SsmlStructure,
            format!("the <speak> element lacks {}", missing.join(", ")),
            Some(doc.root_line),
        ));
    }
    if !doc.text_outside_voice.is_empty() {
        out.push((
            Rule::SsmlStructure,
            format!(
                "text outside a <voice> element at {}",
                lines(&doc.text_outside_voice)
            ),
            doc.text_outside_voice.first().copied(),
        ));
    }
    let unnamed: Vec<u32> = doc
        .voices
        .iter()
        .filter(|(_, name)| name.as_deref().is_none_or(|n| n.trim().is_empty()))
        .map(|(line, _)| *line)
        .collect();
    if !unnamed.is_empty() {
        out.push((
            Rule::SsmlStructure,
            format!("a <voice> without a name at {}", lines(&unnamed)),
            unnamed.first().copied(),
        ));
    }
    if let Some(line) = doc.too_deep {
        out.push((
            Rule::SsmlStructure,
            format!(
                "elements nested more than {MAX_SSML_DEPTH} deep at line {line}; not read below"
            ),
            Some(line),
        ));
    }
    if !doc.has_text && doc.audios.is_empty() && !doc.has_break {
        out.push((
            Rule::SsmlEmpty,
            "nothing to speak: no text, no <audio> and no <break> element".to_owned(),
            None,
        ));
    }
    let elements = doc.voices.len() + doc.audios.len();
    if elements > MAX_VOICE_AND_AUDIO {
        out.push((
            Rule::SsmlTooManyElements,
            format!(
                "{} <voice> and {} <audio> elements, {elements} in all; Azure Speech takes at most {MAX_VOICE_AND_AUDIO} per request",
                doc.voices.len(),
                doc.audios.len()
            ),
            Some(doc.root_line),
        ));
    }
    for (line, src) in &doc.audios {
        // A src built from a hole is known only at run time.
        if holes && src.as_deref().is_some_and(has_hole) {
            continue;
        }
        if let Some(problem) = audio_src_problem(src.as_deref(), shown_url) {
            out.push((
                Rule::SsmlAudioSrc,
                format!("line {line}: {problem}"),
                Some(*line),
            ));
        }
    }
    for (line, name) in &doc.voices {
        if let Some(name) = name.as_deref().filter(|n| is_hd_voice(n)) {
            out.push((
                Rule::SsmlHdVoice,
                format!(
                    "line {line}: {} is an HD voice; Call Automation does not support HD voices, and they time out",
                    crate::display::escape_text(name)
                ),
                Some(*line),
            ));
        }
    }
    out
}

/// Whether a value read from an interpolated string holds a hole (`{name}`, `${name}`).
pub(crate) fn has_hole(value: &str) -> bool {
    value
        .find('{')
        .is_some_and(|open| value[open..].contains('}'))
}

/// Whether a voice name is an HD voice: a `:` suffix naming an HD model
/// (`en-US-Ava:DragonHDLatestNeural`).
pub(crate) fn is_hd_voice(name: &str) -> bool {
    name.split_once(':')
        .is_some_and(|(_, model)| model.contains("HD"))
}

/// What is wrong with an `audio` element's `src`, statically: missing, not https, or an
/// extension that is not one of Speech's formats. A URL without an extension is not judged.
pub(crate) fn audio_src_problem(
    src: Option<&str>,
    shown_url: &dyn Fn(&str) -> String,
) -> Option<String> {
    let Some(src) = src.map(str::trim).filter(|s| !s.is_empty()) else {
        return Some("an <audio> element without a src".to_owned());
    };
    let shown = shown_url(src);
    let url = match url::Url::parse(src) {
        Ok(u) => u,
        Err(_) => return Some(format!("{shown} is not an absolute https URL")),
    };
    if url.scheme() != "https" {
        return Some(format!(
            "{shown} is not https; Azure Speech fetches audio over https only"
        ));
    }
    let last = url.path_segments()?.next_back()?;
    let (stem, ext) = last.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    let ext = ext.to_ascii_lowercase();
    (!SPEECH_AUDIO_FORMATS.contains(&ext.as_str())).then(|| {
        format!(
            "{shown} is .{}, not one of Azure Speech's formats ({})",
            crate::display::escape_text(&ext),
            SPEECH_AUDIO_FORMATS.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hd_voices_are_told_by_their_model_suffix() {
        assert!(is_hd_voice("en-US-Ava:DragonHDLatestNeural"));
        assert!(!is_hd_voice("en-US-AvaNeural"));
        assert!(!is_hd_voice("en-US-AvaMultilingualNeural"));
    }

    #[test]
    fn audio_src_needs_https_and_a_speech_format() {
        let same = |u: &str| u.to_owned();
        assert_eq!(
            audio_src_problem(Some("https://h.example/a.mp3?sv=1"), &same),
            None
        );
        assert_eq!(
            audio_src_problem(Some("https://h.example/clip"), &same),
            None
        );
        assert!(audio_src_problem(Some("http://h.example/a.wav"), &same)
            .unwrap()
            .contains("not https"));
        assert!(audio_src_problem(Some("https://h.example/a.m4a"), &same)
            .unwrap()
            .contains(".m4a"));
        assert!(audio_src_problem(None, &same)
            .unwrap()
            .contains("without a src"));
        assert!(audio_src_problem(Some("clip.wav"), &same).is_some());
    }
}
