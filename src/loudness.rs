//! Integrated loudness (ITU-R BS.1770-4 / EBU R128): K-weighting, 400 ms blocks every 100 ms,
//! the -70 LUFS absolute gate and the -10 LU relative gate.
//!
//! This is the `ebur128` crate's measurement, written as two cascaded biquads per channel so the
//! filter runs several times faster; the tests hold it to the crate's result within 0.05 LU.
//! (With the crate, loudness took four fifths of `--deep`'s time.) Every channel is weighted
//! 1.0, as BS.1770 does for left, right and centre.

/// A signal far below anything audible, alternating in sign (so both filter stages pass it),
/// added to every sample: a filter ringing out into silence then never reaches subnormal
/// numbers, which the CPU handles a hundred times slower. (The `ebur128` crate sets the CPU's
/// flush-to-zero mode instead.) Its energy, about 1e-36, is 290 dB below the -70 LUFS gate.
const ANTI_SUBNORMAL: f64 = 1e-18;

/// One biquad section, direct form I: the feedback path is one multiply and one subtract per
/// sample, the shortest dependency chain for a recursive filter.
#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
}

impl Biquad {
    fn new(b: [f64; 3], a: [f64; 2]) -> Self {
        Biquad {
            b,
            a,
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    #[inline]
    fn run(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x1 + self.b[2] * self.x2
            - self.a[1] * self.y2
            - self.a[0] * self.y1;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// The K-weighting filter for a sample rate: a high-shelf (the head) then a high-pass, with
/// BS.1770's analogue parameters mapped by the bilinear transform (as libebur128 does).
fn k_weighting(rate: f64) -> [Biquad; 2] {
    let (f0, gain_db, q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad::new(
        [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    );
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad::new(
        [1.0, -2.0, 1.0],
        [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    );
    [shelf, high_pass]
}

/// A running loudness measurement over interleaved samples in [-1, 1].
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    channels: usize,
    filters: Vec<[Biquad; 2]>,
    /// Frames in 100 ms.
    sub_len: usize,
    /// K-weighted energy of the current 100 ms so far, and its frames.
    sub_sum: f64,
    sub_frames: usize,
    /// The last four 100 ms energies.
    recent: [f64; 4],
    subs_seen: usize,
    /// Mean-square energy of every 400 ms block.
    blocks: Vec<f64>,
}

impl Meter {
    pub(crate) fn new(channels: usize, rate: u32) -> Self {
        let channels = channels.max(1);
        Meter {
            channels,
            filters: vec![k_weighting(f64::from(rate.max(1))); channels],
            sub_len: ((rate as usize + 5) / 10).max(1),
            sub_sum: 0.0,
            sub_frames: 0,
            recent: [0.0; 4],
            subs_seen: 0,
            blocks: Vec::new(),
        }
    }

    /// Adds interleaved samples (whole frames).
    pub(crate) fn push(&mut self, samples: &[f32]) {
        if self.channels == 1 {
            self.push_mono(samples, |&x| f64::from(x));
            return;
        }
        let mut tiny = ANTI_SUBNORMAL;
        for frame in samples.chunks_exact(self.channels) {
            tiny = -tiny;
            for (x, f) in frame.iter().zip(self.filters.iter_mut()) {
                let shelved = f[0].run(f64::from(*x) + tiny);
                let y = f[1].run(shelved);
                self.sub_sum += y * y;
            }
            self.sub_frames += 1;
            if self.sub_frames == self.sub_len {
                self.end_sub_block();
            }
        }
    }

    /// Adds mono 16-bit samples.
    pub(crate) fn push_i16_mono(&mut self, samples: &[i16]) {
        self.push_mono(samples, |&x| f64::from(x) / 32768.0);
    }

    /// The mono hot loop: the filter state and the energy stay in registers up to each 100 ms
    /// boundary.
    fn push_mono<T>(&mut self, samples: &[T], value: impl Fn(&T) -> f64) {
        let [mut s1, mut s2] = self.filters[0];
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.sub_len - self.sub_frames).min(rest.len());
            let (now, later) = rest.split_at(take);
            let mut sum = 0.0;
            let mut tiny = ANTI_SUBNORMAL;
            for x in now {
                let y = s2.run(s1.run(value(x) + tiny));
                tiny = -tiny;
                sum += y * y;
            }
            self.sub_sum += sum;
            self.sub_frames += take;
            if self.sub_frames == self.sub_len {
                self.end_sub_block();
            }
            rest = later;
        }
        self.filters[0] = [s1, s2];
    }

    fn end_sub_block(&mut self) {
        self.recent.rotate_left(1);
        self.recent[3] = self.sub_sum;
        self.sub_sum = 0.0;
        self.sub_frames = 0;
        self.subs_seen += 1;
        if self.subs_seen >= 4 {
            let energy = self.recent.iter().sum::<f64>() / (4 * self.sub_len) as f64;
            self.blocks.push(energy);
        }
    }

    /// The integrated loudness in LUFS, or `None` when no block passes the gates (silence, or
    /// less than 400 ms of audio).
    pub(crate) fn integrated(&self) -> Option<f64> {
        let lufs = |energy: f64| -0.691 + 10.0 * energy.log10();
        let absolute: Vec<f64> = self
            .blocks
            .iter()
            .copied()
            .filter(|&e| e > 0.0 && lufs(e) > -70.0)
            .collect();
        if absolute.is_empty() {
            return None;
        }
        let relative_gate = lufs(absolute.iter().sum::<f64>() / absolute.len() as f64) - 10.0;
        let gated: Vec<f64> = absolute
            .into_iter()
            .filter(|&e| lufs(e) > relative_gate)
            .collect();
        if gated.is_empty() {
            return None;
        }
        Some(lufs(gated.iter().sum::<f64>() / gated.len() as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebur128::{EbuR128, Mode};

    /// Our meter and the ebur128 crate on the same interleaved samples.
    fn both(samples: &[f32], channels: usize, rate: u32) -> (Option<f64>, Option<f64>) {
        let mut ours = Meter::new(channels, rate);
        let mut theirs = EbuR128::new(channels as u32, rate, Mode::I).unwrap();
        for block in samples.chunks(4096 * channels) {
            ours.push(block);
            theirs.add_frames_f32(block).unwrap();
        }
        let theirs = theirs.loudness_global().ok().filter(|l| l.is_finite());
        (ours.integrated(), theirs)
    }

    fn tone(freq: f64, amp: f64, secs: f64, rate: u32) -> Vec<f32> {
        (0..(secs * f64::from(rate)) as usize)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    #[test]
    fn matches_the_ebur128_crate() {
        let mut rng = fastrand::Rng::with_seed(7);
        let noise: Vec<f32> = (0..48_000 * 3).map(|_| (rng.f32() - 0.5) * 0.4).collect();
        let mut gated = tone(440.0, 0.5, 2.0, 16_000);
        gated.extend(tone(440.0, 0.01, 3.0, 16_000)); // quiet part below the relative gate
        gated.extend(tone(1000.0, 0.3, 2.0, 16_000));
        let stereo: Vec<f32> = tone(997.0, 0.25, 2.0, 44_100)
            .iter()
            .flat_map(|&x| [x, x * 0.5])
            .collect();
        let cases: Vec<(&str, Vec<f32>, usize, u32)> = vec![
            ("440 Hz 16 kHz", tone(440.0, 0.5, 3.0, 16_000), 1, 16_000),
            ("1 kHz 48 kHz", tone(1000.0, 0.1, 3.0, 48_000), 1, 48_000),
            (
                "6 kHz tone at 16 kHz",
                tone(6000.0, 0.2, 2.0, 16_000),
                1,
                16_000,
            ),
            ("noise 48 kHz", noise, 1, 48_000),
            ("gated", gated, 1, 16_000),
            ("stereo 44.1 kHz", stereo, 2, 44_100),
        ];
        for (name, samples, ch, rate) in cases {
            let (ours, theirs) = both(&samples, ch, rate);
            let (o, t) = (ours.unwrap(), theirs.unwrap());
            assert!(
                (o - t).abs() < 0.05,
                "{name}: ours {o:.3} LUFS, ebur128 {t:.3} LUFS"
            );
        }
    }

    #[test]
    fn silence_and_short_clips_have_no_loudness() {
        assert_eq!(both(&vec![0.0; 32_000], 1, 16_000), (None, None));
        let short = tone(440.0, 0.5, 0.3, 16_000);
        assert_eq!(both(&short, 1, 16_000), (None, None));
    }
}
