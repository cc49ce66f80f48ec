//! Converting any decodable audio file into a prompt ACS plays: WAV, 16-bit PCM, mono, 16 kHz.
//!
//! symphonia decodes (WAV of any depth, float, A-law, mu-law, ADPCM, MP3, FLAC, Ogg Vorbis,
//! AAC/MP4, AIFF, CAF, MKV); channels are averaged to mono; rubato's FFT resampler (a
//! band-limited sinc filter applied by FFT) brings the rate to 16000 Hz; samples become 16-bit
//! with TPDF dither, only in the blocks of 4096 samples that need requantizing (a 16-bit source
//! at 16 kHz is copied exactly, and so is digital silence); hound writes a plain PCM WAV (format
//! tag 1).
//!
//! It all streams: one packet is decoded, mixed to mono, resampled (1024 frames at a time) and
//! quantized (4096 samples at a time) and written before the next is read, so memory does not
//! grow with the file's duration. Nothing the file declares sizes an allocation before it is
//! checked: sample rates outside [`MIN_RATE`]..=[`MAX_RATE`] and packets over
//! [`MAX_PACKET_SAMPLES`] are refused, and so is output past [`MAX_OUTPUT_FRAMES`] (the most a
//! RIFF WAV holds), both from the declared length up front and while writing (a stream may lie
//! about its length).

use std::io::{Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::header::inspect::{inspect, Origin, Pcm16};
use crate::header::source::Window;
use crate::header::wav::REQUIRED_SAMPLE_RATE;

use crate::limits::{MAX_RATE, MIN_RATE};
/// The most frames a converted prompt holds: a RIFF WAV's sizes are 32-bit, and the RIFF size
/// counts 36 header bytes and 2 bytes a frame. At 16 kHz this is about 37 h 17 min.
pub(crate) const MAX_OUTPUT_FRAMES: u64 = (u32::MAX as u64 - 36) / 2;
/// How many times its own size a converted file may be: far more than any real audio needs (a
/// 8 kbit/s MP3 grows 32 times, FLAC of silence some hundred times), far less than a crafted
/// file that declares huge constant blocks (140,000 times). Past it the input is refused as a
/// decompression bomb, so the disk a run fills is bounded by the size of what it was given.
pub(crate) const MAX_EXPANSION: u64 = 1_000;
/// Output every input may have whatever its size, in bytes (34 min at 16 kHz).
pub(crate) const MIN_OUTPUT_ALLOWANCE: u64 = 64 << 20;
/// The most samples (frames times channels) a stream may declare for one packet: the decoder
/// allocates that much up front. FLAC's largest block of 8 channels is half of it.
pub(crate) const MAX_PACKET_SAMPLES: u64 = 1 << 20;
/// Input frames the resampler takes at a time.
const CHUNK: usize = 1024;
/// Samples quantized at a time; dither is decided per block.
const BLOCK: usize = 4096;
/// Samples written at a time (64 KiB).
const WRITE: usize = 8 * BLOCK;

/// Why a file could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The file could not be opened or read (the system's reason is in the message, not
    /// repeated as a source).
    #[error("cannot read it: {0}")]
    Io(std::io::Error),
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
    /// Its sample rate is outside what can be converted (1000 to 768000 Hz).
    #[error(
        "the sample rate {rate} Hz is outside what can be converted ({min} to {max} Hz)",
        min = MIN_RATE,
        max = MAX_RATE
    )]
    RateOutOfRange {
        /// The sample rate the file declares.
        rate: u32,
    },
    /// Its sample rate changes partway through.
    #[error("the sample rate changes from {from} Hz to {to} Hz partway through")]
    RateChanged {
        /// The rate it starts with.
        from: u32,
        /// The rate it changes to.
        to: u32,
    },
    /// It declares packets too large to decode safely.
    #[error(
        "it declares packets of {frames} frames with {channels} channel(s), over the {max} \
         samples that can be decoded at a time",
        max = MAX_PACKET_SAMPLES
    )]
    PacketTooLarge {
        /// The frames it declares a packet may hold.
        frames: u64,
        /// Its channel count.
        channels: usize,
    },
    /// The converted audio would be larger than 1,000 times the input (at least 64 MiB is
    /// always allowed).
    #[error(
        "the converted audio would be at least {frames} frames ({} MiB), more than {} times the \
         {input_bytes} bytes of the file (a decompression bomb?)",
        frames.saturating_mul(2) >> 20,
        MAX_EXPANSION
    )]
    Expands {
        /// The output length, at least (declared, or reached while converting).
        frames: u64,
        /// The input's size in bytes.
        input_bytes: u64,
    },
    /// The converted audio would not fit in a WAV file.
    #[error(
        "the converted audio would be at least {frames} frames long, past the {max} frames \
         (about 37 h 17 min at 16 kHz) a WAV file holds",
        max = MAX_OUTPUT_FRAMES
    )]
    TooLong {
        /// The output length, at least (declared, or reached while converting).
        frames: u64,
    },
}

impl From<std::io::Error> for ConvertError {
    fn from(e: std::io::Error) -> Self {
        ConvertError::Io(e)
    }
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
    /// Whether TPDF dither was added (some samples needed requantizing to 16 bits).
    pub dithered: bool,
}

fn check_rate(rate: u32) -> Result<u32, ConvertError> {
    if (MIN_RATE..=MAX_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(ConvertError::RateOutOfRange { rate })
    }
}

/// Frames at 16 kHz for `frames` at `rate`: exactly the source's duration, rounded up.
fn frames_out(frames: u64, rate: u32) -> u64 {
    let n = (u128::from(frames) * u128::from(REQUIRED_SAMPLE_RATE)).div_ceil(u128::from(rate));
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// For a WAV of a block codec (ADPCM, GSM, ...), the sample frames its `fact` chunk declares.
fn wav_fact_frames(path: &Path) -> Option<u32> {
    let file = crate::open::open_regular(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut window = crate::header::source::Window::open(&file, Some(len), len).ok()?;
    if crate::header::sniff::identify(window.head(), None) != crate::header::sniff::Container::Wav {
        return None;
    }
    let layout = crate::header::riff::walk(&mut window);
    let block_coded = layout
        .fmt
        .is_some_and(|f| !matches!(f.effective_tag(), Some(1 | 3 | 6 | 7)));
    if block_coded {
        layout.fact
    } else {
        None
    }
}

/// Resamples to 16 kHz a chunk at a time, with the result of rubato's whole-signal
/// `process_all_into_buffer`: the same chunks (the last one partial), the filter's delay trimmed
/// from the start, the tail flushed with silence, and exactly `frames_out(frames_in, rate)`
/// frames in all.
struct StreamResampler {
    fft: Fft<f32>,
    rate: u32,
    /// Input waiting for a full chunk (fewer than [`CHUNK`] frames).
    pending: Vec<f32>,
    /// One call's output.
    out: Vec<f32>,
    /// Output frames of the filter's delay still to drop.
    to_trim: usize,
    frames_in: u64,
    emitted: u64,
}

pub(crate) type Sink<'a> = dyn FnMut(&[f32]) -> Result<(), ConvertError> + 'a;

impl StreamResampler {
    fn new(rate: u32) -> Result<Self, ConvertError> {
        let rate = check_rate(rate)?;
        let fft = Fft::<f32>::new(
            rate as usize,
            REQUIRED_SAMPLE_RATE as usize,
            CHUNK,
            1,
            FixedSync::Input,
        )
        .map_err(|e| ConvertError::Resample(e.to_string()))?;
        Ok(StreamResampler {
            out: vec![0.0; fft.output_frames_max()],
            to_trim: fft.output_delay(),
            fft,
            rate,
            pending: Vec::with_capacity(CHUNK),
            frames_in: 0,
            emitted: 0,
        })
    }

    /// Takes `input`, handing `sink` the output as it comes.
    fn push(&mut self, mut input: &[f32], sink: &mut Sink) -> Result<(), ConvertError> {
        self.frames_in += input.len() as u64;
        while !input.is_empty() {
            if self.pending.is_empty() && input.len() >= CHUNK {
                // Whole chunks straight from the input.
                let (chunk, rest) = input.split_at(CHUNK);
                self.run(chunk, u64::MAX, sink)?;
                input = rest;
                continue;
            }
            let take = (CHUNK - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() == CHUNK {
                self.run_pending(u64::MAX, sink)?;
            }
        }
        Ok(())
    }

    /// [`Self::run`] on `pending`, which it empties.
    fn run_pending(&mut self, limit: u64, sink: &mut Sink) -> Result<(), ConvertError> {
        let mut pending = std::mem::take(&mut self.pending);
        let result = self.run(&pending, limit, sink);
        pending.clear();
        self.pending = pending;
        result
    }

    /// One resampler call on `input` (at most a chunk; silence after it), emitting at most up
    /// to `limit` frames in all.
    fn run(&mut self, input: &[f32], limit: u64, sink: &mut Sink) -> Result<(), ConvertError> {
        let err = |e: &dyn std::fmt::Display| ConvertError::Resample(e.to_string());
        let produced = {
            let valid = input.len();
            let input = InterleavedSlice::new(input, 1, valid).map_err(|e| err(&e))?;
            let frames = self.out.len();
            let mut output =
                InterleavedSlice::new_mut(&mut self.out, 1, frames).map_err(|e| err(&e))?;
            let indexing = Indexing {
                partial_len: Some(valid),
                ..Indexing::default()
            };
            let (_, produced) = self
                .fft
                .process_into_buffer(&input, &mut output, Some(&indexing))
                .map_err(|e| err(&e))?;
            produced
        };
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        let room = usize::try_from(limit - self.emitted).unwrap_or(usize::MAX);
        let give = (produced - skip).min(room);
        self.emitted += give as u64;
        sink(&self.out[skip..skip + give])
    }

    /// Resamples what is left and flushes the filter; returns the frames emitted in all.
    fn finish(&mut self, sink: &mut Sink) -> Result<u64, ConvertError> {
        let expected = frames_out(self.frames_in, self.rate);
        if !self.pending.is_empty() {
            self.run_pending(expected, sink)?;
        }
        // Silence until the output holds the source's whole duration; the filter's delay is
        // at most a block of FFT input plus a chunk, so this ends.
        let most = 2 * self.fft.fft_size_in().div_ceil(CHUNK) + 4;
        let mut calls = 0;
        while self.emitted < expected {
            calls += 1;
            if calls > most {
                return Err(ConvertError::Resample(
                    "the resampler stopped producing output".to_owned(),
                ));
            }
            self.run(&[], expected, sink)?;
        }
        Ok(self.emitted)
    }

    /// Samples its buffers can hold.
    fn held(&self) -> usize {
        self.pending.capacity() + self.out.capacity()
    }
}

/// Whether every sample is already a 16-bit value (then it is copied, not dithered).
fn exact_16_bit(samples: &[f32]) -> bool {
    samples.iter().all(|&s| {
        let x = s * 32768.0;
        x.fract() == 0.0 && (-32768.0..=32767.0).contains(&x)
    })
}

/// The dither generator's seed: output is reproducible.
const SEED: u64 = 0x05EE_DAC5;

/// Quantizes to 16 bits onto the end of `out`: exact values are copied, others get TPDF dither (two uniform
/// values of one LSB each, summed) before rounding. `rng` carries on from block to block.
fn quantize_into(samples: &[f32], dither: bool, rng: &mut fastrand::Rng, out: &mut Vec<i16>) {
    out.extend(samples.iter().map(|&s| {
        let mut x = f64::from(s) * 32768.0;
        if dither {
            x += rng.f64() - rng.f64();
        }
        x.round().clamp(-32768.0, 32767.0) as i16
    }));
}

/// The 16 kHz mono samples' way into the WAV: counted against [`MAX_OUTPUT_FRAMES`], quantized
/// a [`BLOCK`] at a time (dithered only when the block needs requantizing), written by hound
/// (which patches the header's sizes at the end).
struct WavOut<W: Write + Seek> {
    writer: hound::WavWriter<W>,
    block: Vec<f32>,
    pcm: Vec<i16>,
    rng: fastrand::Rng,
    dithered: bool,
    frames: u64,
    /// The most frames it may write ([`output_cap`]), and the input's size for the message.
    cap: u64,
    input_bytes: u64,
}

fn write_err(e: hound::Error) -> ConvertError {
    ConvertError::Write(e.to_string())
}

impl<W: Write + Seek> WavOut<W> {
    fn new(output: W, cap: u64, input_bytes: u64) -> Result<Self, ConvertError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: REQUIRED_SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(WavOut {
            writer: hound::WavWriter::new(output, spec).map_err(write_err)?,
            block: Vec::with_capacity(BLOCK),
            pcm: Vec::with_capacity(WRITE),
            rng: fastrand::Rng::with_seed(SEED),
            dithered: false,
            frames: 0,
            cap,
            input_bytes,
        })
    }

    fn push(&mut self, mut samples: &[f32]) -> Result<(), ConvertError> {
        let frames = self.frames + samples.len() as u64;
        if frames > self.cap {
            return Err(too_long(frames, self.input_bytes));
        }
        self.frames = frames;
        while !samples.is_empty() {
            let take = (BLOCK - self.block.len()).min(samples.len());
            self.block.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.block.len() == BLOCK {
                self.write_block()?;
            }
        }
        Ok(())
    }

    fn write_block(&mut self) -> Result<(), ConvertError> {
        let dither = !exact_16_bit(&self.block);
        self.dithered |= dither;
        quantize_into(&self.block, dither, &mut self.rng, &mut self.pcm);
        self.block.clear();
        if self.pcm.len() >= WRITE {
            self.write_pcm()?;
        }
        Ok(())
    }

    fn write_pcm(&mut self) -> Result<(), ConvertError> {
        // At most WRITE samples.
        let mut w16 = self.writer.get_i16_writer(self.pcm.len() as u32);
        for &s in &self.pcm {
            w16.write_sample(s);
        }
        self.pcm.clear();
        w16.flush().map_err(write_err)
    }

    /// Writes the last block and the header's sizes; returns the frames written and whether
    /// any were dithered.
    fn finish(mut self) -> Result<(u64, bool), ConvertError> {
        if !self.block.is_empty() {
            self.write_block()?;
        }
        self.write_pcm()?;
        self.writer.finalize().map_err(write_err)?;
        Ok((self.frames, self.dithered))
    }

    /// Samples its buffers can hold.
    fn held(&self) -> usize {
        self.block.capacity() + self.pcm.capacity()
    }
}

/// Converts the audio file at `input` and writes a WAV prompt ACS plays to `output`.
///
/// Memory stays bounded whatever the file's length or header says; on an error `output` holds
/// an unfinished WAV and should be discarded.
pub fn convert_file<W: Write + Seek>(input: &Path, output: W) -> Result<Conversion, ConvertError> {
    convert_counted(input, output).map(|(c, _)| c)
}

/// [`convert_file`], also returning the most samples its buffers could hold at once.
fn convert_counted<W: Write + Seek>(
    input: &Path,
    output: W,
) -> Result<(Conversion, usize), ConvertError> {
    // The last net for a decoder that panics.
    let result = catch_unwind(AssertUnwindSafe(|| convert(input, output, None)));
    result.unwrap_or_else(|_| {
        Err(ConvertError::Decode(
            "the decoder failed on this file".to_owned(),
        ))
    })
}

/// The most frames the conversion of an input of `input_bytes` may write: what a WAV holds, and
/// at most [`MAX_EXPANSION`] times the input (but [`MIN_OUTPUT_ALLOWANCE`] for any input).
fn output_cap(input_bytes: u64) -> u64 {
    let bytes = input_bytes
        .saturating_mul(MAX_EXPANSION)
        .max(MIN_OUTPUT_ALLOWANCE);
    (bytes / 2).min(MAX_OUTPUT_FRAMES)
}

/// The error for `frames` of output past the cap.
fn too_long(frames: u64, input_bytes: u64) -> ConvertError {
    if frames > MAX_OUTPUT_FRAMES {
        ConvertError::TooLong { frames }
    } else {
        ConvertError::Expands {
            frames,
            input_bytes,
        }
    }
}

/// What decoding read: the source's rate and channels, the frames decoded, and whether they
/// were resampled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    rate_in: u32,
    channels_in: u16,
    frames_in: u64,
    resampled: bool,
}

/// Decodes `path`, mixes it to mono and resamples it to 16 kHz, handing `sink` the samples as
/// they come. Bounded as [`convert_file`] is: at most `output_cap` of the input's size in
/// frames reach `sink`. The last net for a decoder that panics is here too.
pub(crate) fn decode_16k(path: &Path, sink: &mut Sink) -> Result<Source, ConvertError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let file = crate::open::open_regular(path)?;
        let input_bytes = file.metadata()?.len();
        let cap = output_cap(input_bytes);
        let mut count = 0u64;
        stream(file, path, cap, input_bytes, &mut |s: &[f32]| {
            count += s.len() as u64;
            if count > cap {
                return Err(too_long(count, input_bytes));
            }
            sink(s)
        })
        .map(|(source, _)| source)
    }));
    result.unwrap_or_else(|_| {
        Err(ConvertError::Decode(
            "the decoder failed on this file".to_owned(),
        ))
    })
}

/// A stage between the resampler and the WAV writer (`fix`'s loudness, silence and DC cures):
/// it takes the 16 kHz mono samples and hands on what is to be written.
pub(crate) trait Stage {
    /// Takes `input`, handing `next` the output as it comes.
    fn push(&mut self, input: &[f32], next: &mut Sink) -> Result<(), ConvertError>;
    /// Hands `next` what is still held, at the end.
    fn finish(&mut self, next: &mut Sink) -> Result<(), ConvertError>;
}

/// [`convert_file`] with `stage` between the resampler and the writer: the prompt is decoded,
/// resampled, processed, dithered and written once.
pub(crate) fn convert_through<W: Write + Seek>(
    input: &Path,
    output: W,
    stage: &mut dyn Stage,
) -> Result<Conversion, ConvertError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        convert(input, output, Some(stage)).map(|(c, _)| c)
    }));
    result.unwrap_or_else(|_| {
        Err(ConvertError::Decode(
            "the decoder failed on this file".to_owned(),
        ))
    })
}

fn convert<W: Write + Seek>(
    path: &Path,
    output: W,
    mut stage: Option<&mut dyn Stage>,
) -> Result<(Conversion, usize), ConvertError> {
    let file = crate::open::open_regular(path)?;
    let input_bytes = file.metadata()?.len();
    let cap = output_cap(input_bytes);
    let mut out = WavOut::new(output, cap, input_bytes)?;
    let (source, held) = match stage.as_deref_mut() {
        Some(stage) => stream(file, path, cap, input_bytes, &mut |s: &[f32]| {
            stage.push(s, &mut |y: &[f32]| out.push(y))
        })?,
        None => stream(file, path, cap, input_bytes, &mut |s: &[f32]| out.push(s))?,
    };
    if let Some(stage) = stage {
        stage.finish(&mut |y: &[f32]| out.push(y))?;
    }
    let held = held + out.held();
    let (frames_out, dithered) = out.finish()?;
    let conversion = Conversion {
        rate_in: source.rate_in,
        channels_in: source.channels_in,
        frames_in: source.frames_in,
        frames_out,
        resampled: source.resampled,
        dithered,
    };
    Ok((conversion, held))
}

/// The decoding half of a conversion: the file's packets, mixed to mono and resampled, into
/// `sink`. Returns what it read and the most samples its own buffers held.
fn stream(
    file: std::fs::File,
    path: &Path,
    cap: u64,
    input_bytes: u64,
    sink: &mut Sink,
) -> Result<(Source, usize), ConvertError> {
    if let Some(pcm) = pcm16_of(&file, input_bytes) {
        return stream_pcm16(file, pcm, cap, input_bytes, sink);
    }
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
    let limit = wav_fact_frames(path)
        .map(u64::from)
        .or(track.num_frames)
        .filter(|&n| n > 0);
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| ConvertError::Decode("no audio codec parameters".to_owned()))?
        .clone();

    // What the header declares is checked before anything is sized by it.
    if let Some(rate) = params.sample_rate {
        check_rate(rate)?;
        if let Some(frames) = limit.map(|n| frames_out(n, rate)) {
            if frames > cap {
                return Err(too_long(frames, input_bytes));
            }
        }
    }
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    if let Some(frames) = params.max_frames_per_packet {
        if frames.saturating_mul(channels.max(1) as u64) > MAX_PACKET_SAMPLES {
            return Err(ConvertError::PacketTooLarge { frames, channels });
        }
    }
    // Gapless: the decoder drops the encoder delay and padding a LAME/Xing tag declares, so
    // the output has the original length to the sample.
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(true))
        .map_err(|e| ConvertError::Decode(e.to_string()))?;

    let mut resampler: Option<StreamResampler> = None;
    // The rate and channels of the first decoded packet.
    let mut source: Option<(u32, u16)> = None;
    let mut frames_in: u64 = 0;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut mono: Vec<f32> = Vec::new();
    let mut held = 0;
    loop {
        if limit.is_some_and(|n| frames_in >= n) {
            break;
        }
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
        let ch = spec.channels().count().max(1);
        match source {
            None => {
                let rate = check_rate(spec.rate())?;
                source = Some((rate, ch as u16));
                if rate != REQUIRED_SAMPLE_RATE {
                    resampler = Some(StreamResampler::new(rate)?);
                }
            }
            Some((from, _)) if from != spec.rate() => {
                return Err(ConvertError::RateChanged {
                    from,
                    to: spec.rate(),
                })
            }
            Some(_) => {}
        }
        buf.copy_to_vec_interleaved(&mut interleaved);
        // NaN and infinities (a hostile float WAV) would stop the resampler's FFT.
        crate::deep::sanitize(&mut interleaved);
        let scale = 1.0 / ch as f32;
        mono.clear();
        mono.extend(interleaved.chunks_exact(ch).map(|frame| {
            if ch == 1 {
                frame[0]
            } else {
                frame.iter().sum::<f32>() * scale
            }
        }));
        if let Some(n) = limit {
            let room = usize::try_from(n - frames_in).unwrap_or(usize::MAX);
            mono.truncate(room);
        }
        frames_in += mono.len() as u64;
        match resampler.as_mut() {
            Some(r) => r.push(&mono, sink)?,
            None => sink(&mono)?,
        }
        held = held.max(
            interleaved.capacity()
                + mono.capacity()
                + resampler.as_ref().map_or(0, StreamResampler::held),
        );
    }
    let Some((rate_in, channels_in)) = source.filter(|_| frames_in > 0) else {
        return Err(ConvertError::Empty);
    };
    if let Some(r) = resampler.as_mut() {
        r.finish(sink)?;
    }
    let source = Source {
        rate_in,
        channels_in,
        frames_in,
        resampled: resampler.is_some(),
    };
    Ok((source, held))
}

/// Where a sound 16-bit PCM WAV keeps its samples, by our own RIFF walk (the one `check`
/// trusts), so that they are read directly: symphonia refuses some files `check` passes (a
/// `LIST` chunk whose length runs past its parent's, for one).
fn pcm16_of(file: &std::fs::File, len: u64) -> Option<Pcm16> {
    let mut window = Window::open(file, Some(len), len).ok()?;
    let origin = Origin {
        path: None,
        extension: None,
    };
    inspect(&mut window, origin, &crate::CheckOptions::default()).pcm16
}

/// [`stream`] for 16-bit PCM read straight from the data chunk: mixed to mono and resampled
/// the same way, bounded the same way.
fn stream_pcm16(
    mut file: std::fs::File,
    pcm: Pcm16,
    cap: u64,
    input_bytes: u64,
    sink: &mut Sink,
) -> Result<(Source, usize), ConvertError> {
    let rate = check_rate(pcm.rate)?;
    let channels = usize::from(pcm.channels.max(1));
    let block = 2 * channels;
    let frames = pcm.len / block as u64;
    if frames_out(frames, rate) > cap {
        return Err(too_long(frames_out(frames, rate), input_bytes));
    }
    let mut resampler = if rate == REQUIRED_SAMPLE_RATE {
        None
    } else {
        Some(StreamResampler::new(rate)?)
    };
    let mut mono: Vec<f32> = Vec::new();
    let mut frames_in = 0u64;
    let scale = 1.0 / (32768.0 * channels as f32);
    pcm.read_blocks(&mut file, |ints| -> Result<(), ConvertError> {
        mono.clear();
        mono.extend(
            ints.chunks_exact(channels)
                .map(|frame| frame.iter().map(|&x| i32::from(x)).sum::<i32>() as f32 * scale),
        );
        frames_in += mono.len() as u64;
        match resampler.as_mut() {
            Some(r) => r.push(&mono, sink),
            None => sink(&mono),
        }
    })?;
    if frames_in == 0 {
        return Err(ConvertError::Empty);
    }
    if let Some(r) = resampler.as_mut() {
        r.finish(sink)?;
    }
    let held = 64 * 1024 + mono.capacity() + resampler.as_ref().map_or(0, StreamResampler::held);
    let source = Source {
        rate_in: rate,
        channels_in: pcm.channels,
        frames_in,
        resampled: resampler.is_some(),
    };
    Ok((source, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO where the prompt was (swapped in after it was checked) is refused at once: the
    /// conversion opens its input without waiting for a writer, as a regular file only.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("prompt.wav");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let r = convert_file(&fifo, std::io::Cursor::new(Vec::new())).map(|_| ());
            let _ = tx.send(r.map_err(|e| e.to_string()));
        });
        let outcome = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("convert_file waited on a FIFO");
        let err = outcome.unwrap_err();
        assert!(err.contains("FIFO"), "{err}");
    }

    fn quantize(samples: &[f32], dither: bool) -> Vec<i16> {
        let mut out = Vec::new();
        quantize_into(
            samples,
            dither,
            &mut fastrand::Rng::with_seed(SEED),
            &mut out,
        );
        out
    }

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

    /// The whole-signal resampler conversion used before it streamed: the reference.
    fn resample_whole(samples: &[f32], rate_in: u32) -> Vec<f32> {
        let mut resampler = Fft::<f32>::new(
            rate_in as usize,
            REQUIRED_SAMPLE_RATE as usize,
            CHUNK,
            1,
            FixedSync::Input,
        )
        .unwrap();
        let input = InterleavedSlice::new(samples, 1, samples.len()).unwrap();
        let needed = resampler.process_all_needed_output_len(samples.len());
        let mut out = vec![0.0f32; needed];
        let (_, produced) = {
            let mut output = InterleavedSlice::new_mut(&mut out, 1, needed).unwrap();
            resampler
                .process_all_into_buffer(&input, &mut output, samples.len(), None)
                .unwrap()
        };
        let expected = frames_out(samples.len() as u64, rate_in) as usize;
        out.truncate(produced.min(expected));
        out.resize(expected, 0.0);
        out
    }

    fn resample_streamed(samples: &[f32], rate_in: u32, pieces: &[usize]) -> Vec<f32> {
        let mut r = StreamResampler::new(rate_in).unwrap();
        let mut out = Vec::new();
        let mut rest = samples;
        for &n in pieces.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(n.min(rest.len()));
            r.push(now, &mut |s| {
                out.extend_from_slice(s);
                Ok(())
            })
            .unwrap();
            rest = later;
        }
        let n = r
            .finish(&mut |s| {
                out.extend_from_slice(s);
                Ok(())
            })
            .unwrap();
        assert_eq!(n, out.len() as u64);
        out
    }

    fn test_signal(frames: usize, rate: u32) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(7);
        (0..frames)
            .map(|i| {
                let t = i as f32 / rate as f32;
                0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin() + 0.1 * (rng.f32() - 0.5)
            })
            .collect()
    }

    #[test]
    fn streamed_resampling_matches_the_whole_signal_resampler() {
        for rate in [1_000, 8_000, 11_025, 22_050, 44_100, 48_000, 96_000] {
            for frames in [1, 500, 1023, 1024, 1025, 3000, 9000] {
                let signal = test_signal(frames, rate);
                let whole = resample_whole(&signal, rate);
                // Pieces of any size, as packets come.
                for pieces in [&[1152][..], &[1, 7, 333, 4096, 1024]] {
                    let streamed = resample_streamed(&signal, rate, pieces);
                    assert_eq!(streamed.len(), whole.len(), "{rate} Hz, {frames} frames");
                    let worst = streamed
                        .iter()
                        .zip(&whole)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0f32, f32::max);
                    assert!(worst <= 1e-6, "{rate} Hz, {frames} frames: {worst}");
                }
            }
        }
    }

    /// A writer that keeps nothing: as long an output as wanted, in no memory.
    #[derive(Default)]
    struct Discard {
        at: u64,
        len: u64,
    }

    impl Write for Discard {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.at += buf.len() as u64;
            self.len = self.len.max(self.at);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Seek for Discard {
        fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
            self.at = match pos {
                std::io::SeekFrom::Start(n) => n,
                std::io::SeekFrom::End(d) => self.len.saturating_add_signed(d),
                std::io::SeekFrom::Current(d) => self.at.saturating_add_signed(d),
            };
            Ok(self.at)
        }
    }

    /// An 8 kHz mono 8-bit WAV of a tone, `secs` long.
    fn tone_wav(path: &Path, secs: u32) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8_000,
            bits_per_sample: 8,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..secs * 8_000 {
            w.write_sample(((i % 16) as i8 - 8) * 8).unwrap();
        }
        w.finalize().unwrap();
    }

    #[test]
    fn buffers_stay_bounded_whatever_the_duration() {
        let dir = tempfile::tempdir().unwrap();
        let (short, long) = (dir.path().join("short.wav"), dir.path().join("long.wav"));
        tone_wav(&short, 1);
        tone_wav(&long, 30);
        let (c_short, held_short) = convert_counted(&short, Discard::default()).unwrap();
        let (c_long, held_long) = convert_counted(&long, Discard::default()).unwrap();
        assert_eq!(c_short.frames_out, 16_000);
        assert_eq!(c_long.frames_out, 30 * 16_000);
        // Thirty seconds hold no more than one: nothing grows with the duration. Before, the
        // whole signal was held several times (about 2 M samples for these thirty seconds).
        assert_eq!(held_long, held_short);
        assert!(held_long < 64 * 1024, "{held_long} samples held");
    }

    #[test]
    fn output_past_the_cap_is_refused_while_writing() {
        let mut out = WavOut::new(Discard::default(), MAX_OUTPUT_FRAMES, u64::MAX).unwrap();
        // As if the stream had already produced all but 10 frames of the cap.
        out.frames = MAX_OUTPUT_FRAMES - 10;
        out.push(&[0.0; 10]).unwrap();
        let e = out.push(&[0.0]).unwrap_err();
        assert!(
            matches!(e, ConvertError::TooLong { frames } if frames == MAX_OUTPUT_FRAMES + 1),
            "{e}"
        );
        // What a RIFF header can count: 36 header bytes and 2 bytes a frame in 32 bits.
        assert!(36 + 2 * MAX_OUTPUT_FRAMES <= u64::from(u32::MAX));
        assert!(36 + 2 * (MAX_OUTPUT_FRAMES + 1) > u64::from(u32::MAX));
    }

    #[test]
    fn output_is_capped_by_the_size_of_the_input() {
        assert_eq!(output_cap(0), MIN_OUTPUT_ALLOWANCE / 2);
        assert_eq!(output_cap(1_000_000), 500_000_000);
        assert_eq!(output_cap(u64::MAX), MAX_OUTPUT_FRAMES);
        let mut out = WavOut::new(Discard::default(), 100, 1).unwrap();
        out.push(&[0.0; 100]).unwrap();
        let e = out.push(&[0.0]).unwrap_err();
        assert!(
            matches!(
                e,
                ConvertError::Expands {
                    frames: 101,
                    input_bytes: 1
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn rates_are_checked_before_the_resampler_is_built() {
        for rate in [0, 1, 999, 768_001, u32::MAX / 2] {
            let e = StreamResampler::new(rate).err().unwrap();
            assert!(matches!(e, ConvertError::RateOutOfRange { rate: r } if r == rate));
        }
        for rate in [1_000, 768_000] {
            let r = StreamResampler::new(rate).unwrap();
            assert!(r.held() < 1 << 20, "{rate} Hz: {}", r.held());
        }
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
