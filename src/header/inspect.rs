//! Checking one input's bytes: name the content, walk a WAV, apply every format rule.

use std::io::{Read, Seek};
use std::path::Path;

use crate::header::probe;
use crate::header::riff;
use crate::header::sniff::{self, family_of_extension, Container};
use crate::header::source::{Window, MAX_READ};
use crate::header::wav;
use crate::header::xing;
use crate::options::CheckOptions;
use crate::report::{AudioInfo, Finding};
use crate::rules::Rule;

/// Where the 16-bit PCM samples of a WAV are: what `--deep` reads straight from the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pcm16 {
    /// The first sample's byte offset.
    pub offset: u64,
    /// The bytes of samples.
    pub len: u64,
    /// Interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
}

impl Pcm16 {
    /// Reads the samples from `file`, handing `f` blocks of whole frames (64 KiB at most), the
    /// one reader `--deep` and `fix` share. A partial frame at the end is not audio.
    pub(crate) fn read_blocks<E: From<std::io::Error>>(
        &self,
        file: &mut std::fs::File,
        mut f: impl FnMut(&[i16]) -> Result<(), E>,
    ) -> Result<(), E> {
        use std::io::SeekFrom;
        let frame = 2 * usize::from(self.channels.max(1));
        file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = file.take(self.len);
        let mut bytes = vec![0u8; (64 * 1024 / frame).max(1) * frame];
        let mut ints: Vec<i16> = Vec::with_capacity(bytes.len() / 2);
        loop {
            let mut got = 0;
            while got < bytes.len() {
                let n = reader.read(&mut bytes[got..])?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            let whole = got - got % frame;
            if whole > 0 {
                ints.clear();
                ints.extend(
                    bytes[..whole]
                        .chunks_exact(2)
                        .map(|p| i16::from_le_bytes([p[0], p[1]])),
                );
                f(&ints)?;
            }
            if got < bytes.len() {
                return Ok(());
            }
        }
    }
}

/// Where the input came from, for advice and extension checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    /// The file's path, when it is a local file (used to write exact commands).
    pub path: Option<&'a Path>,
    /// The name's extension, lowercase, without the dot.
    pub extension: Option<&'a str>,
}

/// The verdict on one input's content.
pub(crate) struct Inspection {
    pub audio: Option<AudioInfo>,
    pub findings: Vec<Finding>,
    /// Where the samples are, for a sound 16-bit PCM WAV (`--deep` reads them directly).
    pub pcm16: Option<Pcm16>,
    /// Whether symphonia may decode the samples (`--deep`): a sound WAV of another codec, or an
    /// accepted MP3.
    pub decodable: bool,
}

/// Checks the content behind `window`.
pub(crate) fn inspect<R: Read + Seek>(
    window: &mut Window<R>,
    origin: Origin<'_>,
    options: &CheckOptions,
) -> Inspection {
    let container = identify(window);
    let mut issues: Vec<(Rule, String)> = Vec::new();
    let size = window.size();
    let mut pcm16 = None;
    let mut decodable = false;

    let audio = match container {
        Container::Wav => {
            let layout = riff::walk(window);
            issues.extend(layout.issues.iter().cloned());
            if let Some(fmt) = &layout.fmt {
                issues.extend(wav::check_format(fmt, layout.data.as_ref()));
            }
            let sound = !issues
                .iter()
                .any(|(r, _)| matches!(r, Rule::Malformed | Rule::NoAudio));
            if let (true, Some(fmt), Some(data)) = (sound, &layout.fmt, &layout.data) {
                if fmt.effective_tag() == Some(1) && fmt.bits_per_sample == 16 {
                    pcm16 = Some(Pcm16 {
                        offset: data.offset,
                        len: data.len,
                        channels: fmt.channels,
                        rate: fmt.sample_rate,
                    });
                } else {
                    decodable = true;
                }
            }
            Some(wav::audio_info(
                layout.fmt.as_ref(),
                layout.data.as_ref(),
                size,
            ))
        }
        Container::Mp3 { id3v2: true } if options.allow_mp3 => {
            decodable = true;
            Some(other_audio(window, container, origin, true))
        }
        Container::Mp3 { id3v2: false } if options.allow_mp3 => {
            issues.push((
                Rule::NotWav,
                "this is MP3 without an ID3v2 tag; ACS accepts MP3 only when it begins with an ID3v2 tag"
                    .to_owned(),
            ));
            Some(other_audio(window, container, origin, false))
        }
        _ => {
            let hint = if matches!(container, Container::Mp3 { id3v2: true }) {
                " (or pass --allow-mp3: ACS's newer docs accept MP3 with an ID3v2 tag)"
            } else {
                ""
            };
            issues.push((
                Rule::NotWav,
                format!(
                    "this is {container}, not WAV; ACS plays WAV with 16-bit PCM, mono, 16 kHz{hint}"
                ),
            ));
            Some(if container.is_audio() || container == Container::Unknown {
                other_audio(window, container, origin, false)
            } else {
                AudioInfo {
                    container: container.short_name().to_owned(),
                    size_bytes: size,
                    ..AudioInfo::default()
                }
            })
        }
    };

    if let Some(mismatch) = extension_mismatch(container, origin) {
        issues.push((Rule::ExtensionMismatch, mismatch));
    }

    let findings = issues
        .into_iter()
        .map(|(rule, message)| {
            let finding = Finding::new(rule, options.action, message);
            match advice(rule, container, origin, options) {
                Some(advice) => finding.with_advice(advice),
                None => finding,
            }
        })
        .collect();
    Inspection {
        audio,
        findings,
        pcm16,
        decodable,
    }
}

/// Names the content, reading past an ID3v2 tag when the head does not reach its end.
fn identify<R: Read + Seek>(window: &mut Window<R>) -> Container {
    let head = window.head();
    let after_tag = match sniff::id3v2_len(head) {
        Some(tag_len) if tag_len + 4 > head.len() as u64 => window.read_up_to(tag_len, 4096).ok(),
        _ => None,
    };
    sniff::identify(window.head(), after_tag.as_deref())
}

/// Details of a non-WAV file, filled in by symphonia where it can; with `mp3_length`, the
/// length an MP3's Xing/Info tag declares, less the encoder's delay and padding.
fn other_audio<R: Read + Seek>(
    window: &mut Window<R>,
    container: Container,
    origin: Origin<'_>,
    mp3_length: bool,
) -> AudioInfo {
    let mut info = AudioInfo {
        container: container.short_name().to_owned(),
        size_bytes: window.size(),
        ..AudioInfo::default()
    };
    // For MP3 behind a large tag, start at the first frame; otherwise at the start.
    let start = match sniff::id3v2_len(window.head()) {
        Some(n) if n > window.head().len() as u64 => n,
        _ => 0,
    };
    let Ok(bytes) = window.read_up_to(start, MAX_READ) else {
        return info;
    };
    if mp3_length {
        info.duration_ms = xing::duration_ms(&bytes);
    }
    if let Some(p) = probe::probe(bytes, origin.extension) {
        if container == Container::Unknown {
            info.container = format!("unknown (symphonia reads it as {})", p.format);
        }
        info.codec = Some(p.format);
        info.sample_rate = p.sample_rate;
        info.channels = p.channels;
        info.bits_per_sample = p.bits_per_sample;
    }
    info
}

fn extension_mismatch(container: Container, origin: Origin<'_>) -> Option<String> {
    let ext = origin.extension?;
    let named = family_of_extension(ext)?;
    let content = container.family()?;
    (named != content).then(|| format!("the name ends in .{ext} but the content is {container}"))
}

/// The exact command that converts the file in place (keeping the original as `NAME.orig`).
fn fix_command(path: &Path) -> String {
    format!("convert it: acs-preflight fix --in-place {}", quote(path))
}

/// The path as one shell word that names exactly this file. A name with a control character,
/// a bidi control or bytes that are not UTF-8 cannot be shown raw (every printer escapes such
/// characters, and `'a\x0Ab'` would name another file), so it is written in dollar-single
/// quotes (POSIX.1-2024, bash, zsh, ksh), whose `\xNN` escapes the shell itself decodes.
///
/// On Windows, a word for PowerShell (and cmd when no quotes are needed): the path with its
/// single backslashes, in single quotes only when it holds more than letters, digits and
/// `\ / : . _ -` ([`powershell_quote`]).
fn quote(path: &Path) -> String {
    #[cfg(windows)]
    {
        powershell_quote(&crate::display::path_to_string(path))
    }
    #[cfg(not(windows))]
    {
        #[cfg(unix)]
        let bytes = {
            use std::os::unix::ffi::OsStrExt;
            path.as_os_str().as_bytes().to_vec()
        };
        #[cfg(not(unix))]
        let bytes = path.to_string_lossy().into_owned().into_bytes();
        match std::str::from_utf8(&bytes) {
            Ok(s) if !s.chars().any(crate::display::is_unsafe_char) => shlex::try_quote(s)
                .map(|q| q.into_owned())
                .unwrap_or_else(|_| dollar_quote(&bytes)),
            _ => dollar_quote(&bytes),
        }
    }
}

/// `text` as one PowerShell word: as is when it holds only letters, digits and `\ / : . _ -`,
/// else in single quotes (a `'` doubled), in which PowerShell expands nothing.
#[cfg_attr(not(windows), allow(dead_code))]
fn powershell_quote(text: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '\\' | '/' | ':' | '.' | '_' | '-');
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg_attr(windows, allow(dead_code))]
/// `$'...'`: printable text as is, `\` and `'` escaped, everything else as `\xNN` bytes.
fn dollar_quote(bytes: &[u8]) -> String {
    let mut out = String::from("$'");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if c.is_control() || crate::display::is_unsafe_char(c) => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02X}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out.push('\'');
    out
}

/// Whether ACS plays content of this kind under `options`: WAV, or MP3 with an ID3v2 tag under
/// `--allow-mp3` (its format may still be wrong: other rules say so).
fn playable_kind(container: Container, options: &CheckOptions) -> bool {
    match container {
        Container::Wav => true,
        Container::Mp3 { id3v2: true } => options.allow_mp3,
        _ => false,
    }
}

/// Advice specific to this file, where the rule's generic advice can be made exact.
/// Whether a name is a config or source file's, where prompt URLs are written (appsettings.json,
/// web.config, .env, ...), rather than a prompt's.
fn is_config_name(path: &Path) -> bool {
    let ext = crate::walk::extension_of(path).unwrap_or_default();
    matches!(
        &*ext,
        "json"
            | "jsonc"
            | "yaml"
            | "yml"
            | "xml"
            | "config"
            | "resx"
            | "env"
            | "ini"
            | "toml"
            | "properties"
    ) || path.file_name().is_some_and(|n| n == ".env")
}

fn advice(
    rule: Rule,
    container: Container,
    origin: Origin<'_>,
    options: &CheckOptions,
) -> Option<String> {
    match rule {
        Rule::NotWav if !container.is_audio() => Some(match container {
            Container::Xml | Container::Json | Container::Text
                if origin.path.is_some_and(is_config_name) =>
            {
                format!(
                    "the file holds {container}, not audio: to check the prompt URLs written in it, run acs-preflight check --extract-from {}",
                    origin.path.map(quote).unwrap_or_default()
                )
            }
            Container::Html | Container::Xml | Container::Json | Container::Text => format!(
                "the file holds {container}, not audio (an error page saved in place of the prompt?): fetch or export the real prompt"
            ),
            Container::Empty => "the file is empty: export the prompt again".to_owned(),
            _ => "this does not look like audio: export the prompt again as WAV, 16-bit PCM, mono, 16 kHz".to_owned(),
        }),
        // Only the name is wrong: renaming is the whole fix (`fix` does the same, writing
        // NAME.wav with the samples unchanged).
        Rule::ExtensionMismatch if playable_kind(container, options) => {
            let ext = container.family()?.canonical_extension();
            Some(match origin.path {
                Some(path) => format!(
                    "rename it to {}: the content is {container} already, only the name is wrong (and update what refers to it)",
                    quote(&path.with_extension(ext))
                ),
                None => format!(
                    "rename the file to end in .{ext}: the content is {container} already, only the name is wrong"
                ),
            })
        }
        r if r.cured_by_conversion() => origin.path.map(fix_command),
        // Content ACS does not play: converting writes a WAV named .wav, curing both.
        Rule::ExtensionMismatch => origin.path.map(fix_command),
        _ => None,
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    /// The advice's command on Windows: the path with single backslashes, pasteable into
    /// PowerShell (today `"fixtures\\a.wav"`, a POSIX shell's quoting).
    #[test]
    fn windows_commands_are_powershell_words() {
        assert_eq!(powershell_quote("fixtures\\a-1.wav"), "fixtures\\a-1.wav");
        assert_eq!(
            powershell_quote("C:\\My Prompts\\a.wav"),
            "'C:\\My Prompts\\a.wav'"
        );
        assert_eq!(
            powershell_quote("$env:x `n it's.wav"),
            "'$env:x `n it''s.wav'"
        );
    }

    #[test]
    fn advice_names_exactly_the_file() {
        assert_eq!(quote(Path::new("prompts/a b.wav")), "'prompts/a b.wav'");
        assert_eq!(quote(Path::new("plain.wav")), "plain.wav");
        assert_eq!(quote(Path::new("./nl\nx.wav")), "$'./nl\\x0Ax.wav'");
        assert_eq!(
            quote(Path::new("it's\\\u{1b}[2J\u{202e}.wav")),
            "$'it\\'s\\\\\\x1B[2J\\xE2\\x80\\xAE.wav'"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(std::ffi::OsStr::from_bytes(b"caf\xE9.wav"));
            assert_eq!(quote(p), "$'caf\\xE9.wav'");
        }
    }
}
