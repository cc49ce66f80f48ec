//! `--deep`: reading every sample to catch prompts that play but sound wrong: silence, clipping,
//! long leading or trailing silence, DC offset, loudness far from the rest, streams that stop
//! decoding.
//!
//! Samples are streamed (64 KiB at a time for 16-bit PCM, one packet at a time for anything
//! symphonia decodes), so memory does not grow with the file's length.

pub(crate) mod clipping;
pub(crate) mod loudness;
pub(crate) mod true_peak;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::deep::clipping::Clipping;
use crate::deep::loudness::Meter;
use crate::deep::true_peak::TruePeak;
use crate::report::AudioInfo;
use crate::rules::Rule;

/// Peak below this is silence.
const SILENT_DBFS: f64 = -60.0;
/// A mean beyond this fraction of full scale is a DC offset.
const DC_LIMIT: f64 = 0.01;
/// This many consecutive full-scale samples make a clipped run.
const CLIP_RUN: u32 = 3;
/// A sample at or beyond this is at full scale (32767 of 32768).
const FULL_SCALE: f32 = 32767.0 / 32768.0;

use crate::options::Thresholds;

use crate::header::inspect::Pcm16;

/// Running measurements over interleaved samples in [-1, 1].
struct Analyzer {
    channels: usize,
    rate: u32,
    silence: f32,
    frames: u64,
    sum: f64,
    sum_sq: f64,
    peak: f32,
    first_loud: Option<u64>,
    last_loud: Option<u64>,
    run: Vec<u32>,
    clip_runs: u64,
    first_clip: Option<u64>,
    /// `None` at a rate outside what conversion takes (1 kHz to 768 kHz): below it the meter
    /// would keep one block per few samples, so memory would grow with the file.
    loudness: Option<Meter>,
    true_peak: TruePeak,
    clipping: Clipping,
}

impl Analyzer {
    fn new(channels: usize, rate: u32, t: Thresholds) -> Self {
        let channels = channels.max(1);
        Analyzer {
            channels,
            rate: rate.max(1),
            silence: 10f64.powf(t.silence_db / 20.0) as f32,
            frames: 0,
            sum: 0.0,
            sum_sq: 0.0,
            peak: 0.0,
            first_loud: None,
            last_loud: None,
            run: vec![0; channels],
            clip_runs: 0,
            first_clip: None,
            loudness: (crate::limits::MIN_RATE..=crate::limits::MAX_RATE)
                .contains(&rate)
                .then(|| Meter::new(channels, rate)),
            true_peak: TruePeak::new(channels),
            clipping: Clipping::new(channels),
        }
    }

    fn push(&mut self, samples: &[f32]) {
        if self.channels == 1 {
            self.push_mono(samples);
        } else {
            self.push_frames(samples);
        }
        let whole = samples.len() - samples.len() % self.channels;
        if let Some(m) = self.loudness.as_mut() {
            m.push(&samples[..whole]);
        }
        self.true_peak.push(&samples[..whole]);
    }

    /// Counts runs of full-scale samples in a mono block (`self.frames` is the block's start).
    fn track_clips_mono<T>(&mut self, samples: &[T], full: impl Fn(&T) -> bool) {
        for (i, x) in samples.iter().enumerate() {
            if full(x) {
                self.run[0] += 1;
                if self.run[0] == CLIP_RUN {
                    self.clip_runs += 1;
                    self.first_clip
                        .get_or_insert(self.frames + i as u64 + 1 - u64::from(CLIP_RUN));
                }
            } else {
                self.run[0] = 0;
            }
        }
    }

    /// Mono 16-bit PCM, the prompt format itself: integer passes the compiler vectorizes, and
    /// the samples go to the loudness meter as they are.
    fn push_i16_mono(&mut self, samples: &[i16]) {
        let (mut sum, mut sum_sq, mut peak) = (0i64, 0i64, 0i32);
        for &x in samples {
            let x = i32::from(x);
            sum += i64::from(x);
            sum_sq += i64::from(x * x);
            peak = peak.max(x.abs());
        }
        self.sum += sum as f64 / 32768.0;
        self.sum_sq += sum_sq as f64 / (32768.0 * 32768.0);
        self.peak = self.peak.max(peak as f32 / 32768.0);
        let silence = (self.silence * 32768.0).ceil() as i32;
        let loud = |x: &i16| i32::from(*x).abs() >= silence;
        if let Some(first) = samples.iter().position(loud) {
            self.first_loud.get_or_insert(self.frames + first as u64);
            if let Some(last) = samples.iter().rposition(loud) {
                self.last_loud = Some(self.frames + last as u64);
            }
        }
        if peak >= 32767 {
            self.track_clips_mono(samples, |&x| x == i16::MAX || x == i16::MIN);
        } else {
            self.run[0] = 0;
        }
        self.clipping.push_mono(samples, self.frames);
        self.frames += samples.len() as u64;
        if let Some(m) = self.loudness.as_mut() {
            m.push_i16_mono(samples);
        }
        self.true_peak.push_i16_mono(samples, peak as f32 / 32768.0);
    }

    /// Mono, the common case: whole-block passes the compiler can vectorize.
    fn push_mono(&mut self, samples: &[f32]) {
        let (mut sum, mut sum_sq, mut peak) = (0.0f32, 0.0f32, 0.0f32);
        for &x in samples {
            sum += x;
            sum_sq += x * x;
            peak = peak.max(x.abs());
        }
        self.sum += f64::from(sum);
        self.sum_sq += f64::from(sum_sq);
        self.peak = self.peak.max(peak);
        let silence = self.silence;
        if let Some(first) = samples.iter().position(|x| x.abs() >= silence) {
            self.first_loud.get_or_insert(self.frames + first as u64);
            if let Some(last) = samples.iter().rposition(|x| x.abs() >= silence) {
                self.last_loud = Some(self.frames + last as u64);
            }
        }
        if peak >= FULL_SCALE {
            self.track_clips_mono(samples, |x| x.abs() >= FULL_SCALE);
        } else {
            self.run[0] = 0;
        }
        self.clipping.push_mono(samples, self.frames);
        self.frames += samples.len() as u64;
    }

    fn push_frames(&mut self, samples: &[f32]) {
        self.clipping.push_interleaved(samples, self.frames);
        for frame in samples.chunks_exact(self.channels) {
            let mut frame_peak = 0.0f32;
            for (c, &x) in frame.iter().enumerate() {
                let a = x.abs();
                frame_peak = frame_peak.max(a);
                self.sum += f64::from(x);
                self.sum_sq += f64::from(x) * f64::from(x);
                if a >= FULL_SCALE {
                    self.run[c] += 1;
                    if self.run[c] == CLIP_RUN {
                        self.clip_runs += 1;
                        self.first_clip
                            .get_or_insert(self.frames + 1 - u64::from(CLIP_RUN));
                    }
                } else {
                    self.run[c] = 0;
                }
            }
            self.peak = self.peak.max(frame_peak);
            if frame_peak >= self.silence {
                self.first_loud.get_or_insert(self.frames);
                self.last_loud = Some(self.frames);
            }
            self.frames += 1;
        }
    }

    fn ms(&self, frames: u64) -> u64 {
        frames * 1000 / u64::from(self.rate)
    }

    /// The measurements, into `info`, and the findings they lead to.
    fn finish(mut self, t: Thresholds, info: &mut AudioInfo) -> Vec<(Rule, String)> {
        let mut issues = Vec::new();
        let n = (self.frames * self.channels as u64).max(1) as f64;
        let db = |x: f64| {
            if x > 0.0 {
                20.0 * x.log10()
            } else {
                f64::NEG_INFINITY
            }
        };
        let peak_db = db(f64::from(self.peak));
        let rms_db = db((self.sum_sq / n).sqrt());
        let finite = |x: f64| x.is_finite().then_some((x * 100.0).round() / 100.0);
        info.peak_dbfs = Some(finite(peak_db).unwrap_or(-200.0));
        info.rms_dbfs = Some(finite(rms_db).unwrap_or(-200.0));
        let true_peak_db = db(f64::from(self.true_peak.peak().max(self.peak)));
        info.true_peak_dbtp = Some(finite(true_peak_db).unwrap_or(-200.0));
        info.loudness_lufs = self
            .loudness
            .as_mut()
            .and_then(|m| m.integrated())
            .and_then(finite);
        let leading = self.first_loud.unwrap_or(self.frames);
        let trailing = self.last_loud.map_or(self.frames, |l| self.frames - 1 - l);
        info.leading_silence_ms = Some(self.ms(leading));
        info.trailing_silence_ms = Some(self.ms(trailing));

        if self.frames == 0 {
            return issues;
        }
        if peak_db < SILENT_DBFS {
            let level = if peak_db.is_finite() {
                format!("{peak_db:.1} dBFS")
            } else {
                "digital silence".to_owned()
            };
            issues.push((
                Rule::Silent,
                format!("the loudest sample is {level}: the prompt is silent (below {SILENT_DBFS} dBFS)"),
            ));
        } else {
            let secs = |f: u64| f as f64 / f64::from(self.rate);
            if self.ms(leading) > t.max_silence_ms {
                issues.push((
                    Rule::LeadingSilence,
                    format!(
                        "{:.2} s below {} dBFS before the prompt starts (more than {:.1} s)",
                        secs(leading),
                        t.silence_db,
                        t.max_silence_ms as f64 / 1000.0
                    ),
                ));
            }
            if self.ms(trailing) > t.max_silence_ms {
                issues.push((
                    Rule::TrailingSilence,
                    format!(
                        "{:.2} s below {} dBFS after the prompt ends (more than {:.1} s)",
                        secs(trailing),
                        t.silence_db,
                        t.max_silence_ms as f64 / 1000.0
                    ),
                ));
            }
        }
        let secs = |f: u64| f as f64 / f64::from(self.rate);
        if let Some(c) = self.clipping.finish() {
            issues.push((
                Rule::Clipped,
                format!(
                    "flattened crests: {} of the {} half-cycles within {} dB of the peak have flat tops, at {:.1} dBFS; {:.1}% of the prompt is within 1 dB of a flat top, the longest stretch {:.1} ms, the first at {:.3} s",
                    c.flat,
                    c.tops,
                    crate::deep::clipping::TOP_DB,
                    (c.level_db * 10.0).round() / 10.0 + 0.0,
                    100.0 * c.samples as f64 / n,
                    1000.0 * secs(u64::from(c.longest)),
                    secs(c.first)
                ),
            ));
        } else if self.clip_runs > 0 {
            let at = self.first_clip.unwrap_or(0) as f64 / f64::from(self.rate);
            issues.push((
                Rule::Clipped,
                format!(
                    "{} run{} of {CLIP_RUN}+ samples at full scale, the first at {at:.3} s",
                    self.clip_runs,
                    if self.clip_runs == 1 { "" } else { "s" }
                ),
            ));
        }
        if true_peak_db > t.true_peak_db && peak_db >= SILENT_DBFS {
            issues.push((
                Rule::TruePeak,
                format!(
                    "the true peak is {:+.2} dBTP, above the {:+.1} dBTP ceiling (the sample peak is {peak_db:+.2} dBFS)",
                    // Rounded up, so a peak just above the ceiling never reads as on it.
                    (true_peak_db * 100.0).ceil() / 100.0,
                    t.true_peak_db
                ),
            ));
        }
        let mean = self.sum / n;
        if mean.abs() > DC_LIMIT {
            issues.push((
                Rule::DcOffset,
                format!(
                    "the mean sample is {:+.1}% of full scale (DC offset)",
                    mean * 100.0
                ),
            ));
        }
        issues
    }
}

/// Analyzes the 16-bit PCM samples of a WAV, 64 KiB of whole frames at a time.
pub(crate) fn analyze_pcm16(
    mut file: File,
    pcm: Pcm16,
    t: Thresholds,
    info: &mut AudioInfo,
) -> Vec<(Rule, String)> {
    let mut a = Analyzer::new(usize::from(pcm.channels), pcm.rate, t);
    let mut floats: Vec<f32> = Vec::new();
    let read = pcm.read_blocks(&mut file, |ints| -> std::io::Result<()> {
        if pcm.channels == 1 {
            a.push_i16_mono(ints);
        } else {
            floats.clear();
            floats.extend(ints.iter().map(|&x| f32::from(x) / 32768.0));
            a.push(&floats);
        }
        Ok(())
    });
    let mut issues = match read {
        Ok(()) => Vec::new(),
        Err(e) => vec![(Rule::DecodeError, format!("reading the samples stops: {e}"))],
    };
    issues.splice(0..0, a.finish(t, info));
    issues
}

/// Float samples beyond this (+60 dBFS) are held at it, so that every level stays finite.
const FLOAT_LIMIT: f32 = 1000.0;

/// Decoded float samples as the analysis and `fix` read them: NaN is 0, and magnitudes beyond
/// [`FLOAT_LIMIT`] (infinities included) are held there, so one hostile sample cannot turn
/// every level into NaN or infinity.
pub(crate) fn sanitize(samples: &mut [f32]) {
    for x in samples {
        *x = if x.is_nan() {
            0.0
        } else {
            x.clamp(-FLOAT_LIMIT, FLOAT_LIMIT)
        };
    }
}

/// Walks the MPEG Layer III frames of an MP3 by their headers and says where the last one is
/// cut short, if it is. (symphonia stops quietly at a partial last frame.)
pub(crate) fn mp3_cut_short(mut file: &File) -> Option<String> {
    const V1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut head = [0u8; 10];
    file.read_exact(&mut head).ok()?;
    let mut offset = crate::header::sniff::id3v2_len(&head).unwrap_or(0);
    // Bounded: a frame is at least 24 bytes, and no prompt has more than this many.
    for _ in 0..2_000_000 {
        if offset + 4 > len {
            return None;
        }
        let mut h = [0u8; 4];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut h).ok()?;
        if crate::header::sniff::mpeg_frame_layer(&h) != Some(3) {
            // A trailing tag or junk: the frames ended before it.
            return None;
        }
        let version = (h[1] >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        let bitrate = if version == 3 { V1 } else { V2 }[usize::from(h[2] >> 4)];
        let rates: [u32; 3] = match version {
            3 => [44_100, 48_000, 32_000],
            2 => [22_050, 24_000, 16_000],
            _ => [11_025, 12_000, 8_000],
        };
        let rate = rates[usize::from((h[2] >> 2) & 3).min(2)];
        if bitrate == 0 {
            return None; // free format: lengths cannot be computed
        }
        let factor = if version == 3 { 144_000 } else { 72_000 };
        let frame = u64::from(factor * bitrate / rate + u32::from((h[2] >> 1) & 1));
        if offset + frame > len {
            return Some(format!(
                "the last MP3 frame, at byte {offset}, is cut short: {} of its {frame} bytes",
                len - offset
            ));
        }
        offset += frame;
    }
    None
}

/// Analyzes any file symphonia decodes, one packet at a time (`path` only names its format).
pub(crate) fn analyze_decoded(
    file: File,
    path: &Path,
    t: Thresholds,
    info: &mut AudioInfo,
) -> Vec<(Rule, String)> {
    // Kept for the MP3 frame walk after decoding.
    let again = file.try_clone().ok();
    let mut analyzer: Option<Analyzer> = None;
    let mut error: Option<String> = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode(file, path, t, &mut analyzer, &mut error);
    }));
    if outcome.is_err() {
        error = Some("the decoder failed".to_owned());
    }
    let mut issues = Vec::new();
    let at = analyzer
        .as_ref()
        .map(|a| a.frames as f64 / f64::from(a.rate))
        .unwrap_or(0.0);
    if let Some(a) = analyzer {
        issues = a.finish(t, info);
    }
    if let Some(e) = error {
        issues.push((
            Rule::DecodeError,
            format!("decoding stops at {at:.3} s: {e}"),
        ));
    } else if info.container == "mp3" {
        if let Some(cut) = again.as_ref().and_then(mp3_cut_short) {
            issues.push((
                Rule::DecodeError,
                format!("decoding stops at {at:.3} s: {cut}"),
            ));
        }
    }
    issues
}

fn decode(
    mut file: File,
    path: &Path,
    t: Thresholds,
    analyzer: &mut Option<Analyzer>,
    error: &mut Option<String>,
) {
    if let Err(e) = file.seek(SeekFrom::Start(0)) {
        *error = Some(e.to_string());
        return;
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = match symphonia::default::get_probe().probe(
        &hint,
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    ) {
        Ok(f) => f,
        Err(e) => {
            *error = Some(e.to_string());
            return;
        }
    };
    let Some(track) = format.default_track(TrackType::Audio) else {
        *error = Some("no audio track".to_owned());
        return;
    };
    let track_id = track.id;
    let Some(params) = track.codec_params.as_ref().and_then(|p| p.audio()).cloned() else {
        *error = Some("no audio codec parameters".to_owned());
        return;
    };
    // Gapless: the decoder drops the encoder delay and padding a LAME/Xing tag declares, so
    // they are not counted as leading or trailing silence.
    let mut decoder = match symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(true))
    {
        Ok(d) => d,
        Err(e) => {
            *error = Some(e.to_string());
            return;
        }
    };
    let mut samples: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                *error = Some(e.to_string());
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let spec = buf.spec();
                let a = analyzer
                    .get_or_insert_with(|| Analyzer::new(spec.channels().count(), spec.rate(), t));
                buf.copy_to_vec_interleaved(&mut samples);
                sanitize(&mut samples);
                a.push(&samples);
            }
            Err(e) => {
                *error = Some(e.to_string());
                break;
            }
        }
    }
}

/// Adds `loudness-outlier` findings: integrated loudness more than `limit` LU from the median
/// of the set. Returns, for each result index that is an outlier, its message.
pub(crate) fn loudness_outliers(loudness: &[Option<f64>], limit: f64) -> Vec<(usize, String)> {
    let mut known: Vec<f64> = loudness.iter().flatten().copied().collect();
    if known.len() < 3 {
        return Vec::new();
    }
    known.sort_by(f64::total_cmp);
    let mid = known.len() / 2;
    let median = if known.len() % 2 == 0 {
        (known[mid - 1] + known[mid]) / 2.0
    } else {
        known[mid]
    };
    loudness
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = (*l)?;
            let off = l - median;
            (off.abs() > limit).then(|| {
                (
                    i,
                    format!(
                        "{l:.1} LUFS is {:.1} LU {} than the median {median:.1} LUFS of the {} prompts checked",
                        off.abs(),
                        if off > 0.0 { "louder" } else { "quieter" },
                        known.len()
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds {
        Thresholds {
            silence_db: -50.0,
            max_silence_ms: 2000,
            true_peak_db: -1.0,
        }
    }

    fn run(samples: &[f32], channels: usize, rate: u32) -> (AudioInfo, Vec<Rule>) {
        let mut a = Analyzer::new(channels, rate, t());
        for block in samples.chunks(4096 * channels) {
            a.push(block);
        }
        let mut info = AudioInfo::default();
        let issues = a.finish(t(), &mut info);
        (info, issues.into_iter().map(|(r, _)| r).collect())
    }

    fn sine(secs: f64, amp: f32) -> Vec<f32> {
        (0..(secs * 16000.0) as usize)
            .map(|i| amp * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16000.0).sin())
            .collect()
    }

    #[test]
    fn a_clean_tone_has_no_findings_and_known_levels() {
        let (info, rules) = run(&sine(3.0, 0.5), 1, 16000);
        assert_eq!(rules, vec![]);
        assert!((info.peak_dbfs.unwrap() + 6.02).abs() < 0.05);
        assert!((info.rms_dbfs.unwrap() + 9.03).abs() < 0.05);
        assert_eq!(info.leading_silence_ms, Some(0));
        // A 440 Hz sine at -9 dB RMS reads about -9.6 LUFS (K-weighting).
        let lufs = info.loudness_lufs.unwrap();
        assert!((-11.0..-8.0).contains(&lufs), "{lufs}");
    }

    /// A header that claims 1 Hz: every sample would be a loudness block of its own, so memory
    /// would grow with the file (800 MB for 200 MB of samples). No loudness is measured there.
    #[test]
    fn no_loudness_outside_the_rates_conversion_takes() {
        let tone = sine(3.0, 0.5);
        for rate in [1, 999, 768_001] {
            let a = Analyzer::new(1, rate, t());
            assert!(a.loudness.is_none(), "{rate}");
            assert_eq!(run(&tone, 1, rate).0.loudness_lufs, None, "{rate}");
        }
        assert!(run(&tone, 1, 8_000).0.loudness_lufs.is_some());
    }

    #[test]
    fn each_problem_is_found() {
        assert_eq!(run(&vec![0.0; 32000], 1, 16000).1, vec![Rule::Silent]);
        let mut lead = vec![0.0; 64000];
        lead.extend(sine(1.0, 0.5));
        let (info, rules) = run(&lead, 1, 16000);
        assert_eq!(rules, vec![Rule::LeadingSilence]);
        assert_eq!(info.leading_silence_ms, Some(4000));
        let mut trail = sine(1.0, 0.5);
        trail.extend(vec![0.0; 48000]);
        assert_eq!(run(&trail, 1, 16000).1, vec![Rule::TrailingSilence]);
        let clipped: Vec<f32> = sine(1.0, 1.5).iter().map(|x| x.clamp(-1.0, 1.0)).collect();
        // Flattened crests overshoot between samples too.
        assert_eq!(
            run(&clipped, 1, 16000).1,
            vec![Rule::Clipped, Rule::TruePeak]
        );
        let dc: Vec<f32> = sine(1.0, 0.3).iter().map(|x| x + 0.05).collect();
        assert_eq!(run(&dc, 1, 16000).1, vec![Rule::DcOffset]);
    }

    /// A sine at a quarter of the rate, shifted 45 degrees, with its crests (between samples) at
    /// `crest_db`: every sample is 3.01 dB lower.
    fn quarter_rate_sine(crest_db: f64) -> Vec<f32> {
        let amp = 10f64.powf(crest_db / 20.0);
        (0..32_000)
            .map(|i| {
                let phase = std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4;
                (amp * phase.sin()) as f32
            })
            .collect()
    }

    #[test]
    fn true_peak_fires_above_the_ceiling_only() {
        for (crest, fires) in [(-0.5, true), (-0.8, true), (-1.2, false), (-1.5, false)] {
            let (info, rules) = run(&quarter_rate_sine(crest), 1, 16000);
            let tp = info.true_peak_dbtp.unwrap();
            let peak = info.peak_dbfs.unwrap();
            // The interpolator passes a quarter of the rate about 0.1 dB high (its ripple).
            assert!((tp - crest).abs() < 0.15, "{crest}: {tp}");
            assert!((peak - crest + 3.01).abs() < 0.02, "{crest}: {peak}");
            assert_eq!(rules.contains(&Rule::TruePeak), fires, "{crest}: {tp}");
        }
        // The 16-bit mono path measures the same.
        for channels in [1usize, 2] {
            let x = quarter_rate_sine(-0.5);
            let ints: Vec<i16> = x
                .iter()
                .flat_map(|&v| std::iter::repeat_n((v * 32768.0) as i16, channels))
                .collect();
            let mut a = Analyzer::new(channels, 16000, t());
            for block in ints.chunks(4096 * channels) {
                if channels == 1 {
                    a.push_i16_mono(block);
                } else {
                    let f: Vec<f32> = block.iter().map(|&v| f32::from(v) / 32768.0).collect();
                    a.push(&f);
                }
            }
            let mut info = AudioInfo::default();
            let rules: Vec<Rule> = a
                .finish(t(), &mut info)
                .into_iter()
                .map(|(r, _)| r)
                .collect();
            assert!(
                (info.true_peak_dbtp.unwrap() + 0.5).abs() < 0.15,
                "{info:?}"
            );
            assert_eq!(rules, vec![Rule::TruePeak], "{channels}");
        }
        // The ceiling is a setting.
        let mut a = Analyzer::new(1, 16000, t());
        a.push(&quarter_rate_sine(-0.5));
        let mut info = AudioInfo::default();
        let lax = Thresholds {
            true_peak_db: 0.0,
            ..t()
        };
        assert!(a.finish(lax, &mut info).is_empty());
    }

    /// A sine clipped 12 dB at 16 kHz, then lowered 4 dB, through the 16-bit mono path: no
    /// sample is at full scale, yet the flat tops are found, with where and how much.
    #[test]
    fn clipped_then_lowered_is_reported_with_where_and_how_much() {
        let mut x = vec![0.0f32; 8000];
        x.extend(sine(1.0, 4.0).iter().map(|v| v.clamp(-1.0, 1.0)));
        let ints: Vec<i16> = x.iter().map(|v| (v * 0.631 * 32767.0) as i16).collect();
        let mut a = Analyzer::new(1, 16000, t());
        for block in ints.chunks(4096) {
            a.push_i16_mono(block);
        }
        let mut info = AudioInfo::default();
        let issues = a.finish(t(), &mut info);
        let clipped: Vec<&String> = issues
            .iter()
            .filter(|(r, _)| *r == Rule::Clipped)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(clipped.len(), 1, "{issues:?}");
        let m = clipped[0];
        assert!(m.contains("have flat tops, at -4.0 dBFS"), "{m}");
        assert!(m.contains("the first at 0.50"), "{m}");
        // 56.9% exactly; after the first 256 crests one loud chunk in 16 is measured, and the
        // counts are scaled.
        let share: f64 = m
            .split("% of the prompt")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .expect("a share of time");
        assert!((share - 56.9).abs() < 1.0, "{m}");
        assert!(
            m.contains("% of the prompt is within 1 dB of a flat top, the longest stretch 1.0 ms"),
            "{m}"
        );
    }

    #[test]
    fn outliers_need_a_set() {
        assert!(loudness_outliers(&[Some(-20.0), Some(-10.0)], 6.0).is_empty());
        let o = loudness_outliers(&[Some(-20.0), Some(-20.5), Some(-10.0), None], 6.0);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].0, 2);
        assert!(
            o[0].1.contains("10.0 LU louder than the median -20.0 LUFS"),
            "{}",
            o[0].1
        );
    }
}
