//! SSML throughput against the header scan, in the same run.
//!
//! `cargo bench --bench ssml` makes 10,000 SSML prompts (about 700 bytes each: a `speak` root, a
//! voice, a few sentences, a break and an https audio clip) and 10,000 one-second WAV prompts
//! (32 KiB each), both in 100 folders under `target/bench-data/`, warms the page cache, then
//! times (median of `BENCH_RUNS` rounds, default 7, the variants taking turns):
//!
//! 1. `check_ssml` on the 10,000 documents held in memory, one thread;
//! 2. the library scan (`Scan::new` + `run`, walk included, every core) of the SSML folder;
//! 3. the same scan of the WAV folder (the header scan).
//!
//! `BENCH_FILES` changes the file count.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use acs_preflight::{check_ssml, CheckOptions, Scan, Status};

mod common;
use common::{median, wav_header};

/// Document `i`: valid, with a different text each time.
fn document(i: usize) -> String {
    format!(
        r#"<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">
  <voice name="en-US-AvaNeural">
    Thank you for calling Contoso, branch {i}. <break time="300ms"/>
    <prosody rate="-5%">For billing, press 1. For support, press 2.</prosody>
    To hear these options again, press 9.
    <audio src="https://contoso.blob.core.windows.net/prompts/chime-{i}.mp3"/>
  </voice>
</speak>
"#
    )
}

/// `n` files made by `body` in 100 sub-folders, named `name(i)`; made once and reused.
fn tree(
    root: &Path,
    tag: &str,
    n: usize,
    name: fn(usize) -> String,
    body: &dyn Fn(usize) -> Vec<u8>,
) -> PathBuf {
    let dir = root.join(format!("{tag}-{n}"));
    let done = dir.join(".complete");
    if done.exists() {
        return dir;
    }
    let _ = fs::remove_dir_all(&dir);
    for i in 0..n {
        let sub = dir.join(format!("{:02}", i % 100));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(name(i)), body(i)).unwrap();
    }
    File::create(done).unwrap();
    dir
}

/// Scans `dir` offline: each SSML document's `audio src` is then an input of its own that gets
/// the static URL checks and no request (the bench never touches the network).
fn scan(dir: &Path) -> usize {
    let report = Scan::new(&[dir], CheckOptions::default().offline(true))
        .unwrap()
        .run(|_| {})
        .unwrap();
    assert_eq!(report.summary.failed, 0);
    report.summary.checked
}

fn main() {
    let n = common::env_count("BENCH_FILES", 10_000);
    let runs = common::env_count("BENCH_RUNS", 7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let ssml_dir = tree(&root, "ssml", n, |i| format!("prompt-{i:05}.ssml"), &|i| {
        document(i).into_bytes()
    });
    let mut wav = wav_header(32_000);
    wav.extend((0..32_000u32).map(|i| (i * 7 % 251) as u8));
    let wav_dir = tree(
        &root,
        "prompts",
        n,
        |i| format!("prompt-{i:05}.wav"),
        &|_| wav.clone(),
    );
    let docs: Vec<String> = (0..n).map(document).collect();
    // Warm the page cache and check the set is what it claims.
    // Each document, and its clip (a URL of its own).
    assert_eq!(scan(&ssml_dir), 2 * n);
    assert_eq!(scan(&wav_dir), n);
    assert!(docs.iter().all(|d| check_ssml(d).status == Status::Pass));

    let (mut memory, mut ssml, mut header) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let passed = docs
            .iter()
            .filter(|d| check_ssml(d).status == Status::Pass)
            .count();
        memory.push(t.elapsed());
        assert_eq!(passed, n);
        let t = Instant::now();
        scan(&ssml_dir);
        ssml.push(t.elapsed());
        let t = Instant::now();
        scan(&wav_dir);
        header.push(t.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    let (memory, ssml, header) = (median(memory), median(ssml), median(header));
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("{n} files, {cores} cores, median of {runs} rounds");
    println!(
        "check_ssml in memory, 1 thread:   {:>8.1} ms  {:>6.1} us/document",
        memory.as_secs_f64() * 1e3,
        per(memory)
    );
    println!(
        "scan of .ssml files, all cores:   {:>8.1} ms  {:>6.1} us/file",
        ssml.as_secs_f64() * 1e3,
        per(ssml)
    );
    println!(
        "header scan of .wav, all cores:   {:>8.1} ms  {:>6.1} us/file",
        header.as_secs_f64() * 1e3,
        per(header)
    );
    println!(
        "SSML file / WAV header file:      {:>8.2}",
        ssml.as_secs_f64() / header.as_secs_f64()
    );
}
