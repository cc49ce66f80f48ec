//! Converting any decodable audio file into a prompt ACS plays: WAV, 16-bit PCM, mono, 16 kHz.
//!
//! symphonia decodes (WAV of any depth, float, A-law, mu-law, ADPCM, MP3, FLAC, Ogg Vorbis,
//! AAC/MP4, AIFF, CAF, MKV); channels are averaged to mono; rubato's FFT resampler (a
//! band-limited sinc filter applied by FFT) brings the rate to 16000 Hz; samples become 16-bit
//! with TPDF dither, only when they need requantizing (a 16-bit source at 16 kHz is copied
//! exactly); hound writes a plain PCM WAV (format tag 1).

use std::io::{Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::wav::REQUIRED_SAMPLE_RATE;

/// Why a file could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The file could not be opened or read.
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    /// symphonia could not make sense of it.
    #[error("cannot decode it: {0}")]
    Decode(String),
    /// It decodes to no audio.
    #[error("it holds no audio samples")]
    Empty,
    /// Resampling failed.
    #[error("cannot resample it: {0}")]
    Resample(String),
    /// Writing the WAV failed.
    #[error("cannot write the converted file: {0}")]
    Write(String),
}

/// What a conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The source's sample rate.
    pub rate_in: u32,
    /// The source's channel count.
    pub channels_in: u16,
    /// Frames decoded from the source.
    pub frames_in: u64,
    /// Frames written (at 16000 Hz).
    pub frames_out: u64,
    /// Whether the samples were resampled.
    pub resampled: bool,
    /// Whether TPDF dither was added (the samples needed requantizing to 16 bits).
    pub dithered: bool,
}

/// Decoded audio, downmixed to mono.
struct Mono {
    samples: Vec<f32>,
    rate: u32,
    channels: u16,
}

fn decode_mono(path: &Path) -> Result<Mono, ConvertError> {
    let file = std::fs::File::open(path)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| ConvertError::Decode(e.to_string()))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ConvertError::Decode("no audio track".to_owned()))?;
    let track_id = track.id;
    // The stream's own frame count (a WAV `fact` chunk, a FLAC STREAMINFO): block codecs pad
    // their last block, and that padding is not audio.
    let num_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| ConvertError::Decode("no audio codec parameters".to_owned()))?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| ConvertError::Decode(e.to_string()))?;

    let mut mono: Vec<f32> = Vec::new();
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut channels = params
        .channels
        .as_ref()
        .map(|c| c.count() as u16)
        .unwrap_or(0);
    let mut interleaved: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A stream cut off at the end of a packet: what came before is the audio.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(e) => return Err(ConvertError::Decode(e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| ConvertError::Decode(e.to_string()))?;
        let spec = buf.spec();
        rate = spec.rate();
        let ch = spec.channels().count().max(1);
        channels = ch as u16;
        buf.copy_to_vec_interleaved(&mut interleaved);
        let scale = 1.0 / ch as f32;
        mono.extend(interleaved.chunks_exact(ch).map(|frame| {
            if ch == 1 {
                frame[0]
            } else {
                frame.iter().sum::<f32>() * scale
            }
        }));
    }
    let num_frames = wav_fact_frames(path).map(u64::from).or(num_frames);
    if let Some(n) = num_frames.and_then(|n| usize::try_from(n).ok()) {
        if n > 0 && mono.len() > n {
            mono.truncate(n);
        }
    }
    if mono.is_empty() {
        return Err(ConvertError::Empty);
    }
    if rate == 0 {
        return Err(ConvertError::Decode("no sample rate".to_owned()));
    }
    Ok(Mono {
        samples: mono,
        rate,
        channels,
    })
}

/// For a WAV of a block codec (ADPCM, GSM, ...), the sample frames its `fact` chunk declares.
fn wav_fact_frames(path: &Path) -> Option<u32> {
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut window = crate::source::Window::open(&file, Some(len), len).ok()?;
    if crate::sniff::identify(window.head(), None) != crate::sniff::Container::Wav {
        return None;
    }
    let layout = crate::riff::walk(&mut window);
    let block_coded = layout
        .fmt
        .is_some_and(|f| !matches!(f.effective_tag(), Some(1 | 3 | 6 | 7)));
    if block_coded {
        layout.fact
    } else {
        None
    }
}

fn resample(samples: &[f32], rate_in: u32) -> Result<Vec<f32>, ConvertError> {
    let err = |e: &dyn std::fmt::Display| ConvertError::Resample(e.to_string());
    let mut resampler = Fft::<f32>::new(
        rate_in as usize,
        REQUIRED_SAMPLE_RATE as usize,
        1024,
        1,
        FixedSync::Input,
    )
    .map_err(|e| err(&e))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| err(&e))?;
    let needed = resampler.process_all_needed_output_len(samples.len());
    let mut out = vec![0.0f32; needed];
    let (_, produced) = {
        let mut output = InterleavedSlice::new_mut(&mut out, 1, needed).map_err(|e| err(&e))?;
        resampler
            .process_all_into_buffer(&input, &mut output, samples.len(), None)
            .map_err(|e| err(&e))?
    };
    // Exactly the source's duration at the new rate.
    let expected = (samples.len() as u64 * u64::from(REQUIRED_SAMPLE_RATE))
        .div_ceil(u64::from(rate_in)) as usize;
    out.truncate(produced.min(expected));
    out.resize(expected, 0.0);
    Ok(out)
}

/// Whether every sample is already a 16-bit value (then it is copied, not dithered).
fn exact_16_bit(samples: &[f32]) -> bool {
    samples.iter().all(|&s| {
        let x = s * 32768.0;
        x.fract() == 0.0 && (-32768.0..=32767.0).contains(&x)
    })
}

/// Quantizes to 16 bits: exact values are copied, others get TPDF dither (two uniform values of
/// one LSB each, summed) before rounding. The generator is seeded, so output is reproducible.
fn quantize(samples: &[f32], dither: bool) -> Vec<i16> {
    let mut rng = fastrand::Rng::with_seed(0x05EE_DAC5);
    samples
        .iter()
        .map(|&s| {
            let mut x = f64::from(s) * 32768.0;
            if dither {
                x += rng.f64() - rng.f64();
            }
            x.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// Converts the audio file at `input` and writes a WAV prompt ACS plays to `output`.
pub fn convert_file<W: Write + Seek>(input: &Path, output: W) -> Result<Conversion, ConvertError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mono = decode_mono(input)?;
        let resampled = mono.rate != REQUIRED_SAMPLE_RATE;
        let samples = if resampled {
            resample(&mono.samples, mono.rate)?
        } else {
            mono.samples.clone()
        };
        let dithered = !exact_16_bit(&samples);
        let pcm = quantize(&samples, dithered);
        write_wav(output, &pcm)?;
        Ok(Conversion {
            rate_in: mono.rate,
            channels_in: mono.channels,
            frames_in: mono.samples.len() as u64,
            frames_out: pcm.len() as u64,
            resampled,
            dithered,
        })
    }));
    result.unwrap_or_else(|_| {
        Err(ConvertError::Decode(
            "the decoder failed on this file".to_owned(),
        ))
    })
}

fn write_wav<W: Write + Seek>(output: W, pcm: &[i16]) -> Result<(), ConvertError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: REQUIRED_SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let werr = |e: hound::Error| ConvertError::Write(e.to_string());
    let mut writer = hound::WavWriter::new(output, spec).map_err(werr)?;
    {
        let mut w16 = writer.get_i16_writer(pcm.len() as u32);
        for &s in pcm {
            w16.write_sample(s);
        }
        w16.flush().map_err(werr)?;
    }
    writer.finalize().map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_are_not_dithered() {
        let s = [0.0, 0.5, -1.0, 32767.0 / 32768.0];
        assert!(exact_16_bit(&s));
        assert_eq!(quantize(&s, false), vec![0, 16384, -32768, 32767]);
        assert!(!exact_16_bit(&[0.25 / 32768.0]));
    }

    #[test]
    fn dither_is_triangular_and_small() {
        let zeros = vec![0.0f32; 100_000];
        let q = quantize(&zeros, true);
        assert!(q.iter().all(|&v| (-1..=1).contains(&v)));
        let nonzero = q.iter().filter(|&&v| v != 0).count();
        // TPDF of one LSB rounds to +-1 a quarter of the time.
        assert!((20_000..30_000).contains(&nonzero), "{nonzero}");
        // Full scale does not wrap.
        assert_eq!(quantize(&[1.0, -1.0], true)[1], -32768);
        assert_eq!(quantize(&[1.0], true)[0], 32767);
    }
}
#[cfg(test)]
mod fact_tests {
    #[test]
    fn the_fact_chunk_gives_the_true_length_of_adpcm() {
        let p = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/audio/tone-8k-ima-adpcm.wav"
        ));
        assert_eq!(super::wav_fact_frames(p), Some(4000));
    }
}
