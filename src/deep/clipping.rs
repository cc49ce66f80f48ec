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
/// Every loud chunk is measured until this many crests near the peak have been, and so is every
/// chunk that raises the peak; the others are sampled, one in [`STRIDE`] by their place in the
/// stream, and their counts are scaled to all of them.
const WARM_UP: u64 = 256;
/// See [`WARM_UP`].
const STRIDE: u64 = 16;
/// At least this many flat half-cycles near the peak are needed, and at least [`FLAT_TOPS`]
/// of the half-cycles near the peak must be flat.
const MIN_FLAT: u64 = 8;
/// ... and together they must last at least this share of the prompt (10 ms in 10 s): a few
/// crests flattened by a fast compressor are not a clipped prompt.
const MIN_SHARE: f64 = 0.001;
/// See [`MIN_FLAT`].
const FLAT_TOPS: f64 = 0.05;

/// Crests counted in a bin.
#[derive(Clone, Copy, Default)]
struct Count {
    halves: u64,
    flat: u64,
    flat_samples: u64,
    /// The crests of the flat half-cycles, summed (linear).
    flat_crests: f64,
}

#[derive(Clone, Copy, Default)]
struct Bin {
    /// From chunks that were all measured.
    exact: Count,
    /// From the sampled chunks, one in [`STRIDE`] of those eligible.
    sampled: Count,
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
    /// The start of a chunk split between blocks, as floats, and its first frame.
    stage: Vec<f32>,
    stage_frame: u64,
    /// This channel's crests, by level.
    bins: Box<[Bin; BINS]>,
    /// Chunks eligible for sampling, their samples, and the samples of those sampled.
    eligible: u64,
    loud: u64,
    measured: u64,
}

/// A sample the detector reads: its sign and its magnitude in [0, 1].
pub(crate) trait Sample: Copy {
    /// At or above zero.
    fn positive(self) -> bool;
    /// The magnitude, full scale being 1.
    fn magnitude(self) -> f32;
    /// The sample as a float, full scale being 1.
    fn to_f32(self) -> f32;
    /// The largest magnitude in a block.
    fn block_max(block: &[Self]) -> f32;
    /// How many samples of a block have a magnitude of at least `band`.
    fn count_at_least(block: &[Self], band: f32) -> u32 {
        block.iter().filter(|x| x.magnitude() >= band).count() as u32
    }
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
    #[inline]
    fn to_f32(self) -> f32 {
        f32::from(self) / 32768.0
    }
    fn block_max(block: &[Self]) -> f32 {
        let max = block.iter().fold(0i32, |m, &x| m.max(i32::from(x).abs()));
        max as f32 / 32768.0
    }
    fn count_at_least(block: &[Self], band: f32) -> u32 {
        // In integers, which the compiler vectorizes: |x| / 32768 >= band.
        let scaled = band * 32768.0;
        let floor = scaled as i32;
        let band = if (floor as f32) < scaled {
            floor + 1
        } else {
            floor
        };
        block
            .iter()
            .map(|&x| u32::from(i32::from(x).abs() >= band))
            .sum()
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
    #[inline]
    fn to_f32(self) -> f32 {
        self
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
    /// The clip level, dBFS (the mean crest of the flat half-cycles).
    pub(crate) level_db: f64,
    /// Samples pushed, every channel.
    pub(crate) of: u64,
}

/// Measured half-cycles, binned by crest level.
struct Tally {
    /// The lower edge of each bin, as a magnitude, loudest first.
    edges: Box<[f32; BINS]>,
    peak: f32,
    /// Crests below this (the peak less [`TOP_DB`]) are not measured.
    floor: f32,
    /// [`TOP_DB`] and [`BAND_DB`] as gains.
    top_gain: f32,
    band_gain: f32,
    /// Samples pushed, every channel.
    pushed: u64,
    /// The bin of the last crest measured.
    last_bin: usize,
    /// Crests measured within [`TOP_DB`] of the peak (at the time).
    tops: u64,
    /// The chunk being measured is one of a sample: its crests go to [`Bin::sampled`].
    sampling: bool,
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
    fn end<T: Sample>(
        &mut self,
        bins: &mut [Bin; BINS],
        start: u64,
        carried: &[f32],
        overflow: bool,
        rest: &[T],
    ) {
        let n = carried.len() + rest.len();
        if !(MIN_HALF..=MAX_HALF).contains(&n) || overflow {
            return;
        }
        let max = carried
            .iter()
            .fold(T::block_max(rest), |m, &a| if a > m { a } else { m });
        if max <= 0.0 {
            return;
        }
        if max > self.peak {
            self.peak = max;
            self.floor = max * self.top_gain;
        }
        if max < self.floor {
            return;
        }
        // A steady signal's crests fall in the same bin as the last one's.
        let last = self.last_bin;
        let index = if max
            <= self
                .edges
                .get(last.wrapping_sub(1))
                .copied()
                .unwrap_or(f32::MAX)
            && self.edges.get(last).is_some_and(|&edge| max > edge)
        {
            last
        } else {
            self.edges.partition_point(|&edge| edge >= max)
        };
        self.last_bin = index;
        let Some(bin) = bins.get_mut(index) else {
            return;
        };
        let counts = if self.sampling {
            &mut bin.sampled
        } else {
            &mut bin.exact
        };
        counts.halves += 1;
        self.tops += 1;
        let band = max * self.band_gain;
        let count =
            carried.iter().filter(|&&a| a >= band).count() as u32 + T::count_at_least(rest, band);
        if (count as f32) < FLAT_SHARE * n as f32 {
            return;
        }
        // Rare (clean crests are rounded): the longest run at the crest.
        let (mut run, mut longest) = (0u32, 0u32);
        for a in carried
            .iter()
            .copied()
            .chain(rest.iter().map(|x| x.magnitude()))
        {
            run = if a >= band { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        if longest >= 3 {
            counts.flat += 1;
            counts.flat_samples += u64::from(count);
            counts.flat_crests += f64::from(max);
            bin.longest = bin.longest.max(longest);
            bin.first.get_or_insert(start);
        }
    }
}

impl Channel {
    /// One block of this channel's samples, the first at `frame`, read in chunks that start
    /// at multiples of [`CHUNK`] whatever the blocks are (a chunk split between blocks is
    /// staged), so the result does not depend on how the samples were blocked.
    fn push<T: Sample>(&mut self, tally: &mut Tally, mut samples: &[T], mut frame: u64) {
        if !self.stage.is_empty() {
            let take = (CHUNK - self.stage.len()).min(samples.len());
            self.stage
                .extend(samples[..take].iter().map(|x| x.to_f32()));
            samples = &samples[take..];
            frame += take as u64;
            if self.stage.len() == CHUNK {
                self.flush_stage(tally);
            }
        }
        let whole = samples.len() - samples.len() % CHUNK;
        for (k, chunk) in samples[..whole].chunks_exact(CHUNK).enumerate() {
            self.push_chunk(tally, chunk, frame + (k * CHUNK) as u64);
        }
        if whole < samples.len() {
            self.stage_frame = frame + whole as u64;
            self.stage
                .extend(samples[whole..].iter().map(|x| x.to_f32()));
        }
    }

    /// The staged chunk, complete or (at the end) not.
    fn flush_stage(&mut self, tally: &mut Tally) {
        let stage = std::mem::take(&mut self.stage);
        self.push_chunk(tally, &stage, self.stage_frame);
        self.stage = stage;
        self.stage.clear();
    }

    /// One chunk: measured, or (when far below the peak, or not among the loud chunks
    /// sampled) only followed across.
    fn push_chunk<T: Sample>(&mut self, tally: &mut Tally, chunk: &[T], at: u64) {
        let max = T::block_max(chunk);
        if max < tally.floor {
            self.follow(tally, chunk, at, true);
            return;
        }
        if tally.tops < WARM_UP || max > tally.peak {
            // Until the level is known, and wherever it rises, every chunk is measured.
            tally.sampling = false;
            self.push_measured(tally, chunk, at);
            return;
        }
        let len = chunk.len() as u64;
        self.loud += len;
        self.eligible += 1;
        if self.eligible % STRIDE == 1 {
            self.measured += len;
            tally.sampling = true;
            self.push_measured(tally, chunk, at);
            tally.sampling = false;
        } else {
            // One eligible chunk in STRIDE, the first of each STRIDE, counted per channel. The half-cycles that end in a chunk not sampled
            // are not counted, so the scaled counts stay unbiased.
            self.follow(tally, chunk, at, false);
        }
    }

    /// Every half-cycle that ends in the chunk is measured; the scan for sign changes is the
    /// only per-sample work, and a half-cycle is read again only when it ends.
    fn push_measured<T: Sample>(&mut self, tally: &mut Tally, samples: &[T], frame: u64) {
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

    /// A chunk that is not measured: only the half-cycle that ends first in it (counted when
    /// `count`, as it may have begun louder, in an earlier chunk) and the last one (which goes
    /// on) are followed. Used for a chunk whose samples are all too far below the peak to be a
    /// candidate, where the half-cycles that start and end in it would not be counted anyway.
    fn follow<T: Sample>(&mut self, tally: &mut Tally, samples: &[T], frame: u64, count: bool) {
        let Some(first) = samples.iter().position(|x| x.positive() != self.positive) else {
            self.carry(samples);
            return;
        };
        if count {
            self.end(tally, &samples[..first], frame + first as u64);
        } else {
            self.skip(frame + first as u64);
        }
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
        tally.end(&mut self.bins, self.start, &self.carry, self.overflow, rest);
        self.skip(next);
    }

    /// Ends the half-cycle in progress without counting it; the next one starts at `next`.
    fn skip(&mut self, next: u64) {
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
                    stage: Vec::with_capacity(CHUNK),
                    stage_frame: 0,
                    bins: Box::new([Bin::default(); BINS]),
                    eligible: 0,
                    loud: 0,
                    measured: 0,
                })
                .collect(),
            tally: Tally {
                edges: Box::new(std::array::from_fn(|i| db_gain(-BIN_DB * (i + 1) as f32))),
                peak: 0.0,
                floor: 0.0,
                top_gain: db_gain(-TOP_DB),
                band_gain: db_gain(-BAND_DB),
                last_bin: 0,
                pushed: 0,
                tops: 0,
                sampling: false,
            },
            scratch: Vec::new(),
        }
    }

    /// Mono samples, the first at `frame`.
    pub(crate) fn push_mono<T: Sample>(&mut self, samples: &[T], frame: u64) {
        self.tally.pushed += samples.len() as u64;
        self.channels[0].push(&mut self.tally, samples, frame);
    }

    /// Interleaved frames of every channel, the first at `frame`.
    pub(crate) fn push_interleaved(&mut self, samples: &[f32], frame: u64) {
        self.tally.pushed += samples.len() as u64;
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
        (found.flat >= MIN_FLAT
            && found.flat as f64 >= FLAT_TOPS * found.tops as f64
            && found.samples as f64 >= MIN_SHARE * found.of as f64)
            .then_some(found)
    }

    /// The flat half-cycles near the peak, clipped or not.
    fn measure(mut self) -> Option<Clipped> {
        for channel in &mut self.channels {
            channel.flush_stage(&mut self.tally);
            channel.end::<f32>(&mut self.tally, &[], 0);
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
            of: self.tally.pushed,
        };
        let mut level = 0.0;
        for channel in &self.channels {
            // Sampled counts stand for all the channel's chunks eligible for sampling.
            let scale = channel.loud as f64 / channel.measured.max(1) as f64;
            let scaled = |exact: u64, sampled: u64| exact + (sampled as f64 * scale).round() as u64;
            for bin in channel.bins.iter().take(last + 1).skip(top) {
                let (e, s) = (&bin.exact, &bin.sampled);
                let flat = scaled(e.flat, s.flat);
                found.tops += scaled(e.halves, s.halves);
                found.flat += flat;
                found.samples += scaled(e.flat_samples, s.flat_samples);
                found.longest = found.longest.max(bin.longest);
                if let Some(f) = bin.first {
                    found.first = found.first.min(f);
                }
                level += e.flat_crests + s.flat_crests * scale;
            }
        }
        found.level_db = if found.flat > 0 && level > 0.0 {
            20.0 * (level / found.flat as f64).log10()
        } else {
            0.0
        };
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

    /// A clipped channel among seven clean ones is counted as it is alone: the sampling is
    /// per channel.
    #[test]
    fn one_clipped_channel_of_eight_is_counted_as_alone() {
        let n = 32_000;
        let tone = |c: usize, i: usize| {
            let t = i as f32 / 16_000.0;
            if c == 5 {
                (2.0 * (2.0 * std::f32::consts::PI * 250.0 * t).sin()).clamp(-1.0, 1.0)
            } else {
                0.3 * (2.0 * std::f32::consts::PI * (200.0 + 100.0 * c as f32) * t).sin()
            }
        };
        let frames: Vec<f32> = (0..n)
            .flat_map(|i| (0..8).map(move |c| tone(c, i)))
            .collect();
        let mut eight = Clipping::new(8);
        for (k, block) in frames.chunks(32_768).enumerate() {
            eight.push_interleaved(block, (k * 4096) as u64);
        }
        let eight = eight.measure().expect("measured");
        let mono: Vec<f32> = (0..n).map(|i| tone(5, i)).collect();
        let mut one = Clipping::new(1);
        one.push_mono(&mono, 0);
        let one = one.measure().expect("measured");
        assert_eq!((one.flat, one.first), (1000, 0));
        assert_eq!(
            (eight.flat, eight.tops, eight.first),
            (one.flat, one.tops, one.first)
        );
    }
}
