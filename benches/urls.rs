//! URL-check speed against lychee, on a loopback server that answers every request after 50 ms.
//!
//! `cargo bench --bench urls` serves 500 prompt URLs (a 1 MiB WAV each, keep-alive, `Range`
//! honoured) from 127.0.0.1 and times, as the median of `BENCH_RUNS` rounds (default 5, the tools
//! taking turns):
//!
//! 1. `acs-preflight check --jobs 64 --host-jobs 64 --allow-private --urls-from LIST`;
//! 2. `lychee --max-concurrency 64 --host-concurrency 64 --host-request-interval 0 LIST`, when
//!    lychee is installed (`cargo install lychee`).
//!
//! The floor is ceil(500 / 64) x 50 ms = 0.4 s. It also reports the most body bytes the server
//! sent for one acs-preflight request. Nothing here leaves the loopback interface.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

mod common;

const URLS: usize = 500;
const DELAY: Duration = Duration::from_millis(50);
const FILE_LEN: usize = 1 << 20;

fn wav(len: usize) -> Vec<u8> {
    let mut h = common::wav_header((len - 44) as u32);
    h.resize(len, 0);
    h
}

/// Serves every path with the WAV after `DELAY`, keeping connections alive.
fn serve(body: Arc<Vec<u8>>, max_sent: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (body, max_sent) = (body.clone(), max_sent.clone());
            thread::spawn(move || connection(stream, &body, &max_sent));
        }
    });
    port
}

fn connection(stream: TcpStream, body: &[u8], max_sent: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut range = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("range") {
                    range = v
                        .trim()
                        .strip_prefix("bytes=")
                        .and_then(|r| r.split_once('-'))
                        .and_then(|(a, b)| {
                            Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?))
                        });
                }
            }
        }
        thread::sleep(DELAY);
        let (status, part, extra) = match range {
            Some((a, b)) if a < body.len() => {
                let end = b.min(body.len() - 1);
                (
                    "206 Partial Content",
                    &body[a..=end],
                    format!("Content-Range: bytes {a}-{end}/{}\r\n", body.len()),
                )
            }
            _ => ("200 OK", body, String::new()),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\n{extra}\r\n",
            part.len()
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(part).is_err() {
            return;
        }
        if range.is_some() {
            max_sent.fetch_max(part.len(), Ordering::Relaxed);
        }
    }
}

fn lychee() -> Option<String> {
    let home = std::env::var("HOME").unwrap_or_default();
    ["lychee".to_owned(), format!("{home}/.cargo/bin/lychee")]
        .into_iter()
        .find(|candidate| common::installed(candidate))
}

fn main() {
    let runs = common::env_count("BENCH_RUNS", 5);
    let max_sent = Arc::new(AtomicUsize::new(0));
    let port = serve(Arc::new(wav(FILE_LEN)), max_sent.clone());
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let urls: String = (0..URLS)
        .map(|i| format!("http://127.0.0.1:{port}/prompts/p{i:03}.wav\n"))
        .collect();
    std::fs::write(&list, urls).unwrap();
    let exe = env!("CARGO_BIN_EXE_acs-preflight");

    let ours = || {
        let out = Command::new(exe)
            .args([
                "check",
                "--jobs",
                "64",
                "--host-jobs",
                "64",
                "--allow-private",
                "--format",
                "json",
                "--urls-from",
            ])
            .arg(&list)
            .stderr(Stdio::null())
            .output()
            .unwrap();
        // Every URL is a valid prompt over plain http: a warning each, exit 0.
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    let lychee_bin = lychee();
    let theirs = |bin: &str| {
        let status = Command::new(bin)
            .args([
                "--no-progress",
                "--max-concurrency",
                "64",
                "--host-concurrency",
                "64",
                "--host-request-interval",
                "0",
            ])
            .arg(&list)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "lychee failed");
    };

    let mut t_ours = Vec::new();
    let mut t_lychee = Vec::new();
    for round in 0..=runs {
        let t = Instant::now();
        ours();
        if round > 0 {
            t_ours.push(t.elapsed());
        }
        if let Some(bin) = &lychee_bin {
            let t = Instant::now();
            theirs(bin);
            if round > 0 {
                t_lychee.push(t.elapsed());
            }
        }
    }
    let median = common::median;
    let floor = Duration::from_millis(50 * URLS.div_ceil(64) as u64);
    let ours = median(t_ours);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{URLS} prompt URLs on one loopback host answering after 50 ms, 64 in flight, median of {runs}; floor {:.2} s", floor.as_secs_f64()).unwrap();
    writeln!(
        out,
        "acs-preflight check --jobs 64 --host-jobs 64   {:>7.3} s",
        ours.as_secs_f64()
    )
    .unwrap();
    match lychee_bin {
        Some(_) => {
            let theirs = median(t_lychee);
            writeln!(
                out,
                "lychee --max-concurrency 64 ...                {:>7.3} s  (acs-preflight / lychee = {:.2})",
                theirs.as_secs_f64(),
                ours.as_secs_f64() / theirs.as_secs_f64()
            )
            .unwrap();
        }
        None => writeln!(out, "lychee: not installed (cargo install lychee), skipped").unwrap(),
    }
    writeln!(
        out,
        "most body bytes sent for one acs-preflight request: {} of a {FILE_LEN}-byte file",
        max_sent.load(Ordering::Relaxed)
    )
    .unwrap();
}
