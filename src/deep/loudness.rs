//! Integrated loudness (ITU-R BS.1770-4 / EBU R128): K-weighting, 400 ms blocks every 100 ms,
//! the -70 LUFS absolute gate and the -10 LU relative gate.
//!
//! This is the `ebur128` crate's measurement, written as two cascaded biquads per channel so the
//! filter runs several times faster; the tests hold it to the crate's result within 0.05 LU.
//! (With the crate, loudness took four fifths of `--deep`'s time.) Mono, the prompt format, is
//! filtered as four segments side by side (see [`run_lanes`]). Every channel is weighted 1.0, as
//! BS.1770 does for left, right and centre.

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

/// Mono signals are filtered as this many independent segments at once: the recursive filter
/// cannot be split by sample, but four segments give the CPU four independent chains (and the
/// compiler vector registers) instead of one chain waiting on the previous sample.
const LANES: usize = 4;

/// 100 ms sub-blocks per segment while streaming (one second).
const LANE_SUBS: usize = 10;

/// The highest rate filtered in lanes: a mono meter holds up to 4.3 s of samples (13 MiB at this
/// rate), so a header claiming an absurd rate gets the one-chain filter, which holds none.
const LANE_MAX_RATE: u32 = 384_000;

/// A running loudness measurement over interleaved samples in [-1, 1].
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    channels: usize,
    /// Mono at a sane rate: filtered in lanes through `pending`.
    lanes: bool,
    /// The filter per channel: state for the one-chain path, coefficients for the lanes.
    filters: Vec<[Biquad; 2]>,
    /// Frames in 100 ms.
    sub_len: usize,
    /// Frames each segment filters before its own, from silence, to reach the state the
    /// filter has there (see [`run_lanes`]).
    warm: usize,
    /// Lanes: the last `warm` samples already measured (silence before the first), then the
    /// samples not yet measured. Empty until samples arrive.
    pending: Vec<f64>,
    /// K-weighted energy of the current 100 ms so far, and its frames (the one-chain path).
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
        let rate = rate.max(1);
        let [shelf, high_pass] = k_weighting(f64::from(rate));
        let sub_len = ((rate as usize + 5) / 10).max(1);
        // The slowest part of the filter, the 38 Hz high-pass, decays by e every 4.2 ms
        // whatever the rate: after 300 ms (71 time constants) a segment's start state is
        // within 1e-30 of the true one, far below the rounding of a double.
        let warm = 3 * sub_len;
        Meter {
            channels,
            filters: vec![[shelf, high_pass]; channels],
            sub_len,
            warm,
            lanes: channels == 1 && rate <= LANE_MAX_RATE,
            pending: Vec::new(),
            sub_sum: 0.0,
            sub_frames: 0,
            recent: [0.0; 4],
            subs_seen: 0,
            blocks: Vec::new(),
        }
    }

    /// Adds interleaved samples (whole frames).
    pub(crate) fn push(&mut self, samples: &[f32]) {
        if self.lanes {
            self.push_lanes(samples, |&x| f64::from(x));
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
                self.end_sub_block(self.sub_sum);
                self.sub_sum = 0.0;
                self.sub_frames = 0;
            }
        }
    }

    /// Adds mono 16-bit samples.
    pub(crate) fn push_i16_mono(&mut self, samples: &[i16]) {
        if self.lanes {
            self.push_lanes(samples, |&x| f64::from(x) / 32768.0);
        } else {
            let floats: Vec<f32> = samples.iter().map(|&x| f32::from(x) / 32768.0).collect();
            self.push(&floats);
        }
    }

    /// Samples wait in `pending` until four seconds can be filtered at once; it never holds
    /// more than that and the warm-up before it.
    fn push_lanes<T>(&mut self, mut samples: &[T], value: impl Fn(&T) -> f64) {
        let full = self.warm + LANES * LANE_SUBS * self.sub_len;
        if self.pending.is_empty() {
            self.pending.reserve_exact(full);
            self.pending.resize(self.warm, 0.0);
        }
        while !samples.is_empty() {
            let take = (full - self.pending.len()).min(samples.len());
            let (now, later) = samples.split_at(take);
            self.pending.extend(now.iter().map(&value));
            samples = later;
            if self.pending.len() == full {
                self.measure(LANE_SUBS, LANES * LANE_SUBS);
                self.pending.drain(..full - self.warm);
            }
        }
    }

    /// Measures the first `count` sub-blocks of `pending` (after its `warm` samples), as
    /// [`LANES`] segments of `per_lane` sub-blocks each.
    fn measure(&mut self, per_lane: usize, count: usize) {
        let energies = run_lanes(
            &self.pending,
            &self.filters[0],
            self.warm,
            self.sub_len,
            per_lane,
        );
        for &energy in energies.iter().take(count) {
            self.end_sub_block(energy);
        }
    }

    /// Measures the whole 100 ms sub-blocks still pending (a last part shorter than 100 ms
    /// belongs to no 400 ms block).
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let count = (self.pending.len() - self.warm) / self.sub_len;
        if count == 0 {
            return;
        }
        let per_lane = count.div_ceil(LANES);
        self.pending
            .resize(self.warm + LANES * per_lane * self.sub_len, 0.0);
        self.measure(per_lane, count);
        self.pending.clear();
    }

    fn end_sub_block(&mut self, energy: f64) {
        self.recent.rotate_left(1);
        self.recent[3] = energy;
        self.subs_seen += 1;
        if self.subs_seen >= 4 {
            let energy = self.recent.iter().sum::<f64>() / (4 * self.sub_len) as f64;
            self.blocks.push(energy);
        }
    }

    /// The integrated loudness in LUFS, or `None` when no block passes the gates (silence, or
    /// less than 400 ms of audio). This ends the measurement: it comes after the last samples.
    pub(crate) fn integrated(&mut self) -> Option<f64> {
        self.flush();
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

/// K-weights [`LANES`] consecutive segments of `input` at once and returns the energy of each
/// 100 ms sub-block, in signal order.
///
/// Segment `l` covers `per_lane` sub-blocks from `warm + l * per_lane * sub_len`. Each lane
/// starts from silence `warm` samples before its segment and filters them without measuring:
/// the filter forgets its start (see [`Meter::new`]), so every segment begins in the state
/// one filter running through the whole signal would have there.
fn run_lanes(
    input: &[f64],
    [shelf, high_pass]: &[Biquad; 2],
    warm: usize,
    sub_len: usize,
    per_lane: usize,
) -> Vec<f64> {
    let seg = per_lane * sub_len;
    let len = warm + seg;
    let [l0, l1, l2, l3]: [&[f64]; LANES] = std::array::from_fn(|l| &input[l * seg..l * seg + len]);
    let [b0, b1, b2] = shelf.b;
    let [a1, a2] = shelf.a;
    let [h1, h2] = high_pass.a;
    // Transposed direct form II: two state values per section and lane.
    let mut s1 = [0.0f64; LANES];
    let mut s2 = [0.0f64; LANES];
    let mut h1s = [0.0f64; LANES];
    let mut h2s = [0.0f64; LANES];
    let mut tiny = [ANTI_SUBNORMAL; LANES];
    let mut out = vec![0.0f64; LANES * per_lane];
    // Warm-up, then each sub-block.
    let spans = std::iter::once(0..warm)
        .chain((0..per_lane).map(|sub| warm + sub * sub_len..warm + (sub + 1) * sub_len));
    for (i, span) in spans.enumerate() {
        let mut sum = [0.0f64; LANES];
        for n in span {
            let x = [l0[n], l1[n], l2[n], l3[n]];
            for l in 0..LANES {
                let x = x[l] + tiny[l];
                tiny[l] = -tiny[l];
                let v = b0 * x + s1[l];
                s1[l] = b1 * x - a1 * v + s2[l];
                s2[l] = b2 * x - a2 * v;
                // The high-pass's numerator is 1, -2, 1.
                let y = v + h1s[l];
                h1s[l] = h2s[l] - 2.0 * v - h1 * y;
                h2s[l] = v - h2 * y;
                sum[l] += y * y;
            }
        }
        if i > 0 {
            for (l, &e) in sum.iter().enumerate() {
                out[l * per_lane + i - 1] = e;
            }
        }
    }
    out
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

    /// Speech-like test signal: tones and noise bursts whose level changes every 0.7 s, with
    /// silent gaps, so segment starts fall on loud, quiet and silent parts.
    fn varied(secs: f64, rate: u32) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(11);
        let n = (secs * f64::from(rate)) as usize;
        let part = (0.7 * f64::from(rate)) as usize;
        (0..n)
            .map(|i| {
                let amp = [0.5, 0.0, 0.02, 0.3, 0.0001, 0.0][(i / part) % 6];
                let t = i as f64 / f64::from(rate);
                let tone = (2.0 * std::f64::consts::PI * 220.0 * t).sin();
                (amp * (0.6 * tone + 0.4 * (rng.f64() - 0.5))) as f32
            })
            .collect()
    }

    #[test]
    fn lanes_measure_what_one_filter_measures() {
        // Lengths around the streaming group (4 s + 0.3 s) and the sub-block, two rates, and
        // blocks of one sample, an odd size and everything at once.
        for (secs, rate) in [
            (0.45, 16_000),
            (3.05, 16_000),
            (4.3, 16_000),
            (9.99, 16_000),
            (13.7, 48_000),
        ] {
            let samples = varied(secs, rate);
            let mut one = Meter::new(1, rate);
            one.lanes = false;
            one.push(&samples);
            let expected = one.integrated().unwrap();
            for block in [1, 4_097, samples.len()] {
                let mut lanes = Meter::new(1, rate);
                assert!(lanes.lanes);
                let held = lanes.warm + LANES * LANE_SUBS * lanes.sub_len;
                for part in samples.chunks(block) {
                    lanes.push(part);
                    assert!(lanes.pending.len() <= held);
                }
                let got = lanes.integrated().unwrap();
                assert!(
                    (got - expected).abs() < 1e-9,
                    "{secs} s at {rate} Hz in blocks of {block}: lanes {got} LUFS, one filter {expected} LUFS"
                );
            }
        }
    }

    #[test]
    fn sixteen_bit_samples_read_as_floats() {
        let samples: Vec<i16> = varied(6.0, 16_000)
            .iter()
            .map(|&x| (x * 32768.0) as i16)
            .collect();
        let floats: Vec<f32> = samples.iter().map(|&x| f32::from(x) / 32768.0).collect();
        let mut ints = Meter::new(1, 16_000);
        ints.push_i16_mono(&samples);
        let mut from_floats = Meter::new(1, 16_000);
        from_floats.push(&floats);
        assert_eq!(ints.integrated(), from_floats.integrated());
        assert!(ints.integrated().is_some());
    }

    #[test]
    fn an_absurd_rate_holds_no_samples() {
        let mut meter = Meter::new(1, u32::MAX);
        assert!(!meter.lanes);
        meter.push_i16_mono(&[1_000; 50_000]);
        assert!(meter.pending.is_empty());
        assert_eq!(meter.integrated(), None);
    }

    #[test]
    fn silence_and_short_clips_have_no_loudness() {
        assert_eq!(both(&vec![0.0; 32_000], 1, 16_000), (None, None));
        let short = tone(440.0, 0.5, 0.3, 16_000);
        assert_eq!(both(&short, 1, 16_000), (None, None));
    }
}
