//! Helpers shared by the benchmarks.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A 44-byte header of a 16 kHz mono 16-bit PCM WAV whose data is `data_len` bytes.
pub fn wav_header(data_len: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&16_000u32.to_le_bytes());
    h.extend_from_slice(&32_000u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

/// The median of the samples.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// True when `program --version` runs and succeeds: the peer tool is installed.
pub fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn run_quiet(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.code().is_some())
        .unwrap_or(false)
}

/// Peak resident memory, in KiB, of the largest child waited for so far (-1 where `getrusage`
/// does not exist, as on Windows).
#[cfg(not(unix))]
pub fn children_max_rss_kib() -> i64 {
    -1
}

/// Peak resident memory, in KiB, of the largest child waited for so far.
#[cfg(unix)]
#[allow(unsafe_code)]
pub fn children_max_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the zeroed struct we own and reads nothing else.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

pub fn max_rss_of(cmd: &mut Command) -> i64 {
    // RUSAGE_CHILDREN keeps the maximum over all children: run this one in a fresh shell child
    // of its own so the number is its alone.
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .env("BENCH_RSS_CHILD", "1")
        .env("BENCH_RSS_PROGRAM", cmd.get_program())
        .env(
            "BENCH_RSS_ARGS",
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("\u{1f}"),
        )
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(-1)
}

pub fn rss_child() {
    let program = std::env::var("BENCH_RSS_PROGRAM").unwrap();
    let args = std::env::var("BENCH_RSS_ARGS").unwrap();
    let ok = run_quiet(Command::new(program).args(args.split('\u{1f}')));
    assert!(ok);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", children_max_rss_kib()).unwrap();
}

/// A count from the environment (`BENCH_RUNS`, `BENCH_FILES`), or `default` when it is unset or
/// not a number.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
