//! Asking symphonia what a non-WAV file holds (sample rate, channels), from bytes already read.
//!
//! symphonia is a player's demuxer and forgives much, so it never decides a verdict here: it only
//! fills in the details of a file our own sniffing has named, or names data our magic numbers did
//! not recognise.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// What symphonia found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Probed {
    /// symphonia's short name of the format, e.g. `mp3`, `flac`.
    pub format: String,
    pub sample_rate: Option<u32>,
    pub channels: Option<u16>,
    pub bits_per_sample: Option<u16>,
}

/// Probes `bytes` (a window of the file, not the whole file). Never panics: a panic inside
/// symphonia counts as "nothing found".
pub(crate) fn probe(bytes: Vec<u8>, extension: Option<&str>) -> Option<Probed> {
    catch_unwind(AssertUnwindSafe(|| probe_inner(bytes, extension))).ok()?
}

fn probe_inner(bytes: Vec<u8>, extension: Option<&str>) -> Option<Probed> {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let reader = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .ok()?;
    let mut probed = Probed {
        format: reader.format_info().short_name.to_owned(),
        ..Probed::default()
    };
    if let Some(params) = reader
        .default_track(TrackType::Audio)
        .and_then(|t| t.codec_params.as_ref())
        .and_then(|p| p.audio())
    {
        probed.sample_rate = params.sample_rate;
        probed.channels = params
            .channels
            .as_ref()
            .and_then(|c| u16::try_from(c.count()).ok())
            .filter(|&c| c > 0);
        probed.bits_per_sample = params.bits_per_sample.and_then(|b| u16::try_from(b).ok());
    }
    Some(probed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gives_nothing_and_no_panic() {
        assert_eq!(probe(vec![0x55; 5000], None), None);
        assert_eq!(probe(Vec::new(), Some("mp3")), None);
    }
}
