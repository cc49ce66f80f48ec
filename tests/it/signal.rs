//! Test signals with known answers and their measurement: shared by the tests and the `fix`
//! benchmark (which includes this file by path).

#![allow(dead_code)]

use std::f64::consts::PI;
use std::io::Cursor;

/// A sine of `freq` Hz at `dbfs` peak, as 24-bit (or 16-bit) integer PCM, every channel equal.
pub fn sine_wav(rate: u32, channels: u16, bits: u16, secs: f64, freq: f64, dbfs: f64) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let amp = 10f64.powf(dbfs / 20.0) * f64::from((1u32 << (bits - 1)) - 1);
    let mut buf = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
    for i in 0..(secs * f64::from(rate)) as usize {
        let v = (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()).round() as i32;
        for _ in 0..channels {
            w.write_sample(v).unwrap();
        }
    }
    w.finalize().unwrap();
    buf.into_inner()
}

/// (RMS level in dBFS, SNR in dB) of a sine of known frequency: the sine is fitted by least
/// squares and the residual counted as noise. The first and last 10 ms are left out.
pub fn sine_fit(samples: &[i16], rate: f64, freq: f64) -> (f64, f64) {
    let skip = (rate / 100.0) as usize;
    let x: Vec<f64> = samples[skip..samples.len() - skip]
        .iter()
        .map(|&s| f64::from(s) / 32768.0)
        .collect();
    let (mut ss, mut sc, mut cc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &y) in x.iter().enumerate() {
        let t = 2.0 * PI * freq * (i + skip) as f64 / rate;
        let (s, c) = t.sin_cos();
        ss += s * s;
        sc += s * c;
        cc += c * c;
        ys += y * s;
        yc += y * c;
    }
    let det = ss * cc - sc * sc;
    let a = (ys * cc - yc * sc) / det;
    let b = (yc * ss - ys * sc) / det;
    let mut signal = 0.0;
    let mut noise = 0.0;
    let mut total = 0.0;
    for (i, &y) in x.iter().enumerate() {
        let t = 2.0 * PI * freq * (i + skip) as f64 / rate;
        let fit = a * t.sin() + b * t.cos();
        signal += fit * fit;
        noise += (y - fit) * (y - fit);
        total += y * y;
    }
    let rms_db = 10.0 * (total / x.len() as f64).log10();
    (rms_db, 10.0 * (signal / noise).log10())
}
