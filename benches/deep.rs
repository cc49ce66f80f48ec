//! `check --deep` speed and memory against `sox FILE -n stats`, in the same run.
//!
//! `cargo bench --bench deep` makes 300 ten-second 16 kHz mono prompts (a tone with some silence
//! at each end) and times, median of `BENCH_RUNS` rounds (default 3, the tools taking turns):
//!
//! 1. `acs-preflight check --deep DIR` (one job per core);
//! 2. `sox FILE -n stats` on every file, two at a time (`xargs -P 2`).
//!
//! Target: acs-preflight in at most a third of sox's time. Then the peak memory of
//! `check --deep` on one 10-second and one 10-minute prompt, to show it does not grow with the
//! length (samples are streamed).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::{installed, max_rss_of, median, rss_child, run_quiet, wav_header};

/// A prompt of `secs` seconds: 0.3 s of silence, a 440 Hz tone at -12 dBFS, 0.3 s of silence.
fn prompt(secs: usize) -> Vec<u8> {
    let frames = secs * 16_000;
    let mut out = wav_header((frames * 2) as u32);
    for i in 0..frames {
        let edge = i < 4_800 || i >= frames - 4_800;
        let v = if edge {
            0
        } else {
            (8_200.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 16_000.0).sin()) as i16
        };
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn main() {
    if std::env::var_os("BENCH_RSS_CHILD").is_some() {
        return rss_child();
    }
    let runs = common::env_count("BENCH_RUNS", 3);
    let exe = env!("CARGO_BIN_EXE_acs-preflight");
    let mut out = std::io::stdout().lock();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    std::fs::create_dir_all(&set).unwrap();
    let ten = prompt(10);
    for i in 0..300 {
        std::fs::write(set.join(format!("prompt-{i:03}.wav")), &ten).unwrap();
    }
    let has_sox = installed("sox");
    let script = format!(
        "ls '{}'/*.wav | xargs -P 2 -I{{}} sox {{}} -n stats",
        set.display()
    );

    let mut t_ours = Vec::new();
    let mut t_sox = Vec::new();
    for round in 0..=runs {
        let t = Instant::now();
        assert!(run_quiet(
            Command::new(exe).args(["check", "--deep"]).arg(&set)
        ));
        let ours = t.elapsed();
        if round > 0 {
            t_ours.push(ours);
        }
        if has_sox {
            let t = Instant::now();
            assert!(run_quiet(Command::new("sh").args(["-c", &script])));
            if round > 0 {
                t_sox.push(t.elapsed());
            }
        }
    }
    let ours = median(t_ours);
    writeln!(
        out,
        "--deep on 300 ten-second 16 kHz prompts, median of {runs}"
    )
    .unwrap();
    writeln!(
        out,
        "  acs-preflight check --deep DIR        {:7.3} s",
        ours.as_secs_f64()
    )
    .unwrap();
    if has_sox {
        let sox = median(t_sox);
        writeln!(
            out,
            "  sox FILE -n stats, two at a time     {:7.3} s",
            sox.as_secs_f64()
        )
        .unwrap();
        writeln!(
            out,
            "  acs-preflight / sox = {:.2} (target <= 0.33)",
            ours.as_secs_f64() / sox.as_secs_f64()
        )
        .unwrap();
    } else {
        writeln!(out, "  sox: not installed (apt-get install sox), skipped").unwrap();
    }

    let short = dir.path().join("short.wav");
    let long = dir.path().join("long.wav");
    std::fs::write(&short, prompt(10)).unwrap();
    std::fs::write(&long, prompt(600)).unwrap();
    let rss = |p: &Path| max_rss_of(Command::new(exe).args(["check", "--deep"]).arg(p));
    writeln!(
        out,
        "peak memory of check --deep: 10 s prompt {} KiB; 10 min prompt {} KiB",
        rss(&short),
        rss(&long)
    )
    .unwrap();
}
