//! `fix --loudness` against ffmpeg-normalize, in the same run.
//!
//! `cargo bench --bench cures`:
//!
//! 100 ten-second speech-like prompts (low-passed noise in syllables with a 150 Hz voice, pauses,
//! every third one with sharp pops whose crests go over the ceiling after the gain; a quarter of
//! them 44.1 kHz stereo, the rest 16 kHz mono; integrated loudness spread from -36 to -14 LUFS)
//! are brought to -16 LUFS with a -1 dBTP ceiling:
//!
//! - `acs-preflight fix --loudness -16 --true-peak-db -1 --out DIR` (one job per core);
//! - `ffmpeg-normalize FILES -nt ebu -t -16 -tp -1 -ar 16000 -c:a pcm_s16le -ext wav -of DIR`
//!   (two passes of ffmpeg's `loudnorm` per file).
//!
//! Each output is measured by the `ebur128` crate (the reference the tests hold `--deep`'s
//! meter to): the loudness error against -16 LUFS and the true peak. Time is the median of
//! `BENCH_RUNS` (default 3) rounds, the tools taking turns.
//!
//! ffmpeg-normalize is looked for in `$FFMPEG_NORMALIZE`, then
//! `target/ffnorm-venv/bin/ffmpeg-normalize` (`python3 -m venv target/ffnorm-venv &&
//! target/ffnorm-venv/bin/pip install ffmpeg-normalize`), then `PATH`; it needs ffmpeg
//! (`apt-get install ffmpeg`). Without it, only acs-preflight is measured.

#![allow(clippy::unwrap_used)]

mod common;
use common::median;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const TARGET: f64 = -16.0;

/// Speech-like sound, as in the tests (tests/it/cures.rs).
fn speech(secs: f64, rate: u32, seed: u64, pops: bool) -> Vec<f64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let n = (secs * f64::from(rate)) as usize;
    let syl = rate as usize / 5;
    let (mut lp1, mut lp2) = (0.0, 0.0);
    (0..n)
        .map(|i| {
            let k = i % (syl + syl / 2);
            let pause = (i / rate as usize) % 3 == 2 && i % rate as usize > rate as usize / 2;
            let env = if k < syl && !pause {
                (std::f64::consts::PI * k as f64 / syl as f64).sin()
            } else {
                0.0
            };
            lp1 = 0.8 * lp1 + 0.2 * (rng.f64() * 2.0 - 1.0);
            lp2 = 0.7 * lp2 + 0.3 * lp1;
            let voice =
                0.5 * (2.0 * std::f64::consts::PI * 150.0 * i as f64 / f64::from(rate)).sin();
            let mut x = env * (lp2 * 2.0 + voice * 0.3);
            let pop = rate as usize * 3 / 1000;
            let k = i % (rate as usize * 7 / 10);
            if pops && k < pop {
                x += 3.0 * (std::f64::consts::PI * k as f64 / pop as f64).sin();
            }
            x
        })
        .collect()
}

fn lufs_tp(x: &[f32], channels: u32, rate: u32) -> (f64, f64) {
    let mut m =
        ebur128::EbuR128::new(channels, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    m.add_frames_f32(x).unwrap();
    let tp = (0..channels)
        .map(|c| m.true_peak(c).unwrap())
        .fold(0.0, f64::max);
    (m.loudness_global().unwrap(), 20.0 * tp.log10())
}

fn write_prompt(path: &Path, i: usize) {
    let (rate, channels) = if i % 4 == 0 { (44_100, 2) } else { (16_000, 1) };
    let mono = speech(10.0, rate, 1000 + i as u64, i % 3 == 0);
    let target = -36.0 + 22.0 * (i as f64 / 99.0);
    let f: Vec<f32> = mono
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v as f32, channels as usize))
        .collect();
    let (l, _) = lufs_tp(&f, u32::from(channels), rate);
    let g = 10f64.powf((target - l) / 20.0);
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in &f {
        let s = (f64::from(v) * g * 32768.0)
            .round()
            .clamp(-32768.0, 32767.0);
        w.write_sample(s as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Loudness errors and true peaks of every WAV in `dir`.
fn measure(dir: &Path) -> (Vec<f64>, Vec<f64>) {
    let mut errors = Vec::new();
    let mut peaks = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let mut r = hound::WavReader::open(&p).unwrap();
        let spec = r.spec();
        let x: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Int => r
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / (1u32 << (spec.bits_per_sample - 1)) as f32)
                .collect(),
            hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
        };
        let (l, tp) = lufs_tp(&x, u32::from(spec.channels), spec.sample_rate);
        errors.push(l - TARGET);
        peaks.push(tp);
    }
    (errors, peaks)
}

fn ffmpeg_normalize() -> Option<PathBuf> {
    let venv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ffnorm-venv/bin/ffmpeg-normalize");
    let candidates = std::env::var_os("FFMPEG_NORMALIZE")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv, PathBuf::from("ffmpeg-normalize")]);
    for c in candidates {
        let ok = Command::new(&c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(c);
        }
    }
    None
}

fn summary(name: &str, time: f64, errors: &[f64], peaks: &[f64]) -> String {
    let n = errors.len() as f64;
    let mean_abs = errors.iter().map(|e| e.abs()).sum::<f64>() / n;
    let worst = errors.iter().fold(0.0f64, |m, e| m.max(e.abs()));
    let within = errors.iter().filter(|e| e.abs() <= 0.5).count();
    let top = peaks.iter().fold(f64::NEG_INFINITY, |m, &p| m.max(p));
    let over = peaks.iter().filter(|&&p| p > -1.0).count();
    format!(
        "| {name} | {time:.2} s | {mean_abs:.2} LU | {worst:.2} LU | {within}/{} | {top:+.2} dBTP | {over} |",
        errors.len()
    )
}

fn main() {
    let runs = common::env_count("BENCH_RUNS", 3);
    let exe = env!("CARGO_BIN_EXE_acs-preflight");
    let mut out = std::io::stdout().lock();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for i in 0..100 {
        write_prompt(&src.join(format!("prompt-{i:03}.wav")), i);
    }
    let files: Vec<PathBuf> = (0..100)
        .map(|i| src.join(format!("prompt-{i:03}.wav")))
        .collect();
    let theirs_exe = ffmpeg_normalize();
    let (ours_dir, theirs_dir) = (dir.path().join("ours"), dir.path().join("theirs"));
    let (mut t_ours, mut t_theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&ours_dir);
        let t = Instant::now();
        let ok = Command::new(exe)
            .args(["fix", "--loudness", "-16", "--true-peak-db", "-1", "--out"])
            .arg(&ours_dir)
            .arg(&src)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        t_ours.push(t.elapsed());
        if let Some(theirs) = &theirs_exe {
            let _ = std::fs::remove_dir_all(&theirs_dir);
            let t = Instant::now();
            let ok = Command::new(theirs)
                .args(&files)
                .args(["-nt", "ebu", "-t", "-16", "-tp", "-1", "-ar", "16000"])
                .args(["-c:a", "pcm_s16le", "-ext", "wav", "-f", "-q", "-of"])
                .arg(&theirs_dir)
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok);
            t_theirs.push(t.elapsed());
        }
    }
    writeln!(
        out,
        "100 ten-second speech-like prompts (-36 to -14 LUFS, a quarter 44.1 kHz stereo, a third \
         with pops) to -16 LUFS, -1 dBTP; measured by the ebur128 crate; median of {runs}"
    )
    .unwrap();
    writeln!(
        out,
        "| tool | time | mean loudness error | worst | within 0.5 LU | highest true peak | over -1 dBTP |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|").unwrap();
    let (e, p) = measure(&ours_dir);
    let ours = median(t_ours).as_secs_f64();
    writeln!(
        out,
        "{}",
        summary(
            "`acs-preflight fix --loudness -16 --true-peak-db -1`",
            ours,
            &e,
            &p
        )
    )
    .unwrap();
    if theirs_exe.is_some() {
        let (e, p) = measure(&theirs_dir);
        let theirs = median(t_theirs).as_secs_f64();
        writeln!(
            out,
            "{}",
            summary(
                "`ffmpeg-normalize -nt ebu -t -16 -tp -1 -ar 16000`",
                theirs,
                &e,
                &p
            )
        )
        .unwrap();
        writeln!(
            out,
            "acs-preflight / ffmpeg-normalize time = {:.2}",
            ours / theirs
        )
        .unwrap();
    } else {
        writeln!(
            out,
            "ffmpeg-normalize not found (see the bench's doc comment): nothing to compare with"
        )
        .unwrap();
    }
}
