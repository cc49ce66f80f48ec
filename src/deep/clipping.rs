//! Clipping as a listener hears it: crests that were flattened, whatever happened afterwards
//! (resampling, dither, a level change, lossy coding).
//!
//! Exact sample values do not survive those steps: resampling turns a flat top into ripple a
//! few tenths of a dB deep, a level change moves it below full scale. The shape does survive:
//! a flattened half-cycle spends most of its time near its own maximum, while a band-limited
//! crest is rounded. Between two zero crossings a sine spends 30% of the time within 1 dB of its
//! crest (`acos(0.891) / (pi / 2)`); a sine driven 3 dB into clipping spends 57%, 6 dB 71%.
//!
//! One pass, reading the samples in place: only a half-cycle that spans two blocks is copied
//! (into a fixed buffer). At its end a half-cycle is measured only when its crest is within
//! [`TOP_DB`] of the loudest crest so far, and a chunk whose loudest sample is below that is
//! only scanned for its first and last sign change. Results go into bins by crest level, so that at the end only
//! the half-cycles near the file's peak, where a clip level would be, are counted.

/// A half-cycle is "flat" when at least this share of it lies within [`BAND_DB`] of its crest.
const FLAT_SHARE: f32 = 0.45;
/// The band under a crest that counts as "at the crest".
const BAND_DB: f32 = 1.0;
/// Half-cycles whose crest is within this of the peak are candidates for a clip level.
pub(crate) const TOP_DB: f32 = 1.5;
/// Crest-level bins, this wide.
const BIN_DB: f32 = 0.25;
/// Bins down to 40 dB below full scale; quieter crests are not measured.
const BINS: usize = 160;
/// Shorter half-cycles carry too few samples to tell a flat top from a rounded one.
const MIN_HALF: usize = 6;
/// Longer half-cycles (below 8 Hz at 16 kHz) are not measured; the buffer does not grow.
const MAX_HALF: usize = 2048;
/// Samples are looked at in chunks this long; a chunk whose loudest sample is far below the
/// peak is only scanned for its first and last sign change.
const CHUNK: usize = 1024;
/// At least this many flat half-cycles near the peak are needed, and at least [`FLAT_TOPS`]
/// of the half-cycles near the peak must be flat.
const MIN_FLAT: u64 = 3;
/// See [`MIN_FLAT`].
const FLAT_TOPS: f64 = 0.05;

#[derive(Clone, Copy, Default)]
struct Bin {
    halves: u64,
    flat: u64,
    flat_samples: u64,
    longest: u32,
    first: Option<u64>,
}

/// One channel's half-cycle in progress: the part that began in earlier blocks is carried as
/// magnitudes; the part in the current block is read in place.
struct Channel {
    carry: Vec<f32>,
    /// The carried part did not fit: the half-cycle is too long to be measured.
    overflow: bool,
    /// The frame where the half-cycle starts.
    start: u64,
    positive: bool,
}

/// A sample the detector reads: its sign and its magnitude in [0, 1].
pub(crate) trait Sample: Copy {
    /// At or above zero.
    fn positive(self) -> bool;
    /// The magnitude, full scale being 1.
    fn magnitude(self) -> f32;
    /// The largest magnitude in a block.
    fn block_max(block: &[Self]) -> f32;
}

impl Sample for i16 {
    #[inline]
    fn positive(self) -> bool {
        self >= 0
    }
    #[inline]
    fn magnitude(self) -> f32 {
        f32::from(self).abs() / 32768.0
    }
    fn block_max(block: &[Self]) -> f32 {
        let max = block.iter().fold(0i32, |m, &x| m.max(i32::from(x).abs()));
        max as f32 / 32768.0
    }
}

impl Sample for f32 {
    #[inline]
    fn positive(self) -> bool {
        self >= 0.0
    }
    #[inline]
    fn magnitude(self) -> f32 {
        self.abs()
    }
    fn block_max(block: &[Self]) -> f32 {
        block
            .iter()
            .fold(0.0f32, |m, &x| if x.abs() > m { x.abs() } else { m })
    }
}

/// What [`Clipping::finish`] found.
pub(crate) struct Clipped {
    /// Flat half-cycles near the peak.
    pub(crate) flat: u64,
    /// Half-cycles near the peak.
    pub(crate) tops: u64,
    /// Samples within the band of their crest in flat half-cycles.
    pub(crate) samples: u64,
    /// The longest run of such samples, in frames.
    pub(crate) longest: u32,
    /// The frame where the first flat half-cycle starts.
    pub(crate) first: u64,
    /// The clip level, dBFS (the crest level of the flat half-cycles).
    pub(crate) level_db: f64,
}

/// Measured half-cycles, binned by crest level.
struct Tally {
    bins: Box<[Bin; BINS]>,
    peak: f32,
}

/// The running detector, one state per channel.
pub(crate) struct Clipping {
    channels: Vec<Channel>,
    tally: Tally,
    /// One channel of an interleaved block.
    scratch: Vec<f32>,
}

impl Tally {
    /// A half-cycle ended: `carried` from earlier blocks, then `rest` from the current one.
    fn end<T: Sample>(&mut self, start: u64, carried: &[f32], overflow: bool, rest: &[T]) {
        let n = carried.len() + rest.len();
        if !(MIN_HALF..=MAX_HALF).contains(&n) || overflow {
            return;
        }
        let max = rest
            .iter()
            .map(|x| x.magnitude())
            .fold(carried.iter().fold(0.0f32, |m, &a| m.max(a)), f32::max);
        if max <= 0.0 {
            return;
        }
        self.peak = self.peak.max(max);
        if max < self.peak * db_gain(-TOP_DB) {
            return;
        }
        let index = (-20.0 * max.log10() / BIN_DB).max(0.0) as usize;
        let Some(bin) = self.bins.get_mut(index) else {
            return;
        };
        let band = max * db_gain(-BAND_DB);
        let (mut count, mut run, mut longest) = (0u32, 0u32, 0u32);
        for a in carried
            .iter()
            .copied()
            .chain(rest.iter().map(|x| x.magnitude()))
        {
            if a >= band {
                count += 1;
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        bin.halves += 1;
        if count as f32 >= FLAT_SHARE * n as f32 && longest >= 3 {
            bin.flat += 1;
            bin.flat_samples += u64::from(count);
            bin.longest = bin.longest.max(longest);
            bin.first.get_or_insert(start);
        }
    }
}

impl Channel {
    /// One block of this channel's samples, the first at `frame`, read in chunks.
    fn push<T: Sample>(&mut self, tally: &mut Tally, samples: &[T], frame: u64) {
        for (k, chunk) in samples.chunks(CHUNK).enumerate() {
            let at = frame + (k * CHUNK) as u64;
            if T::block_max(chunk) < tally.peak * db_gain(-TOP_DB) {
                self.push_quiet(tally, chunk, at);
            } else {
                self.push_chunk(tally, chunk, at);
            }
        }
    }

    /// Every half-cycle that ends in the chunk is measured; the scan for sign changes is the
    /// only per-sample work, and a half-cycle is read again only when it ends.
    fn push_chunk<T: Sample>(&mut self, tally: &mut Tally, samples: &[T], frame: u64) {
        let mut from = 0;
        while let Some(offset) = samples[from..]
            .iter()
            .position(|x| x.positive() != self.positive)
        {
            let at = from + offset;
            self.end(tally, &samples[from..at], frame + at as u64);
            from = at;
        }
        self.carry(&samples[from..]);
    }

    /// A chunk whose samples are all too far below the peak to be a candidate: the half-cycles
    /// that start and end in it would not be counted, so only the first (which may have begun
    /// louder, in an earlier chunk) and the last (which goes on) are followed.
    fn push_quiet<T: Sample>(&mut self, tally: &mut Tally, samples: &[T], frame: u64) {
        let Some(first) = samples.iter().position(|x| x.positive() != self.positive) else {
            self.carry(samples);
            return;
        };
        self.end(tally, &samples[..first], frame + first as u64);
        let Some(&last) = samples.last() else {
            return;
        };
        let positive = last.positive();
        let start = samples
            .iter()
            .rposition(|x| x.positive() != positive)
            .map_or(0, |i| i + 1)
            .max(first);
        self.start = frame + start as u64;
        self.positive = positive;
        self.carry(&samples[start..]);
    }

    /// Ends the half-cycle in progress with `rest`; the next one starts at `next`.
    fn end<T: Sample>(&mut self, tally: &mut Tally, rest: &[T], next: u64) {
        tally.end(self.start, &self.carry, self.overflow, rest);
        self.carry.clear();
        self.overflow = false;
        self.start = next;
        self.positive = !self.positive;
    }

    /// The half-cycle in progress goes on past this chunk.
    fn carry<T: Sample>(&mut self, rest: &[T]) {
        if self.carry.len() + rest.len() <= MAX_HALF {
            self.carry.extend(rest.iter().map(|x| x.magnitude()));
        } else {
            self.overflow = true;
        }
    }
}

impl Clipping {
    pub(crate) fn new(channels: usize) -> Self {
        Clipping {
            channels: (0..channels.max(1))
                .map(|_| Channel {
                    carry: Vec::with_capacity(MAX_HALF),
                    overflow: false,
                    start: 0,
                    positive: true,
                })
                .collect(),
            tally: Tally {
                bins: Box::new([Bin::default(); BINS]),
                peak: 0.0,
            },
            scratch: Vec::new(),
        }
    }

    /// Mono samples, the first at `frame`.
    pub(crate) fn push_mono<T: Sample>(&mut self, samples: &[T], frame: u64) {
        self.channels[0].push(&mut self.tally, samples, frame);
    }

    /// Interleaved frames of every channel, the first at `frame`.
    pub(crate) fn push_interleaved(&mut self, samples: &[f32], frame: u64) {
        let n = self.channels.len();
        for (c, channel) in self.channels.iter_mut().enumerate() {
            self.scratch.clear();
            self.scratch
                .extend(samples.iter().skip(c).step_by(n).copied());
            channel.push(&mut self.tally, &self.scratch, frame);
        }
    }

    /// Ends the last half-cycles and says whether, and how, the crests near the peak are flat.
    pub(crate) fn finish(self) -> Option<Clipped> {
        let found = self.measure()?;
        (found.flat >= MIN_FLAT && found.flat as f64 >= FLAT_TOPS * found.tops as f64)
            .then_some(found)
    }

    /// The flat half-cycles near the peak, clipped or not.
    fn measure(mut self) -> Option<Clipped> {
        for channel in &self.channels {
            self.tally
                .end::<f32>(channel.start, &channel.carry, channel.overflow, &[]);
        }
        let peak = self.tally.peak;
        if peak <= 0.0 {
            return None;
        }
        let top = (-20.0 * peak.log10() / BIN_DB).max(0.0) as usize;
        let last = top + (TOP_DB / BIN_DB).ceil() as usize;
        let mut found = Clipped {
            flat: 0,
            tops: 0,
            samples: 0,
            longest: 0,
            first: u64::MAX,
            level_db: 0.0,
        };
        let mut level = 0.0;
        for (i, bin) in self.tally.bins.iter().enumerate().take(last + 1).skip(top) {
            found.tops += bin.halves;
            found.flat += bin.flat;
            found.samples += bin.flat_samples;
            found.longest = found.longest.max(bin.longest);
            if let Some(f) = bin.first {
                found.first = found.first.min(f);
            }
            level += bin.flat as f64 * (i as f64 + 0.5) * f64::from(BIN_DB);
        }
        found.level_db = -level / found.flat.max(1) as f64;
        Some(found)
    }
}

fn db_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rubato::audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{Fft, FixedSync, Resampler};

    fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
        let mut r = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
            .expect("resampler");
        let input = InterleavedSlice::new(samples, 1, samples.len()).expect("input");
        let needed = r.process_all_needed_output_len(samples.len());
        let mut out = vec![0.0f32; needed];
        let (_, produced) = {
            let mut output = InterleavedSlice::new_mut(&mut out, 1, needed).expect("output");
            r.process_all_into_buffer(&input, &mut output, samples.len(), None)
                .expect("resample")
        };
        out.truncate(produced);
        out
    }

    fn gain(db: f64) -> f32 {
        10f64.powf(db / 20.0) as f32
    }

    fn sine(rate: u32, secs: f64, freq: f64, amp: f32) -> Vec<f32> {
        (0..(secs * f64::from(rate)) as usize)
            .map(|i| {
                amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32
            })
            .collect()
    }

    /// A xorshift, for noise that is the same on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        }
    }

    /// Speech-like: syllables of 150-300 ms of noise, low-passed twice (a voice's tilt), with a
    /// voiced 110-220 Hz buzz, under a raised-sine envelope, with pauses between them; peak
    /// normalized to 1.
    fn speech(rate: u32, secs: f64, seed: u64) -> Vec<f32> {
        let mut rng = Rng(seed.max(1));
        let n = (secs * f64::from(rate)) as usize;
        let mut out = vec![0.0f32; n];
        let mut at = rate as usize / 10;
        let (mut l1, mut l2) = (0.0f32, 0.0f32);
        let k = 1.0 - (-2.0 * std::f32::consts::PI * 1200.0 / rate as f32).exp();
        while at < n {
            let len = ((0.15 + 0.15 * (rng.next() + 1.0) / 2.0) * rate as f32) as usize;
            let pitch = 110.0 + 110.0 * (rng.next() + 1.0) / 2.0;
            let loud = 0.4 + 0.6 * (rng.next() + 1.0) / 2.0;
            for i in 0..len.min(n - at) {
                l1 += k * (rng.next() - l1);
                l2 += k * (l1 - l2);
                let t = i as f32 / rate as f32;
                let buzz = (2.0 * std::f32::consts::PI * pitch * t).sin()
                    + 0.5 * (4.0 * std::f32::consts::PI * pitch * t).sin();
                let env = (std::f32::consts::PI * i as f32 / len as f32).sin();
                out[at + i] = loud * env * (0.5 * buzz + 3.0 * l2);
            }
            at += len + ((0.05 + 0.1 * (rng.next() + 1.0) / 2.0) * rate as f32) as usize;
        }
        let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        out.iter().map(|x| x / peak).collect()
    }

    fn clip(x: &[f32], over_db: f64) -> Vec<f32> {
        let g = gain(over_db);
        x.iter().map(|v| (v * g).clamp(-1.0, 1.0)).collect()
    }

    /// To 16-bit and back, with the final full-scale clip a 16-bit file has.
    fn quantize(x: &[f32], db: f64) -> Vec<f32> {
        let g = gain(db);
        x.iter()
            .map(|v| f32::from((v * g * 32768.0).round().clamp(-32768.0, 32767.0) as i16) / 32768.0)
            .collect()
    }

    fn detect(x: &[f32]) -> Option<Clipped> {
        let mut c = Clipping::new(1);
        for (k, block) in x.chunks(4096).enumerate() {
            c.push_mono(block, (k * 4096) as u64);
        }
        c.finish()
    }

    /// The same signal read in blocks of any length gives the same result: half-cycles that
    /// span blocks and chunks are carried whole.
    #[test]
    fn block_boundaries_do_not_change_the_result() {
        let x = quantize(
            &resample(&clip(&speech(48_000, 3.0, 3), 9.0), 48_000, 16_000),
            -4.0,
        );
        let run = |size: usize| {
            let mut c = Clipping::new(1);
            for (k, block) in x.chunks(size).enumerate() {
                c.push_mono(block, (k * size) as u64);
            }
            let m = c.measure().expect("measured");
            (
                m.flat,
                m.tops,
                m.samples,
                m.longest,
                m.first,
                m.level_db.to_bits(),
            )
        };
        let whole = run(x.len());
        assert!(whole.0 >= MIN_FLAT, "{whole:?}");
        for size in [1, 7, 1000, 1024, 4096, 65_536] {
            assert_eq!(run(size), whole, "blocks of {size}");
        }
        let mut stereo = Clipping::new(2);
        let frames: Vec<f32> = x.iter().flat_map(|&v| [v, v * 0.5]).collect();
        stereo.push_interleaved(&frames, 0);
        let m = stereo.measure().expect("measured");
        assert_eq!((m.flat, m.first), (whole.0, whole.4));
    }

    #[test]
    fn clipped_at_a_high_rate_then_resampled_is_found() {
        for over in [3.0, 6.0, 12.0] {
            for freq in [220.0, 440.0, 1000.0] {
                let x = clip(&sine(48_000, 1.0, freq, 1.0), over);
                let y = quantize(&resample(&x, 48_000, 16_000), 0.0);
                assert!(detect(&y).is_some(), "{freq} Hz {over} dB");
            }
            let x = clip(&speech(48_000, 3.0, 7), over + 3.0);
            let y = quantize(&resample(&x, 48_000, 16_000), 0.0);
            assert!(detect(&y).is_some(), "speech +{} dB 48k->16k", over + 3.0);
            let x = clip(&speech(44_100, 3.0, 11), over + 3.0);
            let y = quantize(&resample(&x, 44_100, 16_000), 0.0);
            assert!(detect(&y).is_some(), "speech +{} dB 44.1k->16k", over + 3.0);
        }
    }

    #[test]
    fn clipped_then_lowered_is_found() {
        for lower in [-3.0, -6.0] {
            let x = clip(&sine(48_000, 1.0, 440.0, 1.0), 12.0);
            let y = quantize(&resample(&x, 48_000, 16_000), lower);
            assert!(detect(&y).is_some(), "sine +12 dB lowered {lower}");
            let x = clip(&speech(16_000, 3.0, 5), 6.0);
            let y = quantize(&x, lower);
            assert!(detect(&y).is_some(), "speech +6 dB lowered {lower}");
            let x = clip(&speech(48_000, 3.0, 9), 9.0);
            let y = quantize(&resample(&x, 48_000, 16_000), lower);
            assert!(
                detect(&y).is_some(),
                "speech +9 dB 48k->16k lowered {lower}"
            );
        }
    }

    #[test]
    fn loud_clean_audio_is_not_clipped() {
        for freq in [100.0, 220.0, 440.0, 1000.0, 3000.0] {
            let x = quantize(&sine(16_000, 1.0, freq, 1.0), -0.3);
            assert!(detect(&x).is_none(), "sine {freq} Hz -0.3 dBFS");
        }
        for seed in [1, 2, 3, 4, 5] {
            let x = quantize(&speech(16_000, 3.0, seed), -0.1);
            assert!(detect(&x).is_none(), "speech {seed} -0.1 dBFS");
            let x = quantize(&resample(&speech(48_000, 3.0, seed), 48_000, 16_000), -0.1);
            assert!(detect(&x).is_none(), "speech {seed} 48k->16k -0.1 dBFS");
        }
        let mut x = quantize(&speech(16_000, 3.0, 3), -6.0);
        x[20_000] = 1.0;
        assert!(detect(&x).is_none(), "one sample at full scale");
    }
}
