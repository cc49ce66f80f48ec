//! Header-scan speed and memory, measured against baselines in the same run.
//!
//! `cargo bench --bench scan` makes 10,000 one-second prompts (32 KiB each) under
//! `target/bench-data/` once, warms the page cache, then times (median of `BENCH_RUNS` rounds, default 11,
//! the variants taking turns within each round):
//!
//! 1. baseline: one thread opening each file (list made beforehand) and reading its first 4 KiB;
//! 2. the library scan (`Scan::new` + `run`, walk included) on every core;
//! 3. the `acs-preflight check` binary on the folder, with the human and the JSON report;
//! 4. `find DIR -name '*.wav' -print0 | xargs -0 soxi`, when sox is installed.
//!
//! Then peak memory (max RSS) of the binary on 100 prompts of 32 KiB and on 100 sparse prompts
//! of 2 GiB each. `BENCH_FILES` changes the file count.

#![allow(clippy::unwrap_used)]

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acs_preflight::{CheckOptions, Scan};

mod common;
use common::{max_rss_of, median, rss_child, run_quiet, wav_header};

/// `n` one-second prompts in 100 sub-folders; made once and reused.
fn prompts(root: &Path, n: usize) -> PathBuf {
    let dir = root.join(format!("prompts-{n}"));
    let done = dir.join(".complete");
    if done.exists() {
        return dir;
    }
    let _ = fs::remove_dir_all(&dir);
    let mut body = wav_header(32_000);
    body.extend((0..32_000u32).map(|i| (i * 7 % 251) as u8));
    for i in 0..n {
        let sub = dir.join(format!("{:02}", i % 100));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("prompt-{i:05}.wav")), &body).unwrap();
    }
    File::create(done).unwrap();
    dir
}

/// 100 prompts of 2 GiB each, sparse: only their headers take disk space.
fn huge_prompts(root: &Path) -> PathBuf {
    let dir = root.join("huge-100");
    fs::create_dir_all(&dir).unwrap();
    let data_len: u32 = (2 << 30) - 64;
    for i in 0..100 {
        let path = dir.join(format!("huge-{i:03}.wav"));
        let mut f = File::create(&path).unwrap();
        f.write_all(&wav_header(data_len)).unwrap();
        f.set_len(44 + u64::from(data_len)).unwrap();
    }
    dir
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            list_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "wav") {
            out.push(p);
        }
    }
}

fn baseline(files: &[PathBuf]) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    for p in files {
        let mut f = File::open(p).unwrap();
        total += f.read(&mut buf).unwrap();
    }
    total
}

fn main() {
    if std::env::var_os("BENCH_RSS_CHILD").is_some() {
        return rss_child();
    }
    // `cargo bench` passes `--bench`; ignore arguments.
    let n: usize = std::env::var("BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let dir = prompts(&root, n);
    let exe = env!("CARGO_BIN_EXE_acs-preflight");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    let mut files = Vec::new();
    list_files(&dir, &mut files);
    assert_eq!(files.len(), n);
    baseline(&files); // warm the page cache

    let mut out = std::io::stdout().lock();
    writeln!(out, "header scan of {n} prompts (32 KiB each), page cache warm, {cores} cores, median of {runs}").unwrap();

    let find_soxi = format!(
        "find '{}' -name '*.wav' -print0 | xargs -0 soxi",
        dir.display()
    );
    let has_soxi = Command::new("soxi")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();

    // The variants run in turn, round after round, so drift in the machine's load spreads
    // evenly over them; each one's median is reported.
    let mut variants: Vec<(String, Box<dyn FnMut()>)> = vec![
        (
            "baseline: open + read 4 KiB, 1 thread (file list given)".to_owned(),
            Box::new(|| assert_eq!(baseline(&files), n * 4096)),
        ),
        (
            format!("acs-preflight library scan, {cores} threads (walk included)"),
            Box::new(|| {
                let report = Scan::new(&[&dir], CheckOptions::default())
                    .unwrap()
                    .run(|_| {})
                    .unwrap();
                assert_eq!(report.summary.passed, n);
            }),
        ),
        (
            "acs-preflight library scan, 1 thread (walk included)".to_owned(),
            Box::new(|| {
                let report = Scan::new(&[&dir], CheckOptions::default().jobs(1))
                    .unwrap()
                    .run(|_| {})
                    .unwrap();
                assert_eq!(report.summary.passed, n);
            }),
        ),
        (
            format!("acs-preflight check (binary, human report, {cores} threads)"),
            Box::new(|| assert!(run_quiet(Command::new(exe).arg("check").arg(&dir)))),
        ),
        (
            format!("acs-preflight check --format json (binary, {cores} threads)"),
            Box::new(|| {
                assert!(run_quiet(
                    Command::new(exe)
                        .args(["check", "--format", "json"])
                        .arg(&dir)
                ))
            }),
        ),
    ];
    if has_soxi {
        variants.push((
            "find | xargs -0 soxi".to_owned(),
            Box::new(|| assert!(run_quiet(Command::new("sh").args(["-c", &find_soxi])))),
        ));
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    for round in 0..=runs {
        for (i, (_, f)) in variants.iter_mut().enumerate() {
            let t = Instant::now();
            f();
            // Round 0 warms up.
            if round > 0 {
                samples[i].push(t.elapsed());
            }
        }
    }
    let names: Vec<String> = variants.into_iter().map(|(name, _)| name).collect();
    let medians: Vec<Duration> = samples.into_iter().map(median).collect();
    let t_base = medians[0];
    let t_soxi = has_soxi.then(|| medians[medians.len() - 1]);

    let row = |out: &mut dyn Write, name: &str, t: Duration| {
        writeln!(
            out,
            "{name:<58} {:>9.1} ms {:>6.2}x baseline{}",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / t_base.as_secs_f64(),
            t_soxi
                .map(|s| format!(" {:>6.2}x soxi", t.as_secs_f64() / s.as_secs_f64()))
                .unwrap_or_default()
        )
        .unwrap();
    };
    for (name, t) in names.iter().zip(&medians) {
        row(&mut out, name, *t);
    }
    if !has_soxi {
        writeln!(out, "soxi: not installed (apt-get install sox), skipped").unwrap();
    }

    let small = root.join("small-100");
    if !small.exists() {
        fs::create_dir_all(&small).unwrap();
        for (i, f) in files.iter().take(100).enumerate() {
            fs::copy(f, small.join(format!("prompt-{i:03}.wav"))).unwrap();
        }
    }
    let huge = huge_prompts(&root);
    let rss_small = max_rss_of(
        Command::new(exe)
            .args(["check", "--format", "json"])
            .arg(&small),
    );
    let rss_huge = max_rss_of(
        Command::new(exe)
            .args(["check", "--format", "json"])
            .arg(&huge),
    );
    writeln!(out, "peak memory (max RSS) of the binary: 100 x 32 KiB prompts {rss_small} KiB; 100 x 2 GiB prompts {rss_huge} KiB").unwrap();
}
