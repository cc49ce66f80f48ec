//! Header-scan speed and memory, measured against baselines in the same run.
//!
//! `cargo bench --bench scan` makes 10,000 one-second prompts (32 KiB each) under
//! `target/bench-data/` once, warms the page cache, then times (median of `BENCH_RUNS` rounds, default 11,
//! the variants taking turns within each round):
//!
//! 1. the one-thread floor: one thread opening each file (list made beforehand) and reading its
//!    first 4 KiB;
//! 2. the two-process floor: two processes (this program started again), each walking half of
//!    the folders and opening, reading 4 KiB of and closing each file: the same parallelism as
//!    the scan on two cores, process start included as for the binary;
//! 3. the library scan (`Scan::new` + `run`, walk included) on every core and on one;
//! 4. the `acs-preflight check` binary on the folder, with the human (also `--verbose`, a line
//!    per file), JSON and JSON-lines reports;
//! 5. `find DIR -name '*.wav' -print0 | xargs -0 soxi`, when sox is installed.
//!
//! Every variant is reported against both floors. Then, when `strace` is installed, the system
//! calls of the binary's runs (`strace -c -f`): futex and write calls, per file. Then peak
//! memory (max RSS) of the binary on 100 prompts of 32 KiB and on 100 sparse prompts of 2 GiB
//! each. `BENCH_FILES` changes the file count.

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

/// One process of the two-process floor: walks the folders named in `BENCH_FLOOR_DIRS`
/// (separated by U+001F) and opens, reads 4 KiB of and closes each `.wav` file.
fn floor_child() {
    let dirs = std::env::var("BENCH_FLOOR_DIRS").unwrap();
    let mut files = Vec::new();
    for d in dirs.split('\u{1f}') {
        list_files(Path::new(d), &mut files);
    }
    let total = baseline(&files);
    assert_eq!(total, files.len() * 4096);
}

/// The two-process floor: the sub-folders split in two halves, one process each.
fn two_process_floor(exe: &Path, dir: &Path) {
    let mut subs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    let half = subs.len().div_ceil(2);
    let children: Vec<_> = subs
        .chunks(half.max(1))
        .map(|part| {
            let joined = part
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("\u{1f}");
            Command::new(exe)
                .env("BENCH_FLOOR_DIRS", joined)
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
}

/// `strace -c -f` of one run: (total calls, futex calls, write calls).
fn syscalls(args: &[&std::ffi::OsStr]) -> Option<(u64, u64, u64)> {
    let log =
        std::env::temp_dir().join(format!("acs-preflight-bench-strace-{}", std::process::id()));
    let ok = Command::new("strace")
        .args(["-c", "-f", "-o"])
        .arg(&log)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?
        .code()
        .is_some();
    let text = fs::read_to_string(&log).ok()?;
    let _ = fs::remove_file(&log);
    if !ok {
        return None;
    }
    let calls = |name: &str| -> u64 {
        text.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() >= 5 && f.last() == Some(&name)).then(|| f[3].parse().unwrap_or(0))
            })
            .next()
            .unwrap_or(0)
    };
    Some((calls("total"), calls("futex"), calls("write")))
}

fn main() {
    if std::env::var_os("BENCH_RSS_CHILD").is_some() {
        return rss_child();
    }
    if std::env::var_os("BENCH_FLOOR_DIRS").is_some() {
        return floor_child();
    }
    // `cargo bench` passes `--bench`; ignore arguments.
    let n = common::env_count("BENCH_FILES", 10_000);
    let runs = common::env_count("BENCH_RUNS", 11);
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
    let me = std::env::current_exe().unwrap();
    let binary = |args: &'static [&'static str]| -> Box<dyn FnMut()> {
        let dir = dir.clone();
        Box::new(move || assert!(run_quiet(Command::new(exe).args(args).arg(&dir))))
    };
    let mut variants: Vec<(String, Box<dyn FnMut()>)> = vec![
        (
            "floor: open + read 4 KiB, 1 thread (file list given)".to_owned(),
            Box::new(|| assert_eq!(baseline(&files), n * 4096)),
        ),
        (
            "floor: 2 processes, each walks half the folders, open + read 4 KiB".to_owned(),
            Box::new(|| two_process_floor(&me, &dir)),
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
            format!("check (binary, human report, {cores} threads)"),
            binary(&["check"]),
        ),
        (
            format!("check --verbose (human, a line per file, {cores} threads)"),
            binary(&["check", "--verbose"]),
        ),
        (
            format!("check --format json ({cores} threads)"),
            binary(&["check", "--format", "json"]),
        ),
        (
            format!("check --format jsonl ({cores} threads)"),
            binary(&["check", "--format", "jsonl"]),
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
    let (t_one, t_two) = (medians[0], medians[1]);
    let t_soxi = has_soxi.then(|| medians[medians.len() - 1]);

    let row = |out: &mut dyn Write, name: &str, t: Duration| {
        let s = t.as_secs_f64();
        writeln!(
            out,
            "{name:<68} {:>7.1} ms {:>5.2}x 1-thread floor {:>5.2}x 2-process floor{}",
            s * 1e3,
            s / t_one.as_secs_f64(),
            s / t_two.as_secs_f64(),
            t_soxi
                .map(|x| format!(" {:>5.2}x soxi", s / x.as_secs_f64()))
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

    // System calls per file, from `strace -c -f` (it slows the run; counts only).
    let has_strace = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_strace {
        for args in [
            &["check"][..],
            &["check", "--verbose"],
            &["check", "--format", "json"],
            &["check", "--format", "jsonl"],
        ] {
            let mut argv: Vec<&std::ffi::OsStr> = vec![exe.as_ref()];
            argv.extend(args.iter().map(std::ffi::OsStr::new));
            argv.push(dir.as_os_str());
            match syscalls(&argv) {
                Some((total, futex, write)) => writeln!(
                    out,
                    "strace -c -f acs-preflight {} DIR: {total} system calls ({:.2} per file), {futex} futex ({:.3} per file), {write} write",
                    args.join(" "),
                    total as f64 / n as f64,
                    futex as f64 / n as f64,
                )
                .unwrap(),
                None => writeln!(out, "strace -c -f acs-preflight {}: could not run", args.join(" ")).unwrap(),
            }
        }
    } else {
        writeln!(
            out,
            "strace: not installed (apt-get install strace), system calls not counted"
        )
        .unwrap();
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
