//! The formats of an SSML `audio src`: Azure AI Speech, not ACS, fetches it at call time, and
//! Speech plays mp3, wav, opus, ogg, flac and wma (Azure Speech SSML "audio" element page),
//! whatever their sample rate or channels.

use crate::options::CheckOptions;
use crate::report::Finding;
use crate::rules::{AcsEffect, Rule};

/// The formats Azure Speech plays in an SSML `audio` element (Azure Speech SSML "audio" element
/// page), as file extensions.
pub const SPEECH_AUDIO_FORMATS: &[&str] = &["mp3", "wav", "opus", "ogg", "flac", "wma"];

/// The containers (as [`crate::header::sniff::Container::short_name`] names them) that hold one
/// of Speech's formats: WAV, MP3, Ogg (Opus, Vorbis, FLAC), native FLAC, and ASF (WMA).
const SPEECH_CONTAINERS: &[&str] = &["wav", "mp3", "ogg", "flac", "asf"];

/// The rules of a fetched body that still hold when Speech plays it: damage, and the warnings
/// that say nothing of ACS's formats. ACS's own format rules (`not-wav`, `sample-rate`,
/// `channels`, ...) do not apply.
const KEPT: &[Rule] = &[
    Rule::Malformed,
    Rule::NoAudio,
    Rule::HeaderInconsistent,
    Rule::ExtensionMismatch,
];

/// Replaces ACS's format findings on a fetched body (`container` is what it is, by content) by
/// Speech's: `ssml-audio-src` when the content is not one of Speech's formats.
pub(super) fn judge(findings: &mut Vec<Finding>, container: Option<&str>, options: &CheckOptions) {
    let what = super::content_kind(findings);
    findings.retain(|f| KEPT.contains(&f.rule));
    let accepted = container.is_some_and(|c| SPEECH_CONTAINERS.contains(&c));
    if !accepted {
        let what = what
            .or_else(|| container.map(|c| format!("{c} content")))
            .unwrap_or_else(|| "content of no known format".to_owned());
        findings.insert(
            0,
            Finding::new(
                Rule::SsmlAudioSrc,
                options.action,
                format!(
                    "the server sends {what}, not one of Azure Speech's formats ({})",
                    SPEECH_AUDIO_FORMATS.join(", ")
                ),
            ),
        );
    }
}

/// Speech, not ACS, fetches an `audio src`: a failure to fetch or play it is a failure in Azure AI
/// Speech, subcode 8565, whatever ACS would raise for a prompt of its own. (The URL checks name
/// Speech as the fetcher in their messages themselves: see [`super::Fetcher`].)
pub(super) fn adapt(findings: &mut [Finding], options: &CheckOptions) {
    for f in findings.iter_mut() {
        if f.acs.is_some() {
            f.acs = Some(AcsEffect::SpeechRejected.prediction(options.action));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: Rule, message: &str) -> Finding {
        Finding::new(rule, Default::default(), message)
    }

    #[test]
    fn speech_formats_pass_whatever_their_rate_and_channels() {
        let options = CheckOptions::default();
        for container in ["wav", "mp3", "ogg", "flac", "asf"] {
            let mut found = vec![
                finding(Rule::SampleRate, "44100 Hz"),
                finding(Rule::Channels, "2 channels"),
                finding(Rule::NotWav, "this is an MP3 file, not WAV"),
            ];
            judge(&mut found, Some(container), &options);
            assert!(found.is_empty(), "{container}: {found:?}");
        }
    }

    #[test]
    fn other_audio_is_an_ssml_audio_src_error_and_damage_is_kept() {
        let options = CheckOptions::default();
        let mut found = vec![
            finding(
                Rule::NotWav,
                "this is an MP4/M4A file, not WAV; ACS plays WAV only",
            ),
            finding(Rule::Malformed, "a chunk runs past the end"),
        ];
        judge(&mut found, Some("mp4"), &options);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].rule, Rule::SsmlAudioSrc);
        assert!(
            found[0]
                .message
                .starts_with("the server sends an MP4/M4A file, not one of"),
            "{}",
            found[0].message
        );
        assert_eq!(found[1].rule, Rule::Malformed);
        adapt(&mut found, &options);
        assert!(found.iter().all(|f| f.acs.unwrap().subcode == 8565));
    }
}
