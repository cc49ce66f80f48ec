//! What ACS requires of a WAV prompt's format: integer PCM (tag 1), 16 bits, mono, 16000 Hz.

use crate::header::riff::{Data, Fmt, TAG_EXTENSIBLE};
use crate::report::AudioInfo;
use crate::rules::Rule;

/// The sample rate ACS plays.
pub const REQUIRED_SAMPLE_RATE: u32 = 16_000;
/// The bits per sample ACS plays.
pub const REQUIRED_BITS: u16 = 16;
/// The channel count ACS plays.
pub const REQUIRED_CHANNELS: u16 = 1;

const TAG_PCM: u16 = 0x0001;
const TAG_FLOAT: u16 = 0x0003;
const TAG_ALAW: u16 = 0x0006;
const TAG_MULAW: u16 = 0x0007;

/// A name for the codec of a format tag, in ffmpeg's spelling where it has one.
pub(crate) fn codec_name(tag: Option<u16>, bits: u16) -> String {
    let Some(tag) = tag else {
        return "unknown extensible sub-format".to_owned();
    };
    match (tag, bits) {
        (TAG_PCM, 8) => "pcm_u8".to_owned(),
        (TAG_PCM, 16) => "pcm_s16le".to_owned(),
        (TAG_PCM, 24) => "pcm_s24le".to_owned(),
        (TAG_PCM, 32) => "pcm_s32le".to_owned(),
        (TAG_PCM, b) => format!("pcm ({b}-bit)"),
        (TAG_FLOAT, 32) => "pcm_f32le".to_owned(),
        (TAG_FLOAT, 64) => "pcm_f64le".to_owned(),
        (TAG_FLOAT, b) => format!("float ({b}-bit)"),
        (0x0002, _) => "adpcm_ms".to_owned(),
        (TAG_ALAW, _) => "pcm_alaw".to_owned(),
        (TAG_MULAW, _) => "pcm_mulaw".to_owned(),
        (0x0011, _) => "adpcm_ima_wav".to_owned(),
        (0x0031, _) => "gsm_ms".to_owned(),
        (0x0050, _) => "mp2".to_owned(),
        (0x0055, _) => "mp3".to_owned(),
        (0x0160..=0x0163, _) => "wma".to_owned(),
        (0x00FF | 0x1610 | 0x706D, _) => "aac".to_owned(),
        (t, _) => format!("format tag {t:#06X}"),
    }
}

/// A description of a non-PCM codec for messages.
fn codec_description(tag: Option<u16>) -> String {
    match tag {
        Some(TAG_FLOAT) => "IEEE float".to_owned(),
        Some(TAG_ALAW) => "A-law".to_owned(),
        Some(TAG_MULAW) => "mu-law".to_owned(),
        Some(0x0002) => "Microsoft ADPCM".to_owned(),
        Some(0x0011) => "IMA ADPCM".to_owned(),
        Some(0x0031) => "GSM 6.10".to_owned(),
        Some(0x0050) => "MPEG audio".to_owned(),
        Some(0x0055) => "MP3".to_owned(),
        Some(t) => format!("codec tag {t:#06X}"),
        None => "an unknown extensible sub-format GUID".to_owned(),
    }
}

fn channel_words(n: u16) -> String {
    match n {
        2 => "2 channels (stereo)".to_owned(),
        n => format!("{n} channels"),
    }
}

/// Checks a walked WAV file's format against what ACS plays.
pub(crate) fn check_format(fmt: &Fmt, data: Option<&Data>) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let tag = fmt.effective_tag();
    let integer_pcm = tag == Some(TAG_PCM);
    if !integer_pcm {
        out.push((
            Rule::NotPcm,
            format!(
                "the codec is {} ({}-bit); ACS plays 16-bit integer PCM",
                codec_description(tag),
                fmt.bits_per_sample
            ),
        ));
    } else if fmt.bits_per_sample != REQUIRED_BITS {
        out.push((
            Rule::BitDepth,
            format!("{}-bit samples; ACS plays 16-bit only", fmt.bits_per_sample),
        ));
    }
    if fmt.sample_rate != REQUIRED_SAMPLE_RATE {
        out.push((
            Rule::SampleRate,
            format!("{} Hz; ACS plays 16000 Hz only", fmt.sample_rate),
        ));
    }
    if fmt.channels == 0 {
        out.push((Rule::Malformed, "the header says 0 channels".to_owned()));
    } else if fmt.channels != REQUIRED_CHANNELS {
        out.push((
            Rule::Channels,
            format!("{}; ACS plays mono only", channel_words(fmt.channels)),
        ));
    }

    // Frame layout: only meaningful for codecs with whole-byte samples.
    let byte_samples = matches!(tag, Some(TAG_PCM | TAG_FLOAT | TAG_ALAW | TAG_MULAW));
    let expected_align = u32::from(fmt.channels) * u32::from(fmt.bits_per_sample).div_ceil(8);
    if byte_samples && fmt.channels > 0 && u32::from(fmt.block_align) != expected_align {
        out.push((
            Rule::Malformed,
            format!(
                "block_align is {}, but {} of {}-bit samples need {expected_align}",
                fmt.block_align,
                channel_words(fmt.channels),
                fmt.bits_per_sample
            ),
        ));
    } else if byte_samples
        && u64::from(fmt.byte_rate) != u64::from(fmt.sample_rate) * u64::from(fmt.block_align)
    {
        out.push((
            Rule::HeaderInconsistent,
            format!(
                "byte_rate is {} but {} Hz x block_align {} is {}",
                fmt.byte_rate,
                fmt.sample_rate,
                fmt.block_align,
                u64::from(fmt.sample_rate) * u64::from(fmt.block_align)
            ),
        ));
    }

    if let Some(data) = data {
        let align = u64::from(fmt.block_align.max(1));
        if data.len < align {
            out.push((
                Rule::NoAudio,
                if data.declared == 0 {
                    "the data chunk is empty: 0 samples".to_owned()
                } else {
                    format!(
                        "the data chunk holds {} bytes: not one whole sample frame",
                        data.len
                    )
                },
            ));
        } else if byte_samples && data.len % align != 0 {
            out.push((
                Rule::HeaderInconsistent,
                format!(
                    "the data length {} is not a multiple of block_align {}",
                    data.len, fmt.block_align
                ),
            ));
        }
    }

    if fmt.format_tag == TAG_EXTENSIBLE && integer_pcm {
        out.push((
            Rule::ExtensibleHeader,
            "WAVE_FORMAT_EXTENSIBLE header around PCM; ACS documents plain PCM (format tag 1) only"
                .to_owned(),
        ));
    }
    out
}

/// What the header says about the audio.
pub(crate) fn audio_info(
    fmt: Option<&Fmt>,
    data: Option<&Data>,
    size_bytes: Option<u64>,
) -> AudioInfo {
    let Some(fmt) = fmt else {
        return AudioInfo {
            container: "wav".to_owned(),
            size_bytes,
            ..AudioInfo::default()
        };
    };
    let duration_ms = match data {
        Some(d) if fmt.byte_rate > 0 => Some(d.len * 1000 / u64::from(fmt.byte_rate)),
        _ => None,
    };
    AudioInfo {
        container: "wav".to_owned(),
        codec: Some(codec_name(fmt.effective_tag(), fmt.bits_per_sample)),
        sample_rate: Some(fmt.sample_rate),
        channels: Some(fmt.channels),
        bits_per_sample: Some(fmt.bits_per_sample),
        duration_ms,
        size_bytes,
        ..AudioInfo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(tag: u16, ch: u16, rate: u32, bits: u16) -> Fmt {
        let align = ch * bits.div_ceil(8);
        Fmt {
            format_tag: tag,
            channels: ch,
            sample_rate: rate,
            byte_rate: rate * u32::from(align),
            block_align: align,
            bits_per_sample: bits,
            sub_format: None,
        }
    }

    fn data(len: u64) -> Data {
        Data {
            offset: 44,
            declared: len as u32,
            len,
        }
    }

    fn rules(v: &[(Rule, String)]) -> Vec<Rule> {
        v.iter().map(|(r, _)| *r).collect()
    }

    #[test]
    fn the_acs_format_passes() {
        assert_eq!(
            check_format(&fmt(1, 1, 16000, 16), Some(&data(32000))),
            vec![]
        );
    }

    #[test]
    fn each_deviation_names_its_value() {
        let r = check_format(&fmt(1, 2, 44100, 16), Some(&data(4000)));
        assert_eq!(rules(&r), vec![Rule::SampleRate, Rule::Channels]);
        assert!(r[0].1.starts_with("44100 Hz"));
        assert!(r[1].1.starts_with("2 channels (stereo)"));

        let r = check_format(&fmt(1, 1, 16000, 8), Some(&data(100)));
        assert_eq!(rules(&r), vec![Rule::BitDepth]);
        assert!(r[0].1.starts_with("8-bit"));

        let r = check_format(&fmt(3, 1, 16000, 32), Some(&data(400)));
        assert_eq!(rules(&r), vec![Rule::NotPcm]);
        assert!(r[0].1.contains("IEEE float"));

        let r = check_format(&fmt(6, 1, 8000, 8), Some(&data(400)));
        assert_eq!(rules(&r), vec![Rule::NotPcm, Rule::SampleRate]);
        assert!(r[0].1.contains("A-law"));
    }

    #[test]
    fn layout_problems() {
        let mut f = fmt(1, 1, 16000, 16);
        f.block_align = 4;
        assert_eq!(
            rules(&check_format(&f, Some(&data(64)))),
            vec![Rule::Malformed]
        );

        let mut f = fmt(1, 1, 16000, 16);
        f.byte_rate = 16000;
        assert_eq!(
            rules(&check_format(&f, Some(&data(64)))),
            vec![Rule::HeaderInconsistent]
        );

        let f = fmt(1, 1, 16000, 16);
        assert_eq!(
            rules(&check_format(&f, Some(&data(65)))),
            vec![Rule::HeaderInconsistent]
        );
        assert_eq!(
            rules(&check_format(&f, Some(&data(0)))),
            vec![Rule::NoAudio]
        );
        assert_eq!(
            rules(&check_format(&f, Some(&data(1)))),
            vec![Rule::NoAudio]
        );
    }

    #[test]
    fn extensible_around_pcm_is_a_warning_only() {
        let mut f = fmt(TAG_EXTENSIBLE, 1, 16000, 16);
        f.sub_format = Some(Some(1));
        assert_eq!(
            rules(&check_format(&f, Some(&data(64)))),
            vec![Rule::ExtensibleHeader]
        );
        f.sub_format = Some(Some(3));
        f.bits_per_sample = 32;
        f.block_align = 4;
        f.byte_rate = 64000;
        assert_eq!(
            rules(&check_format(&f, Some(&data(64)))),
            vec![Rule::NotPcm]
        );
        f.sub_format = Some(None);
        assert_eq!(
            rules(&check_format(&f, Some(&data(64)))),
            vec![Rule::NotPcm]
        );
    }

    #[test]
    fn audio_info_from_header() {
        let f = fmt(1, 1, 16000, 16);
        let info = audio_info(Some(&f), Some(&data(48000)), Some(48044));
        assert_eq!(info.codec.as_deref(), Some("pcm_s16le"));
        assert_eq!(info.duration_ms, Some(1500));
        assert_eq!(info.size_bytes, Some(48044));
        assert_eq!(codec_name(Some(3), 32), "pcm_f32le");
        assert_eq!(codec_name(Some(0x1234), 4), "format tag 0x1234");
    }
}
