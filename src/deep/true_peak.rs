//! True peak (ITU-R BS.1770-4 annex 2): the peak of the signal oversampled four times, which
//! catches the crests that fall between samples (a DAC or an MP3 encoder reconstructs them).
//!
//! The interpolator is the annex's 48-tap polyphase FIR, designed as libebur128 (and the
//! `ebur128` crate, the tests' reference) designs it: a Hann-windowed sinc. Its phase 0 is the
//! samples themselves, so only the three phases between samples are computed, 12 taps each.
//! Blocks are filtered lane by lane (eight outputs at a time) so the compiler vectorizes them,
//! and a block whose loudest sample cannot reach the peak found so far through the filter's gain
//! is skipped (silence, quiet passages). Memory is fixed: 11 samples of history per channel and
//! one block of scratch.

/// Taps per phase.
pub(crate) const TAPS: usize = 12;
/// Oversampling factor.
const FACTOR: usize = 4;
/// Outputs computed side by side.
const LANES: usize = 8;

/// The three phases between samples, taps in the order they meet the history (oldest first).
fn phases() -> [[f32; TAPS]; FACTOR - 1] {
    let total = TAPS * FACTOR; // 48
    let mut h = [[0f32; TAPS]; FACTOR - 1];
    for (p, phase) in h.iter_mut().enumerate() {
        for (t, c) in phase.iter_mut().enumerate() {
            // Coefficient index j of the 48-tap filter; m is its distance from the centre in
            // output samples.
            let j = (t * FACTOR + p + 1) as f64;
            let w = 0.5 * (1.0 - (2.0 * std::f64::consts::PI * j / total as f64).cos());
            let m = j - total as f64 / 2.0;
            let x = m * std::f64::consts::PI / FACTOR as f64;
            *c = (w * x.sin() / x) as f32;
        }
        // Oldest sample first: the filter's last tap meets the oldest sample.
        phase.reverse();
    }
    h
}

/// Running true peak of one channel.
#[derive(Debug, Clone)]
struct Channel {
    /// The last `TAPS - 1` samples, then the block being filtered.
    buf: Vec<f32>,
}

/// Running true peak over interleaved blocks.
#[derive(Debug, Clone)]
pub(crate) struct TruePeak {
    folded: Folded,
    /// The largest sum of absolute taps of a phase: no interpolated value exceeds the loudest
    /// of its 12 samples by more than this factor.
    gain: f32,
    channels: Vec<Channel>,
    /// The peak so far (1.0 is full scale).
    peak: f32,
}

impl TruePeak {
    pub(crate) fn new(channels: usize) -> Self {
        let h = phases();
        let gain = h
            .iter()
            .map(|p| p.iter().map(|c| c.abs()).sum::<f32>())
            .fold(0.0, f32::max);
        TruePeak {
            folded: Folded::new(&h),
            gain,
            channels: vec![
                Channel {
                    buf: vec![0.0; TAPS - 1],
                };
                channels.max(1)
            ],
            peak: 0.0,
        }
    }

    /// The true peak so far (1.0 is full scale).
    pub(crate) fn peak(&self) -> f32 {
        self.peak
    }

    /// Mono 16-bit samples, whose loudest is `block_peak` (in [-1, 1] like the rest).
    pub(crate) fn push_i16_mono(&mut self, samples: &[i16], block_peak: f32) {
        let ch = &mut self.channels[0];
        ch.buf
            .extend(samples.iter().map(|&x| f32::from(x) * (1.0 / 32768.0)));
        self.peak = self.peak.max(block_peak);
        scan(&self.folded, self.gain, &mut ch.buf, &mut self.peak);
    }

    /// Interleaved samples (whole frames).
    pub(crate) fn push(&mut self, samples: &[f32]) {
        let n = self.channels.len();
        for (c, ch) in self.channels.iter_mut().enumerate() {
            let before = ch.buf.len();
            ch.buf.extend(samples.iter().skip(c).step_by(n).copied());
            let block_peak = ch.buf[before..].iter().fold(0f32, |m, x| m.max(x.abs()));
            self.peak = self.peak.max(block_peak);
            scan(&self.folded, self.gain, &mut ch.buf, &mut self.peak);
        }
    }
}

/// The annex's interpolator one gap at a time, for `fix`'s true-peak limiter: the loudest of
/// the three values it puts between the middle samples (`w[5]` and `w[6]`) of a 12-sample
/// window. The same filter [`TruePeak`] measures with, so what the limiter holds is what
/// `--deep` reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Between {
    folded: Folded,
}

impl Between {
    pub(crate) fn new() -> Self {
        Between {
            folded: Folded::new(&phases()),
        }
    }

    /// The loudest interpolated value between `w[5]` and `w[6]`.
    pub(crate) fn peak(&self, w: &[f32; TAPS]) -> f32 {
        let f = &self.folded;
        let (mut mid, mut even, mut odd) = (0f32, 0f32, 0f32);
        for t in 0..HALF {
            let (s, d) = (w[t] + w[TAPS - 1 - t], w[t] - w[TAPS - 1 - t]);
            mid += f.mid[t] * s;
            even += f.even[t] * s;
            odd += f.odd[t] * d;
        }
        mid.abs().max(even.abs() + odd.abs())
    }
}

/// The filter folded on its symmetry, for [`scan`]: phase 2 (midway) is symmetric, and phase 3
/// is phase 1 backwards. With `s = x[t] + x[11 - t]` and `d = x[t] - x[11 - t]`, the midway
/// value is `Σ mid·s`, and the larger of phases 1 and 3 is `|Σ even·s| + |Σ odd·d|` (since
/// `max(|a|, |b|) = (|a + b| + |a - b|) / 2`): three dot products of 6 taps instead of 36
/// multiplications.
#[derive(Debug, Clone, Copy)]
struct Folded {
    mid: [f32; HALF],
    even: [f32; HALF],
    odd: [f32; HALF],
}

/// Half the taps of a phase.
const HALF: usize = TAPS / 2;

impl Folded {
    fn new(h: &[[f32; TAPS]; FACTOR - 1]) -> Self {
        let mut f = Folded {
            mid: [0.0; HALF],
            even: [0.0; HALF],
            odd: [0.0; HALF],
        };
        for t in 0..HALF {
            f.mid[t] = h[1][t];
            f.even[t] = (h[0][t] + h[0][TAPS - 1 - t]) / 2.0;
            f.odd[t] = (h[0][t] - h[0][TAPS - 1 - t]) / 2.0;
        }
        f
    }
}

/// Interpolates the block after the history in `buf`, raises `peak`, and keeps the block's last
/// samples as the next history.
fn scan(f: &Folded, gain: f32, buf: &mut Vec<f32>, peak: &mut f32) {
    let outputs = buf.len() + 1 - TAPS;
    let loudest = buf.iter().fold(0f32, |m, x| m.max(x.abs()));
    // Nothing in this block (with its history) can beat the peak: skip the filter.
    if loudest * gain > *peak {
        let mut best = [0f32; LANES];
        let mut i = 0;
        while i < outputs {
            // The last group may overlap the one before; a maximum does not mind.
            let at = i.min(outputs.saturating_sub(LANES));
            let Some(window) = buf.get(at..at + LANES + TAPS - 1) else {
                break;
            };
            let (mut mid, mut even, mut odd) = ([0f32; LANES], [0f32; LANES], [0f32; LANES]);
            for t in 0..HALF {
                let a = &window[t..t + LANES];
                let b = &window[TAPS - 1 - t..TAPS - 1 - t + LANES];
                for l in 0..LANES {
                    let (s, d) = (a[l] + b[l], a[l] - b[l]);
                    mid[l] += f.mid[t] * s;
                    even[l] += f.even[t] * s;
                    odd[l] += f.odd[t] * d;
                }
            }
            for l in 0..LANES {
                best[l] = best[l].max(mid[l].abs()).max(even[l].abs() + odd[l].abs());
            }
            i += LANES;
        }
        if outputs < LANES {
            for i in 0..outputs {
                let x = &buf[i..i + TAPS];
                let (mut mid, mut even, mut odd) = (0f32, 0f32, 0f32);
                for t in 0..HALF {
                    let (s, d) = (x[t] + x[TAPS - 1 - t], x[t] - x[TAPS - 1 - t]);
                    mid += f.mid[t] * s;
                    even += f.even[t] * s;
                    odd += f.odd[t] * d;
                }
                *peak = peak.max(mid.abs()).max(even.abs() + odd.abs());
            }
        }
        *peak = best.iter().fold(*peak, |m, &x| m.max(x));
    }
    buf.drain(..outputs);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    /// Phase 2 of a windowed sinc sums to about 1 (it passes DC), and the taps are symmetric.
    #[test]
    fn the_filter_is_a_lowpass_interpolator() {
        let h = phases();
        let dc: f32 = h[1].iter().sum();
        assert!((dc - 1.0).abs() < 0.01, "{dc}");
        for t in 0..TAPS {
            assert!((h[1][t] - h[1][TAPS - 1 - t]).abs() < 1e-6);
            assert!((h[0][t] - h[2][TAPS - 1 - t]).abs() < 1e-6);
        }
    }

    /// A sine at a quarter of the rate, shifted 45 degrees: every sample is at 0.707 of the
    /// crest, which falls midway between samples. The true peak is the crest, 3.01 dB above the
    /// sample peak.
    #[test]
    fn crests_between_samples_are_found() {
        for amp in [0.5f64, 0.9] {
            let x: Vec<f32> = (0..16_000)
                .map(|i| {
                    (amp * (std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4)
                        .sin()) as f32
                })
                .collect();
            let mut tp = TruePeak::new(1);
            for b in x.chunks(1000) {
                tp.push(b);
            }
            let sample_peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!((db(f64::from(sample_peak)) - db(amp) + 3.01).abs() < 0.01);
            let got = db(f64::from(tp.peak()));
            assert!((got - db(amp)).abs() < 0.5, "{got} vs {}", db(amp));
        }
    }

    /// Speech-like noise bursts (low-passed noise in syllable-long envelopes, normalized near
    /// full scale), against the `ebur128` crate's true peak: within 0.5 dB, at 16 and 48 kHz,
    /// mono and stereo.
    #[test]
    fn speech_like_bursts_match_the_reference() {
        use ebur128::{EbuR128, Mode};
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut noise = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        for (rate, channels) in [(16_000u32, 1usize), (48_000, 1), (16_000, 2)] {
            let frames = rate as usize * 3;
            let syllable = rate as usize / 4;
            let mut lp = vec![0f64; channels];
            let mut x: Vec<f64> = Vec::with_capacity(frames * channels);
            for i in 0..frames {
                // 250 ms syllables, each followed by a pause of the same length.
                let k = i % (2 * syllable);
                let env = if k < syllable {
                    (std::f64::consts::PI * k as f64 / syllable as f64).sin()
                } else {
                    0.0
                };
                for l in lp.iter_mut() {
                    *l = 0.7 * *l + 0.3 * noise();
                    x.push(env * *l);
                }
            }
            let loudest = x.iter().fold(0f64, |m, v| m.max(v.abs()));
            let x: Vec<f32> = x.iter().map(|v| (v / loudest * 0.95) as f32).collect();
            let mut ours = TruePeak::new(channels);
            for b in x.chunks(4096 * channels) {
                ours.push(b);
            }
            let mut reference = EbuR128::new(channels as u32, rate, Mode::TRUE_PEAK).unwrap();
            reference.add_frames_f32(&x).unwrap();
            let want = (0..channels as u32)
                .map(|c| reference.true_peak(c).unwrap())
                .fold(0f64, f64::max);
            let got = f64::from(ours.peak());
            assert!(
                (db(got) - db(want)).abs() < 0.5,
                "{rate} Hz x{channels}: {} vs {} dBTP",
                db(got),
                db(want)
            );
            // Inter-sample crests were found above the samples.
            assert!(db(got) > db(0.95) + 0.01, "{}", db(got));
        }
    }
}
