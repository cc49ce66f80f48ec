//! `fix` quality and speed against sox, in the same run.
//!
//! `cargo bench --bench fix`:
//!
//! 1. Quality: a 5 s, 1 kHz, -6 dBFS sine at 48 kHz, stereo, 24-bit, converted by
//!    `acs-preflight fix` and by `sox in.wav -r 16000 -c 1 -b 16 out.wav`; each output's sine is
//!    fitted by least squares, the residual counted as noise (SNR), and its duration compared
//!    with 5 s. Target: SNR at least sox's minus 1 dB; duration within 1 ms + 0.1 %.
//! 2. Speed: 100 ten-second 44.1 kHz stereo 16-bit files, `acs-preflight fix --out` (one job per
//!    core) against sox converting them two at a time (`xargs -P 2`), median of `BENCH_RUNS`
//!    (default 3) rounds, the tools taking turns.
//!
//! sox must be installed (`apt-get install sox`).

#![allow(clippy::unwrap_used)]

#[path = "../tests/it/signal.rs"]
mod signal;

mod common;
use common::median;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn read_i16(path: &Path) -> (u32, u16, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let s = r.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec.sample_rate, spec.channels, s)
}

fn sox(args: &[&str]) -> bool {
    Command::new("sox")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let runs = common::env_count("BENCH_RUNS", 3);
    let exe = env!("CARGO_BIN_EXE_acs-preflight");
    let mut out = std::io::stdout().lock();
    if !sox(&["--version"]) {
        writeln!(
            out,
            "sox is not installed (apt-get install sox): nothing to compare with"
        )
        .unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    // 1. Quality.
    let input = dir.path().join("sine.wav");
    std::fs::write(&input, signal::sine_wav(48_000, 2, 24, 5.0, 1000.0, -6.0)).unwrap();
    let ours_dir = dir.path().join("ours");
    let status = Command::new(exe)
        .args(["fix", "--out"])
        .arg(&ours_dir)
        .arg(&input)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let theirs = dir.path().join("sox.wav");
    assert!(sox(&[
        input.to_str().unwrap(),
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        theirs.to_str().unwrap()
    ]));
    writeln!(
        out,
        "quality: 5 s 1 kHz -6 dBFS sine, 48 kHz stereo 24-bit -> 16 kHz mono 16-bit"
    )
    .unwrap();
    let mut snrs = Vec::new();
    for (name, path) in [
        ("acs-preflight fix", ours_dir.join("sine.wav")),
        ("sox", theirs),
    ] {
        let (rate, ch, s) = read_i16(&path);
        assert_eq!((rate, ch), (16_000, 1));
        let (rms, snr) = signal::sine_fit(&s, 16_000.0, 1000.0);
        let secs = s.len() as f64 / 16_000.0;
        writeln!(
            out,
            "  {name:<18} SNR {snr:6.2} dB  level {rms:7.3} dBFS RMS  duration {secs:.4} s (error {:+.2} ms)",
            (secs - 5.0) * 1000.0
        )
        .unwrap();
        snrs.push(snr);
    }
    writeln!(
        out,
        "  SNR difference (acs-preflight - sox): {:+.2} dB (target >= -1 dB)",
        snrs[0] - snrs[1]
    )
    .unwrap();

    // 2. Speed.
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let ten = signal::sine_wav(44_100, 2, 16, 10.0, 440.0, -12.0);
    for i in 0..100 {
        std::fs::write(src.join(format!("prompt-{i:03}.wav")), &ten).unwrap();
    }
    let script = format!(
        "cd '{}' && mkdir -p ../sox-out && ls *.wav | xargs -P 2 -I{{}} sox {{}} -r 16000 -c 1 -b 16 ../sox-out/{{}}",
        src.display()
    );
    let mut t_ours = Vec::new();
    let mut t_sox = Vec::new();
    for round in 0..=runs {
        let _ = std::fs::remove_dir_all(dir.path().join("fix-out"));
        let _ = std::fs::remove_dir_all(dir.path().join("sox-out"));
        let t = Instant::now();
        let ok = Command::new(exe)
            .args(["fix", "--out"])
            .arg(dir.path().join("fix-out"))
            .arg(&src)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let ours = t.elapsed();
        let t = Instant::now();
        assert!(Command::new("sh")
            .args(["-c", &script])
            .status()
            .unwrap()
            .success());
        let theirs = t.elapsed();
        if round > 0 {
            t_ours.push(ours);
            t_sox.push(theirs);
        }
    }
    let (ours, theirs) = (median(t_ours), median(t_sox));
    writeln!(
        out,
        "speed: 100 ten-second 44.1 kHz stereo files, median of {runs}"
    )
    .unwrap();
    writeln!(
        out,
        "  acs-preflight fix --out DIR          {:7.3} s",
        ours.as_secs_f64()
    )
    .unwrap();
    writeln!(
        out,
        "  sox, two at a time (xargs -P 2)      {:7.3} s",
        theirs.as_secs_f64()
    )
    .unwrap();
    writeln!(
        out,
        "  acs-preflight / sox = {:.2} (target <= 1)",
        ours.as_secs_f64() / theirs.as_secs_f64()
    )
    .unwrap();
}
