//! `fix`'s sound cures, what `--deep` finds: loudness (one gain to a target, with a look-ahead
//! true-peak limiter under a ceiling), leading and trailing silence, DC offset.
//!
//! They run on the 16 kHz mono signal of the streamed conversion ([`super::convert`]), between
//! the resampler and the dither. Pass 1 ([`measure`]) decodes the prompt and measures it with
//! `--deep`'s own meters: integrated loudness ([`Meter`], BS.1770), true peak ([`TruePeak`],
//! the annex-2 oversampler), the mean, and where sound starts and ends (at `--deep`'s
//! `silence_db`). [`decide`] turns that into a [`Plan`]; when the gain pushes true peaks over
//! the ceiling, the plan is run once without writing ([`simulate`]) to measure what the limiter
//! takes away, and the gain makes up for it. Pass 2 is the conversion itself, with [`Chain`]
//! as its stage: the prompt is decoded, resampled, processed, dithered and written once.

use serde::Serialize;

use crate::deep::loudness::Meter;
use crate::deep::true_peak::{Between, TruePeak, TAPS};
use crate::fix::convert::{decode_16k, ConvertError, Sink, Stage};
use crate::header::wav::REQUIRED_SAMPLE_RATE;

/// Frames a second of the processed signal.
const RATE: f64 = REQUIRED_SAMPLE_RATE as f64;
/// A mean beyond this fraction of full scale is a DC offset (`--deep`'s `dc-offset`).
const DC_LIMIT: f64 = 0.01;
/// The DC blocker's corner, in Hz: far below speech (0.01 dB at 100 Hz).
const DC_CORNER_HZ: f64 = 5.0;
/// Frames whose mean starts the DC blocker (20 ms), so a constant offset leaves no transient.
const DC_START: usize = 320;
/// The fade at a cut, in frames (10 ms).
const FADE: u64 = 160;
/// The limiter's look-ahead, in frames (5 ms): the gain falls over this window before a crest.
const LOOK_AHEAD: usize = 80;
/// The limiter's release time constant, in seconds.
const RELEASE_S: f64 = 0.08;
/// The limiter aims this far below the ceiling (dB), for the rounding of the gain's steps and
/// the dither.
const MARGIN_DB: f64 = 0.1;
/// A prompt this close to the target (LU) needs no gain: the accuracy outputs are held to, so
/// that `fix` run again on its own output changes nothing.
const GAIN_TOLERANCE_DB: f64 = 0.5;
/// The most the gain is raised to make up for what the limiter takes (dB).
const MAKEUP_MAX_DB: f64 = 6.0;

/// The sound cures `fix` applies (all off by default). A prompt that needs none of those asked
/// for is left alone.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AudioFixes {
    /// Bring integrated loudness to this many LUFS with one gain (`--loudness`).
    pub loudness: Option<f64>,
    /// Bring every prompt to the median loudness of the set instead (`--match-set`).
    pub match_set: bool,
    /// With a loudness target: the true-peak ceiling, in dBTP (`--true-peak-db`, default -1);
    /// a look-ahead limiter holds the crests the gain would push over it.
    pub true_peak_db: f64,
    /// Cut leading and trailing silence (below the check's `silence_db`) to at most this many
    /// seconds, with a 10 ms fade at the cut (`--trim-silence`).
    pub trim_silence: Option<f64>,
    /// Remove a DC offset (a mean beyond 1% of full scale, or beyond 0.5% once the loudness
    /// gain is applied) with a 5 Hz high-pass (`--remove-dc`).
    pub remove_dc: bool,
}

impl Default for AudioFixes {
    fn default() -> Self {
        AudioFixes {
            loudness: None,
            match_set: false,
            true_peak_db: -1.0,
            trim_silence: None,
            remove_dc: false,
        }
    }
}

impl AudioFixes {
    /// Whether any cure is asked for (then every prompt is measured).
    pub fn any(&self) -> bool {
        self.levels() || self.trim_silence.is_some() || self.remove_dc
    }

    /// Whether loudness is set (to a target or to the set's median).
    fn levels(&self) -> bool {
        self.loudness.is_some() || self.match_set
    }
}

/// What a sound cure did (or, with `--dry-run`, would do) to one prompt. The output's own
/// loudness and true peak are in the fix result's `after` check, measured by `--deep`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leveling {
    /// The input's integrated loudness (at 16 kHz mono), in LUFS; `None` when no 400 ms block
    /// passes the gates (silence, or too short).
    pub loudness_lufs: Option<f64>,
    /// The loudness aimed at: `--loudness`, or the set's median with `--match-set`.
    pub target_lufs: Option<f64>,
    /// The gain applied, in dB (0 when none).
    pub gain_db: f64,
    /// The input's true peak, in dBTP.
    pub true_peak_dbtp: f64,
    /// The most the limiter lowered the gain anywhere, in dB (0 when it did nothing).
    pub limited_db: f64,
    /// The DC offset removed, in percent of full scale (`None` when none was).
    pub dc_removed_percent: Option<f64>,
    /// Silence cut from the start, in milliseconds.
    pub trimmed_start_ms: u64,
    /// Silence cut from the end, in milliseconds.
    pub trimmed_end_ms: u64,
}

impl Leveling {
    /// Whether it changes anything.
    pub fn changes(&self) -> bool {
        self.gain_db != 0.0
            || self.limited_db > 0.0
            || self.dc_removed_percent.is_some()
            || self.trimmed_start_ms > 0
            || self.trimmed_end_ms > 0
    }
}

/// Where sound starts and ends: the first and last frame at or above the silence level.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Span {
    first: Option<u64>,
    last: Option<u64>,
}

impl Span {
    fn push(&mut self, at: u64, samples: &[f32], silence: f32) {
        if let Some(first) = samples.iter().position(|x| x.abs() >= silence) {
            self.first.get_or_insert(at + first as u64);
            if let Some(last) = samples.iter().rposition(|x| x.abs() >= silence) {
                self.last = Some(at + last as u64);
            }
        }
    }
}

/// Pass 1's measurements of one prompt, at 16 kHz mono.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    loudness: Option<f64>,
    /// True peak, linear (1.0 is full scale).
    true_peak: f32,
    mean: f64,
    frames: u64,
    /// Where sound is, as the samples are, and after the DC blocker.
    raw: Span,
    blocked: Span,
}

impl Measured {
    /// The integrated loudness, for `--match-set`'s median.
    pub(crate) fn loudness(&self) -> Option<f64> {
        self.loudness
    }
}

/// The first-order DC blocker `y = x - x1 + r * y1`, 5 Hz at 16 kHz. It starts as if the
/// signal had always been at the mean of its first 20 ms, so a constant offset is removed from
/// the first sample on, without a transient.
#[derive(Debug, Clone)]
struct DcBlocker {
    r: f64,
    x1: f64,
    y1: f64,
    /// The first frames, until the start value is known.
    start: Option<Vec<f32>>,
    out: Vec<f32>,
}

impl DcBlocker {
    fn new() -> Self {
        DcBlocker {
            r: (-2.0 * std::f64::consts::PI * DC_CORNER_HZ / RATE).exp(),
            x1: 0.0,
            y1: 0.0,
            start: Some(Vec::with_capacity(DC_START)),
            out: Vec::new(),
        }
    }

    fn run(&mut self, input: &[f32]) {
        for &x in input {
            let x = f64::from(x);
            let y = x - self.x1 + self.r * self.y1;
            self.x1 = x;
            self.y1 = y;
            self.out.push(y as f32);
        }
    }

    /// Filters `input` into `self.out` (cleared first); the first 20 ms come out once known.
    fn push(&mut self, mut input: &[f32]) {
        self.out.clear();
        if let Some(start) = self.start.as_mut() {
            let take = (DC_START - start.len()).min(input.len());
            start.extend_from_slice(&input[..take]);
            input = &input[take..];
            if start.len() < DC_START {
                return;
            }
            self.begin();
        }
        self.run(input);
    }

    fn begin(&mut self) {
        if let Some(start) = self.start.take() {
            let n = start.len().max(1) as f64;
            self.x1 = start.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
            self.run(&start);
        }
    }

    /// What is still held, into `self.out`.
    fn finish(&mut self) {
        self.out.clear();
        self.begin();
    }
}

/// Pass 1's sink.
struct Measure {
    meter: Meter,
    true_peak: TruePeak,
    dc: DcBlocker,
    silence: f32,
    sum: f64,
    frames: u64,
    blocked_frames: u64,
    raw: Span,
    blocked: Span,
}

impl Measure {
    fn push(&mut self, s: &[f32]) {
        self.meter.push(s);
        self.true_peak.push(s);
        self.sum += s.iter().map(|&x| f64::from(x)).sum::<f64>();
        self.raw.push(self.frames, s, self.silence);
        self.frames += s.len() as u64;
        self.dc.push(s);
        self.push_blocked();
    }

    fn push_blocked(&mut self) {
        self.blocked
            .push(self.blocked_frames, &self.dc.out, self.silence);
        self.blocked_frames += self.dc.out.len() as u64;
    }
}

/// Pass 1: decodes `path` and measures it at 16 kHz mono with `--deep`'s meters; `silence_db`
/// is the level below which a frame is silent.
pub(crate) fn measure(path: &std::path::Path, silence_db: f64) -> Result<Measured, ConvertError> {
    let mut m = Measure {
        meter: Meter::new(1, REQUIRED_SAMPLE_RATE),
        true_peak: TruePeak::new(1),
        dc: DcBlocker::new(),
        silence: 10f64.powf(silence_db / 20.0) as f32,
        sum: 0.0,
        frames: 0,
        blocked_frames: 0,
        raw: Span::default(),
        blocked: Span::default(),
    };
    decode_16k(path, &mut |s: &[f32]| {
        m.push(s);
        Ok(())
    })?;
    m.dc.finish();
    m.push_blocked();
    // The true peak holds the sample peak too.
    Ok(Measured {
        loudness: m.meter.integrated(),
        true_peak: m.true_peak.peak(),
        mean: m.sum / (m.frames.max(1) as f64),
        frames: m.frames,
        raw: m.raw,
        blocked: m.blocked,
    })
}

/// What pass 2 does to one prompt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The linear gain.
    gain: f64,
    /// The true-peak ceiling to hold, linear, when loudness is set.
    ceiling: Option<f64>,
    dc: bool,
    /// The frames kept: `keep_from..keep_to`.
    keep_from: u64,
    keep_to: u64,
    frames: u64,
    /// What the report says.
    pub(crate) leveling: Leveling,
}

fn db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        -200.0
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The plan for a prompt measured as `m`, aiming at `target` LUFS (`None`: loudness unchanged).
/// With a gain that pushes true peaks over the ceiling, the plan is run once without writing
/// to measure the limiter's loss, which the gain makes up (up to 6 dB).
pub(crate) fn decide(
    path: &std::path::Path,
    m: &Measured,
    fixes: &AudioFixes,
    target: Option<f64>,
) -> Result<Plan, ConvertError> {
    let target = target.filter(|_| fixes.levels());
    let mut gain_db = match (target, m.loudness) {
        (Some(t), Some(l)) if (t - l).abs() >= GAIN_TOLERANCE_DB => t - l,
        _ => 0.0,
    };
    let ceiling_db = fixes.true_peak_db;
    let ceiling = target.map(|_| 10f64.powf((ceiling_db - MARGIN_DB) / 20.0));
    // A DC offset, or one the gain would make large enough to be halfway to one.
    let gained_mean = m.mean.abs() * 10f64.powf(gain_db / 20.0);
    let dc = fixes.remove_dc
        && (m.mean.abs() > DC_LIMIT || (gain_db != 0.0 && gained_mean > DC_LIMIT / 2.0));
    let span = if dc { m.blocked } else { m.raw };
    let (mut keep_from, mut keep_to) = (0, m.frames);
    if let (Some(keep), Some(first), Some(last)) = (fixes.trim_silence, span.first, span.last) {
        let keep = (keep * RATE).round() as u64;
        keep_from = first.saturating_sub(keep);
        keep_to = last.saturating_add(1).saturating_add(keep).min(m.frames);
    }
    let tp_db = db(f64::from(m.true_peak));
    let mut plan = Plan {
        gain: 10f64.powf(gain_db / 20.0),
        ceiling,
        dc,
        keep_from,
        keep_to,
        frames: m.frames,
        leveling: Leveling {
            loudness_lufs: m.loudness.map(round2),
            target_lufs: target.map(round2),
            gain_db: round2(gain_db),
            true_peak_dbtp: round2(tp_db),
            limited_db: 0.0,
            dc_removed_percent: dc.then(|| round2(m.mean * 100.0)),
            trimmed_start_ms: keep_from * 1000 / REQUIRED_SAMPLE_RATE as u64,
            trimmed_end_ms: (m.frames - keep_to) * 1000 / REQUIRED_SAMPLE_RATE as u64,
        },
    };
    let over = target.is_some() && tp_db + gain_db > ceiling_db - MARGIN_DB;
    if over {
        // Measure what the limiter takes, and make it up (twice at most: the second step is
        // small, as a louder signal is limited a little more).
        for _ in 0..2 {
            let (loudness, limited) = simulate(path, &plan)?;
            plan.leveling.limited_db = round2(limited);
            let Some((t, l)) = target.zip(loudness) else {
                break;
            };
            let short = t - l;
            if short.abs() < 0.15 {
                break;
            }
            let makeup = (gain_db + short).clamp(gain_db - MAKEUP_MAX_DB, gain_db + MAKEUP_MAX_DB);
            gain_db = makeup;
            plan.gain = 10f64.powf(gain_db / 20.0);
            plan.leveling.gain_db = round2(gain_db);
        }
    }
    Ok(plan)
}

/// Runs `plan` on the prompt without writing: the loudness of the result and the most the
/// limiter lowered the gain (dB).
fn simulate(path: &std::path::Path, plan: &Plan) -> Result<(Option<f64>, f64), ConvertError> {
    let mut chain = Chain::new(plan);
    let mut meter = Meter::new(1, REQUIRED_SAMPLE_RATE);
    decode_16k(path, &mut |s: &[f32]| {
        chain.push(s, &mut |y: &[f32]| {
            meter.push(y);
            Ok(())
        })
    })?;
    chain.finish(&mut |y: &[f32]| {
        meter.push(y);
        Ok(())
    })?;
    Ok((meter.integrated(), chain.limited_db()))
}

/// The look-ahead true-peak limiter. For each sample it takes the loudest of the sample and the
/// annex-2 interpolated values on either side of it; the gain each sample needs (the ceiling
/// over that peak, at most 1) is taken as the least over the next [`LOOK_AHEAD`] frames, held
/// back by the release, and averaged over the look-ahead: the gain falls smoothly over the
/// window before a crest (the attack), is at or below what the crest needs when it passes, and
/// comes back with the release.
struct Limiter {
    ceiling: f32,
    between: Between,
    /// The last [`TAPS`] samples seen by the detector.
    window: [f32; TAPS],
    seen: u64,
    /// The peak between the previous two middle samples.
    last_gap: f32,
    /// Samples waiting for their gain.
    delay: std::collections::VecDeque<f32>,
    /// Needed gains (index, value), increasing values: the least of the look-ahead in front.
    mins: std::collections::VecDeque<(u64, f32)>,
    /// Needed gains received.
    needed: u64,
    released: f64,
    release: f64,
    /// The last `LOOK_AHEAD + 1` held gains and their sum.
    ring: Vec<f64>,
    ring_sum: f64,
    emitted: u64,
    lowest: f64,
    out: Vec<f32>,
}

impl Limiter {
    fn new(ceiling: f64) -> Self {
        let mut limiter = Limiter {
            ceiling: ceiling as f32,
            between: Between::new(),
            window: [0.0; TAPS],
            seen: 0,
            last_gap: 0.0,
            delay: std::collections::VecDeque::with_capacity(LOOK_AHEAD + 2 * TAPS),
            mins: std::collections::VecDeque::with_capacity(LOOK_AHEAD + 2),
            needed: 0,
            released: 1.0,
            release: 1.0 - (-1.0 / (RELEASE_S * RATE)).exp(),
            ring: vec![1.0; LOOK_AHEAD + 1],
            ring_sum: (LOOK_AHEAD + 1) as f64,
            emitted: 0,
            lowest: 1.0,
            out: Vec::new(),
        };
        // The look-ahead before the first sample: its gains are averaged into the first
        // samples' gain, so they are computed (from the first samples' needs), not taken as 1.
        for _ in 0..LOOK_AHEAD {
            limiter.need(1.0);
        }
        limiter
    }

    /// The detector: one sample in (a real one, or silence past the end).
    fn detect(&mut self, x: f32) {
        self.window.rotate_left(1);
        self.window[TAPS - 1] = x;
        self.seen += 1;
        // The gap between window[5] and window[6], i.e. samples seen-7 and seen-6.
        let gap = self
            .between
            .peak(&self.window)
            .max(self.window[TAPS / 2 - 1].abs())
            .max(self.window[TAPS / 2].abs());
        if self.seen > TAPS as u64 / 2 {
            // Sample seen-7's neighbours on both sides are now known.
            let peak = self.last_gap.max(gap);
            let need = if peak > self.ceiling {
                self.ceiling / peak
            } else {
                1.0
            };
            self.need(need);
        }
        self.last_gap = gap;
    }

    /// The gain sample `needed` needs.
    fn need(&mut self, g: f32) {
        let i = self.needed;
        self.needed += 1;
        while self.mins.back().is_some_and(|&(_, v)| v >= g) {
            self.mins.pop_back();
        }
        self.mins.push_back((i, g));
        if i >= LOOK_AHEAD as u64 {
            self.emit(i - LOOK_AHEAD as u64);
        }
    }

    /// Emits sample `n` (counting the [`LOOK_AHEAD`] before the first sample, which are not
    /// output), whose look-ahead is complete.
    fn emit(&mut self, n: u64) {
        while self.mins.front().is_some_and(|&(j, _)| j < n) {
            self.mins.pop_front();
        }
        let least = f64::from(self.mins.front().map_or(1.0, |&(_, v)| v));
        self.released = least.min(self.released + (1.0 - self.released) * self.release);
        let slot = (n % (LOOK_AHEAD as u64 + 1)) as usize;
        self.ring_sum += self.released - self.ring[slot];
        self.ring[slot] = self.released;
        // The average never exceeds the least of its window (rounding of the running sum
        // aside, which the margin covers).
        let gain = (self.ring_sum / (LOOK_AHEAD + 1) as f64).min(1.0);
        if n < LOOK_AHEAD as u64 {
            return;
        }
        self.lowest = self.lowest.min(gain);
        if let Some(x) = self.delay.pop_front() {
            self.out.push((f64::from(x) * gain) as f32);
            self.emitted += 1;
        }
    }

    fn push(&mut self, input: &[f32]) {
        self.out.clear();
        for &x in input {
            self.delay.push_back(x);
            self.detect(x);
        }
    }

    fn finish(&mut self) {
        self.out.clear();
        // Silence past the end: the last samples' right-hand neighbours.
        for _ in 0..TAPS / 2 {
            self.detect(0.0);
        }
        while !self.delay.is_empty() {
            self.need(1.0);
        }
    }
}

/// Pass 2's stage: DC blocker, trim with fades, gain, limiter.
pub(crate) struct Chain {
    dc: Option<DcBlocker>,
    at: u64,
    keep_from: u64,
    keep_to: u64,
    fade_in: bool,
    fade_out: bool,
    gain: f32,
    limiter: Option<Limiter>,
    buf: Vec<f32>,
}

impl Chain {
    pub(crate) fn new(plan: &Plan) -> Self {
        Chain {
            dc: plan.dc.then(DcBlocker::new),
            at: 0,
            keep_from: plan.keep_from,
            keep_to: plan.keep_to,
            fade_in: plan.keep_from > 0,
            fade_out: plan.keep_to < plan.frames,
            gain: plan.gain as f32,
            limiter: plan.ceiling.map(Limiter::new),
            buf: Vec::new(),
        }
    }

    /// The most the limiter lowered the gain, in dB.
    pub(crate) fn limited_db(&self) -> f64 {
        self.limiter
            .as_ref()
            .map_or(0.0, |l| -db(l.lowest))
            .max(0.0)
    }

    /// Trims, fades and gains `input` (the frames from `self.at`) into `self.buf`.
    fn shape(&mut self, input: &[f32]) {
        self.buf.clear();
        for &x in input {
            let n = self.at;
            self.at += 1;
            if n < self.keep_from || n >= self.keep_to {
                continue;
            }
            let mut g = self.gain;
            if self.fade_in && n - self.keep_from < FADE {
                g *= (n - self.keep_from) as f32 / FADE as f32;
            }
            if self.fade_out && self.keep_to - 1 - n < FADE {
                g *= (self.keep_to - 1 - n) as f32 / FADE as f32;
            }
            self.buf.push(x * g);
        }
    }

    fn pass(&mut self, input: &[f32], next: &mut Sink) -> Result<(), ConvertError> {
        if let Some(dc) = self.dc.as_mut() {
            dc.push(input);
            let filtered = std::mem::take(&mut dc.out);
            self.shape(&filtered);
            if let Some(dc) = self.dc.as_mut() {
                dc.out = filtered;
            }
        } else {
            self.shape(input);
        }
        match self.limiter.as_mut() {
            Some(l) => {
                l.push(&self.buf);
                next(&l.out)
            }
            None => next(&self.buf),
        }
    }
}

impl Stage for Chain {
    fn push(&mut self, input: &[f32], next: &mut Sink) -> Result<(), ConvertError> {
        self.pass(input, next)
    }

    fn finish(&mut self, next: &mut Sink) -> Result<(), ConvertError> {
        if let Some(dc) = self.dc.as_mut() {
            dc.finish();
            let held = std::mem::take(&mut dc.out);
            self.shape(&held);
            if let Some(l) = self.limiter.as_mut() {
                l.push(&self.buf);
                next(&l.out)?;
            } else {
                next(&self.buf)?;
            }
        }
        if let Some(l) = self.limiter.as_mut() {
            l.finish();
            next(&l.out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_chain(plan: &Plan, x: &[f32], piece: usize) -> (Vec<f32>, f64) {
        let mut chain = Chain::new(plan);
        let mut out = Vec::new();
        for p in x.chunks(piece) {
            chain
                .push(p, &mut |y: &[f32]| {
                    out.extend_from_slice(y);
                    Ok(())
                })
                .unwrap();
        }
        chain
            .finish(&mut |y: &[f32]| {
                out.extend_from_slice(y);
                Ok(())
            })
            .unwrap();
        let limited = chain.limited_db();
        (out, limited)
    }

    fn plan(gain_db: f64, ceiling_db: Option<f64>, frames: u64) -> Plan {
        Plan {
            gain: 10f64.powf(gain_db / 20.0),
            ceiling: ceiling_db.map(|c| 10f64.powf(c / 20.0)),
            dc: false,
            keep_from: 0,
            keep_to: frames,
            frames,
            leveling: Leveling {
                loudness_lufs: None,
                target_lufs: None,
                gain_db,
                true_peak_dbtp: 0.0,
                limited_db: 0.0,
                dc_removed_percent: None,
                trimmed_start_ms: 0,
                trimmed_end_ms: 0,
            },
        }
    }

    fn bursts(n: usize) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut lp = 0.0f32;
        (0..n)
            .map(|i| {
                let k = i % 4000;
                let env = if k < 2000 {
                    (std::f32::consts::PI * k as f32 / 2000.0).sin()
                } else {
                    0.0
                };
                lp = 0.6 * lp + 0.4 * (rng.f32() * 2.0 - 1.0);
                env * lp * 0.5
            })
            .collect()
    }

    #[test]
    fn the_limiter_holds_true_peaks_under_the_ceiling_in_any_block_size() {
        let x = bursts(48_000);
        let p = plan(12.0, Some(-1.1), x.len() as u64);
        let (whole, limited) = run_chain(&p, &x, x.len());
        assert_eq!(whole.len(), x.len());
        assert!(limited > 3.0, "{limited}");
        let mut tp = TruePeak::new(1);
        tp.push(&whole);
        let peak = db(f64::from(tp.peak()));
        assert!(peak <= -1.0, "{peak} dBTP");
        // Quiet parts pass with the gain alone.
        let g = 10f32.powf(12.0 / 20.0);
        assert!((whole[2001 + 1000] - x[2001 + 1000] * g).abs() < 1e-6);
        for piece in [1, 77, 4096] {
            let (y, _) = run_chain(&p, &x, piece);
            assert_eq!(y, whole, "{piece}");
        }
    }

    #[test]
    fn a_pop_is_held_even_at_the_first_sample() {
        // At the very start too, where the attack has no time before the crest.
        let mut x = vec![0.01f32; 4000];
        for start in [0, 2000] {
            for k in 0..48 {
                x[start + k] = 1.5 * (std::f32::consts::PI * k as f32 / 48.0).sin();
            }
        }
        let p = plan(0.0, Some(-1.1), x.len() as u64);
        let (y, limited) = run_chain(&p, &x, 4000);
        let (at, peak) =
            y.iter().enumerate().fold(
                (0, 0f32),
                |m, (i, v)| if v.abs() > m.1 { (i, v.abs()) } else { m },
            );
        assert!(peak <= 0.89, "{peak} at {at}, limited {limited}");
    }

    #[test]
    fn trimming_cuts_to_the_frames_kept_with_fades() {
        let x = vec![0.5f32; 10_000];
        let mut p = plan(0.0, None, 10_000);
        p.keep_from = 1_000;
        p.keep_to = 9_000;
        let (y, _) = run_chain(&p, &x, 333);
        assert_eq!(y.len(), 8_000);
        assert_eq!(y[0], 0.0);
        assert!(y[80] > 0.2 && y[80] < 0.3);
        assert_eq!(y[4_000], 0.5);
        assert_eq!(y[7_999], 0.0);
    }

    #[test]
    fn a_constant_offset_is_removed_from_the_first_sample() {
        let x: Vec<f32> = (0..16_000)
            .map(|i| 0.05 + 0.2 * (i as f32 * 0.1).sin())
            .collect();
        let mut p = plan(0.0, None, 16_000);
        p.dc = true;
        let (y, _) = run_chain(&p, &x, 500);
        assert_eq!(y.len(), x.len());
        let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len() as f64;
        assert!(mean.abs() < 0.002, "{mean}");
        // No transient: the first samples are the signal without its offset.
        assert!((y[0] - (x[0] - 0.05)).abs() < 0.01, "{}", y[0]);
    }
}
