//! Naming what a file is from its first bytes, so a message can say "this is FLAC" rather than
//! "bad header".

use std::fmt;

/// What an input's content is, judged by its magic numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE: the only container ACS plays.
    Wav,
    /// RF64 (64-bit RIFF/WAVE, EBU Tech 3306).
    Rf64,
    /// BW64 (ITU-R BS.2088 64-bit broadcast WAVE).
    Bw64,
    /// RIFX: big-endian RIFF/WAVE.
    Rifx,
    /// A RIFF file of another form (AVI, WEBP, ...); holds the form type.
    RiffOther([u8; 4]),
    /// Sony Wave64.
    W64,
    /// AIFF or AIFF-C.
    Aiff,
    /// Sun/NeXT AU.
    Au,
    /// Native FLAC.
    Flac,
    /// Ogg, with the codec of its first stream when known.
    Ogg(OggCodec),
    /// ISO base media (MP4, M4A, 3GP, MOV).
    Mp4,
    /// MPEG-1/2 Layer III.
    Mp3 {
        /// Whether the file begins with an ID3v2 tag.
        id3v2: bool,
    },
    /// MPEG audio Layer I or II.
    MpegAudio,
    /// AAC in ADTS framing.
    Aac,
    /// An ID3v2 tag followed by something that is not MPEG audio.
    Id3Other,
    /// ASF (WMA, WMV).
    Asf,
    /// AMR narrow- or wide-band.
    Amr,
    /// Apple Core Audio Format.
    Caf,
    /// Matroska or WebM.
    Matroska,
    /// An HTML page (often a sign-in or error page saved in place of the audio).
    Html,
    /// XML (often a storage error document).
    Xml,
    /// JSON.
    Json,
    /// Other text.
    Text,
    /// A file of zero bytes.
    Empty,
    /// Not recognised.
    Unknown,
}

/// The codec in an Ogg stream's first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OggCodec {
    /// Vorbis.
    Vorbis,
    /// Opus.
    Opus,
    /// FLAC in Ogg.
    Flac,
    /// Speex.
    Speex,
    /// Something else.
    Other,
}

/// The short names of contents that are not audio at all.
const NOT_AUDIO: &[&str] = &[
    "riff", "id3", "html", "xml", "json", "text", "empty", "unknown",
];

/// Whether a container's short name (as in [`Container::short_name`]) names audio.
pub(crate) fn is_audio_name(name: &str) -> bool {
    !NOT_AUDIO.contains(&name)
}

/// Extension families, for telling whether a file's name matches its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Wav,
    Mp3,
    Flac,
    Ogg,
    Mp4,
    Aiff,
    Au,
    W64,
    Rf64,
    Wma,
    Amr,
    Caf,
    Mka,
}

impl Container {
    /// A short stable name for JSON (`wav`, `mp3`, `flac`, `ogg`, `html`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Rf64 => "rf64",
            Container::Bw64 => "bw64",
            Container::Rifx => "rifx",
            Container::RiffOther(_) => "riff",
            Container::W64 => "w64",
            Container::Aiff => "aiff",
            Container::Au => "au",
            Container::Flac => "flac",
            Container::Ogg(_) => "ogg",
            Container::Mp4 => "mp4",
            Container::Mp3 { .. } => "mp3",
            Container::MpegAudio => "mpeg-audio",
            Container::Aac => "aac",
            Container::Id3Other => "id3",
            Container::Asf => "asf",
            Container::Amr => "amr",
            Container::Caf => "caf",
            Container::Matroska => "matroska",
            Container::Html => "html",
            Container::Xml => "xml",
            Container::Json => "json",
            Container::Text => "text",
            Container::Empty => "empty",
            Container::Unknown => "unknown",
        }
    }

    /// Whether this is audio that a converter could turn into a valid prompt.
    pub fn is_audio(self) -> bool {
        is_audio_name(self.short_name())
    }

    /// The extension family this content belongs to, when it has one.
    pub(crate) fn family(self) -> Option<Family> {
        Some(match self {
            Container::Wav => Family::Wav,
            Container::Rf64 | Container::Bw64 => Family::Rf64,
            Container::W64 => Family::W64,
            Container::Aiff => Family::Aiff,
            Container::Au => Family::Au,
            Container::Flac => Family::Flac,
            Container::Ogg(_) => Family::Ogg,
            Container::Mp4 | Container::Aac => Family::Mp4,
            Container::Mp3 { .. } | Container::MpegAudio => Family::Mp3,
            Container::Asf => Family::Wma,
            Container::Amr => Family::Amr,
            Container::Caf => Family::Caf,
            Container::Matroska => Family::Mka,
            _ => return None,
        })
    }
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Container::Wav => f.write_str("WAV"),
            Container::Rf64 => f.write_str("RF64 (64-bit WAV)"),
            Container::Bw64 => f.write_str("BW64 (64-bit broadcast WAV)"),
            Container::Rifx => f.write_str("RIFX (big-endian WAV)"),
            Container::RiffOther(form) => {
                write!(f, "a RIFF file of form '{}', not WAVE", escape_fourcc(form))
            }
            Container::W64 => f.write_str("Sony Wave64 (W64)"),
            Container::Aiff => f.write_str("AIFF"),
            Container::Au => f.write_str("Sun AU"),
            Container::Flac => f.write_str("FLAC"),
            Container::Ogg(OggCodec::Vorbis) => f.write_str("Ogg Vorbis"),
            Container::Ogg(OggCodec::Opus) => f.write_str("Ogg Opus"),
            Container::Ogg(OggCodec::Flac) => f.write_str("Ogg FLAC"),
            Container::Ogg(OggCodec::Speex) => f.write_str("Ogg Speex"),
            Container::Ogg(OggCodec::Other) => f.write_str("Ogg"),
            Container::Mp4 => f.write_str("MP4/M4A (ISO media)"),
            Container::Mp3 { id3v2: true } => f.write_str("MP3 with an ID3v2 tag"),
            Container::Mp3 { id3v2: false } => f.write_str("MP3 without an ID3v2 tag"),
            Container::MpegAudio => f.write_str("MPEG audio (Layer I/II)"),
            Container::Aac => f.write_str("AAC (ADTS)"),
            Container::Id3Other => f.write_str("an ID3v2 tag followed by unrecognised data"),
            Container::Asf => f.write_str("ASF/WMA"),
            Container::Amr => f.write_str("AMR"),
            Container::Caf => f.write_str("Apple CAF"),
            Container::Matroska => f.write_str("Matroska/WebM"),
            Container::Html => f.write_str("an HTML page"),
            Container::Xml => f.write_str("an XML document"),
            Container::Json => f.write_str("a JSON document"),
            Container::Text => f.write_str("plain text"),
            Container::Empty => f.write_str("an empty file"),
            Container::Unknown => f.write_str("unrecognised data"),
        }
    }
}

impl Family {
    /// The extension a file of this family is best named with.
    pub(crate) fn canonical_extension(self) -> &'static str {
        match self {
            Family::Wav => "wav",
            Family::Mp3 => "mp3",
            Family::Flac => "flac",
            Family::Ogg => "ogg",
            Family::Mp4 => "m4a",
            Family::Aiff => "aiff",
            Family::Au => "au",
            Family::W64 => "w64",
            Family::Rf64 => "rf64",
            Family::Wma => "wma",
            Family::Amr => "amr",
            Family::Caf => "caf",
            Family::Mka => "mka",
        }
    }
}

/// The family an extension (lowercase, no dot) names, if it names an audio format.
pub(crate) fn family_of_extension(ext: &str) -> Option<Family> {
    Some(match ext {
        "wav" | "wave" => Family::Wav,
        "mp3" => Family::Mp3,
        "flac" => Family::Flac,
        "ogg" | "oga" | "opus" => Family::Ogg,
        "m4a" | "mp4" | "aac" => Family::Mp4,
        "aif" | "aiff" | "aifc" => Family::Aiff,
        "au" | "snd" => Family::Au,
        "w64" => Family::W64,
        "rf64" => Family::Rf64,
        "wma" => Family::Wma,
        "amr" => Family::Amr,
        "caf" => Family::Caf,
        "mka" | "webm" => Family::Mka,
        _ => return None,
    })
}

/// A four-character code for messages, with non-printable bytes escaped.
pub(crate) fn escape_fourcc(id: &[u8]) -> String {
    let mut s = String::new();
    for &b in id {
        if b.is_ascii_graphic() || b == b' ' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

const W64_RIFF_GUID: [u8; 16] = [
    b'r', b'i', b'f', b'f', 0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
];
const ASF_HEADER_GUID: [u8; 16] = [
    0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C,
];

/// The size of an ID3v2 tag (header, body and footer) starting at `b`, if `b` begins with one.
pub(crate) fn id3v2_len(b: &[u8]) -> Option<u64> {
    if b.len() < 10 || &b[..3] != b"ID3" || b[3] == 0xFF || b[4] == 0xFF {
        return None;
    }
    let size = &b[6..10];
    if size.iter().any(|&x| x & 0x80 != 0) {
        return None;
    }
    let body = size.iter().fold(0u64, |acc, &x| (acc << 7) | u64::from(x));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// Whether `b` starts with a plausible MPEG audio frame header; returns its layer (1 to 3).
pub(crate) fn mpeg_frame_layer(b: &[u8]) -> Option<u8> {
    if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b[1] >> 3) & 3;
    let layer = (b[1] >> 1) & 3;
    let bitrate = b[2] >> 4;
    let rate = (b[2] >> 2) & 3;
    if version == 1 || layer == 0 || bitrate == 15 || rate == 3 {
        return None;
    }
    Some(4 - layer)
}

fn is_adts(b: &[u8]) -> bool {
    b.len() >= 7 && b[0] == 0xFF && b[1] & 0xF6 == 0xF0 && (b[2] >> 2) & 0xF < 13
}

/// Names the content of `head`, the first bytes of an input.
///
/// For an ID3v2-tagged file, `after_tag` gives the bytes that follow the tag when they lie
/// outside `head` (the caller reads them; `None` when they could not be read).
pub fn identify(head: &[u8], after_tag: Option<&[u8]>) -> Container {
    if head.is_empty() {
        return Container::Empty;
    }
    if head.len() >= 12 {
        let form: [u8; 4] = [head[8], head[9], head[10], head[11]];
        match &head[..4] {
            b"RIFF" if &form == b"WAVE" => return Container::Wav,
            b"RIFF" => return Container::RiffOther(form),
            b"RF64" => return Container::Rf64,
            b"BW64" => return Container::Bw64,
            b"RIFX" => return Container::Rifx,
            b"FORM" if &form == b"AIFF" || &form == b"AIFC" => return Container::Aiff,
            _ => {}
        }
        if &head[4..8] == b"ftyp" {
            return Container::Mp4;
        }
    }
    if head.len() >= 16 && head[..16] == W64_RIFF_GUID {
        return Container::W64;
    }
    if head.len() >= 16 && head[..16] == ASF_HEADER_GUID {
        return Container::Asf;
    }
    if head.starts_with(b"fLaC") {
        return Container::Flac;
    }
    if head.starts_with(b"OggS") {
        let codec = match head.get(28..) {
            Some(p) if p.starts_with(b"\x01vorbis") => OggCodec::Vorbis,
            Some(p) if p.starts_with(b"OpusHead") => OggCodec::Opus,
            Some(p) if p.starts_with(b"\x7FFLAC") => OggCodec::Flac,
            Some(p) if p.starts_with(b"Speex   ") => OggCodec::Speex,
            _ => OggCodec::Other,
        };
        return Container::Ogg(codec);
    }
    if head.starts_with(b".snd") {
        return Container::Au;
    }
    if head.starts_with(b"#!AMR") {
        return Container::Amr;
    }
    if head.starts_with(b"caff") {
        return Container::Caf;
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Container::Matroska;
    }
    if let Some(tag_len) = id3v2_len(head) {
        let rest = match usize::try_from(tag_len).ok().and_then(|n| head.get(n..)) {
            Some(rest) if rest.len() >= 4 => rest,
            _ => after_tag.unwrap_or(&[]),
        };
        // Some taggers pad with zeros after the tag; skip them.
        let rest = &rest[rest.iter().take_while(|&&b| b == 0).count()..];
        return match mpeg_frame_layer(rest) {
            Some(3) => Container::Mp3 { id3v2: true },
            Some(_) => Container::MpegAudio,
            None if rest.starts_with(b"fLaC") => Container::Flac,
            None if is_adts(rest) => Container::Aac,
            None => Container::Id3Other,
        };
    }
    if is_adts(head) {
        return Container::Aac;
    }
    match mpeg_frame_layer(head) {
        Some(3) => return Container::Mp3 { id3v2: false },
        Some(_) => return Container::MpegAudio,
        None => {}
    }
    identify_text(head)
}

/// HTML, XML, JSON or other text; otherwise unknown.
fn identify_text(head: &[u8]) -> Container {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    let lower: Vec<u8> = body.iter().take(64).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Container::Html;
    }
    if lower.starts_with(b"<?xml") {
        // Storage error documents are XML; an XHTML page still counts as HTML.
        return if find(&lower, b"<html") {
            Container::Html
        } else {
            Container::Xml
        };
    }
    let text_like = {
        // Cut a multi-byte character split by the end of the window before judging.
        let valid = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        };
        valid
            && !head
                .iter()
                .any(|&b| b == 0 || (b < 0x20 && !b"\t\n\r\x0C".contains(&b)))
    };
    if !text_like {
        return Container::Unknown;
    }
    if body.starts_with(b"{") || body.starts_with(b"[") {
        Container::Json
    } else if body.starts_with(b"<") && find(&lower, b"<html") {
        Container::Html
    } else {
        Container::Text
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn riff(form: &[u8; 4]) -> Vec<u8> {
        let mut v = b"RIFF\x24\0\0\0".to_vec();
        v.extend_from_slice(form);
        v
    }

    #[test]
    fn names_containers_by_magic() {
        assert_eq!(identify(&riff(b"WAVE"), None), Container::Wav);
        assert_eq!(
            identify(&riff(b"AVI "), None),
            Container::RiffOther(*b"AVI ")
        );
        assert_eq!(identify(b"RF64\xFF\xFF\xFF\xFFWAVE", None), Container::Rf64);
        assert_eq!(identify(b"RIFX\0\0\0\x24WAVE", None), Container::Rifx);
        assert_eq!(identify(b"FORM\0\0\0\x24AIFF", None), Container::Aiff);
        assert_eq!(identify(b"fLaC\0\0\0\x22", None), Container::Flac);
        assert_eq!(identify(b".snd\0\0\0\x18", None), Container::Au);
        assert_eq!(
            identify(b"\0\0\0\x20ftypM4A \0\0\0\0", None),
            Container::Mp4
        );
        assert_eq!(identify(&W64_RIFF_GUID, None), Container::W64);
        assert_eq!(identify(&ASF_HEADER_GUID, None), Container::Asf);
        assert_eq!(identify(b"#!AMR\n", None), Container::Amr);
        assert_eq!(identify(b"", None), Container::Empty);
        let mut ogg = b"OggS".to_vec();
        ogg.resize(28, 0);
        ogg.extend_from_slice(b"OpusHead");
        assert_eq!(identify(&ogg, None), Container::Ogg(OggCodec::Opus));
    }

    #[test]
    fn tells_mp3_with_and_without_id3() {
        let frame = [0xFF, 0xFB, 0x90, 0x64];
        assert_eq!(identify(&frame, None), Container::Mp3 { id3v2: false });
        let mut tagged = b"ID3\x04\0\0\0\0\0\x05".to_vec();
        tagged.extend_from_slice(&[0; 5]);
        tagged.extend_from_slice(&frame);
        assert_eq!(identify(&tagged, None), Container::Mp3 { id3v2: true });
        // Tag body longer than the head: the caller supplies what follows it.
        let big_tag = b"ID3\x04\0\0\0\x01\0\0";
        assert_eq!(id3v2_len(big_tag), Some(10 + 128 * 128));
        assert_eq!(
            identify(big_tag, Some(&frame)),
            Container::Mp3 { id3v2: true }
        );
        assert_eq!(identify(big_tag, None), Container::Id3Other);
        // Layer II and ADTS are named apart from MP3.
        assert_eq!(
            identify(&[0xFF, 0xFD, 0x90, 0x64], None),
            Container::MpegAudio
        );
        assert_eq!(
            identify(&[0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC], None),
            Container::Aac
        );
    }

    #[test]
    fn names_text_pages() {
        assert_eq!(
            identify(
                b"\n  <!DOCTYPE html><html><body>Sign in</body></html>",
                None
            ),
            Container::Html
        );
        assert_eq!(
            identify(
                b"<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code></Error>",
                None
            ),
            Container::Xml
        );
        assert_eq!(identify(b"{\"error\": 1}", None), Container::Json);
        assert_eq!(identify(b"hello world\n", None), Container::Text);
        assert_eq!(
            identify(&[0x00, 0x01, 0x02, 0x99], None),
            Container::Unknown
        );
    }

    #[test]
    fn extension_families() {
        assert_eq!(family_of_extension("wav"), Container::Wav.family());
        assert_eq!(
            family_of_extension("mp3"),
            Container::Mp3 { id3v2: true }.family()
        );
        assert_ne!(family_of_extension("wav"), Container::Flac.family());
        assert_eq!(family_of_extension("txt"), None);
        assert_eq!(Container::Html.family(), None);
    }
}
