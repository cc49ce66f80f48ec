//! Hostile inputs: thousands of mutated headers, odd folders, hostile servers. Nothing may panic
//! or hang, every input gets a result, and what fails says why.

use std::io::Write;
use std::time::{Duration, Instant};

use acs_preflight::{
    check_bytes, check_paths, check_url_blocking, CheckOptions, CheckResult, Rule, Scan, Status,
};
use assert_cmd::Command;

use crate::server::{Reply, Server};
use crate::support::*;

/// Seeds: valid and broken headers of every kind the tests can make.
fn seeds() -> Vec<Vec<u8>> {
    let v = valid(200);
    vec![
        v.clone(),
        wav_int(44_100, 2, 16, 100),
        wav_int(16_000, 1, 24, 100),
        wav_float(16_000, 1, 100),
        to_extensible(&v, 1),
        insert_before_data(&v, b"LIST", b"INFOISFT\x05\x00\x00\x00abcd\x00"),
        truncated(&v, 100),
        mp3(true, 3),
        mp3(false, 3),
        b"<!DOCTYPE html><html></html>".to_vec(),
    ]
}

/// A small deterministic generator (xorshift), so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation: a bit flip, a cut, a size field set to an edge value, a repeated chunk.
fn mutate(rng: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    const EDGES: [u32; 6] = [0, 1, 2, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000];
    match rng.below(6) {
        0 if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }
        1 => {
            let keep = rng.below(b.len() + 1);
            b.truncate(keep);
        }
        2 if b.len() >= 8 => {
            // A size field: the RIFF size, or any 4-byte field in the first 64 bytes.
            let at = [4, 16, 40, rng.below(b.len().min(64) - 3)][rng.below(4)].min(b.len() - 4);
            set_u32(&mut b, at, EDGES[rng.below(EDGES.len())]);
        }
        3 if b.len() > 20 => {
            // Repeat a slice (a chunk, a header) in place.
            let start = 12.min(b.len() - 1);
            let end = (start + 8 + rng.below(40)).min(b.len());
            let piece = b[start..end].to_vec();
            let at = rng.below(b.len());
            b.splice(at..at, piece);
        }
        4 => {
            let at = rng.below(b.len() + 1);
            let n = rng.below(16);
            b.splice(at..at, (0..n).map(|_| rng.next() as u8));
        }
        _ => {
            if b.len() >= 2 {
                let i = rng.below(b.len() - 1);
                b[i] = 0xFF;
                b[i + 1] = 0xFF;
            }
        }
    }
    b
}

fn explained(r: &CheckResult) -> bool {
    r.status == Status::Pass
        || r.findings
            .iter()
            .all(|f| !f.message.is_empty() && !f.advice.is_empty())
}

#[test]
fn thousands_of_mutated_headers_never_panic_and_always_say_why() {
    let mut rng = Rng(0x00AC_5EED);
    let opts = CheckOptions::default();
    let mp3_opts = CheckOptions::default().allow_mp3(true);
    let mut checked = 0;
    let mut failed = 0;
    for seed in seeds() {
        let mut current = seed.clone();
        for i in 0..600 {
            // Mostly one mutation from the seed, sometimes stacked on the last.
            let base = if i % 3 == 0 {
                current.clone()
            } else {
                seed.clone()
            };
            let bytes = mutate(&mut rng, base);
            for (name, o) in [("m.wav", &opts), ("m.mp3", &mp3_opts)] {
                let r = check_bytes(name, &bytes, o);
                assert_eq!(r.input, name);
                assert!(explained(&r), "{name} {bytes:?}: {:#?}", r.findings);
                checked += 1;
                if r.status == Status::Fail {
                    failed += 1;
                }
            }
            current = bytes;
        }
    }
    assert_eq!(checked, 12_000);
    // The mutations do break things: most results fail, and each says why.
    assert!(failed > checked / 3, "{failed} of {checked}");
    // And a valid file only fails for a reason: the untouched seed passes.
    assert_eq!(
        check_bytes("ok.wav", &valid(200), &opts).status,
        Status::Pass
    );
}

#[test]
fn deep_reads_mutated_files_without_panic_and_keeps_its_numbers_finite() {
    // Whole files this time (half a second of samples each), so the mutations land in the
    // samples as well as the headers, and `--deep` decodes what is left.
    let seeds = [
        valid(8_000),
        wav_int(44_100, 2, 16, 4_000),
        wav_int(16_000, 1, 24, 4_000),
        wav_float(16_000, 1, 4_000),
        to_extensible(&valid(4_000), 1),
        mp3(true, 20),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xDEE9);
    let mut names = Vec::new();
    for (s, seed) in seeds.iter().enumerate() {
        for i in 0..250 {
            let name = format!("s{s}-{i:03}.{}", if s == 5 { "mp3" } else { "wav" });
            std::fs::write(dir.path().join(&name), mutate(&mut rng, seed.clone())).unwrap();
            names.push(name);
        }
    }
    let opts = CheckOptions::default().deep(true).allow_mp3(true);
    let report = check_paths(&[dir.path()], &opts).unwrap();
    let got: Vec<&str> = report
        .results
        .iter()
        .map(|r| r.input.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(got, names);
    let mut measured = 0;
    for r in &report.results {
        assert!(explained(r), "{}: {:#?}", r.input, r.findings);
        let Some(a) = &r.audio else { continue };
        if let Some(peak) = a.peak_dbfs {
            measured += 1;
            let rms = a.rms_dbfs.unwrap();
            assert!(
                peak.is_finite() && rms.is_finite() && rms <= peak + 0.01,
                "{}: {a:?}",
                r.input
            );
            assert!(
                a.loudness_lufs.is_none_or(f64::is_finite),
                "{}: {a:?}",
                r.input
            );
        }
    }
    // Most mutated files still decode, so `--deep` really ran on them.
    assert!(measured > names.len() / 2, "{measured} of {}", names.len());
}

#[test]
fn size_fields_never_drive_reads_or_allocation() {
    let v = valid(200);
    for edge in [0u32, 1, 0x7FFF_FFFF, 0xFFFF_FFFF] {
        for at in [4, 16, 40] {
            let mut b = v.clone();
            set_u32(&mut b, at, edge);
            let started = Instant::now();
            let r = check_bytes("e.wav", &b, &CheckOptions::default());
            assert!(explained(&r));
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "size {edge:#X} at {at}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn an_odd_folder_is_scanned_whole_and_its_names_printed_escaped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;
    use std::os::unix::net::UnixListener;

    use acs_preflight::ScanEvent;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a-good.wav"), valid(10)).unwrap();
    std::fs::write(
        root.join(OsStr::from_bytes(b"b-caf\xE9.wav")),
        wav_int(8_000, 1, 16, 10),
    )
    .unwrap();
    std::fs::write(root.join("c-esc\u{1b}[31m.wav"), valid(10)).unwrap();
    std::fs::write(root.join("d-vanishes.wav"), valid(10)).unwrap();
    std::fs::create_dir(root.join("e-folder.wav")).unwrap();
    std::fs::write(root.join("e-folder.wav").join("inner.wav"), valid(10)).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(root.join("f-fifo.wav"))
        .status()
        .unwrap()
        .success());
    let _sock = UnixListener::bind(root.join("g-socket.wav")).unwrap();
    symlink(root, root.join("h-loop")).unwrap();

    // The file that vanishes is deleted between being found and being read.
    let vanishing = root.join("d-vanishes.wav");
    let mut results = Vec::new();
    Scan::new(&[root], CheckOptions::default().jobs(1))
        .unwrap()
        .run_into(
            |e| {
                if let ScanEvent::Found = e {
                    let _ = std::fs::remove_file(&vanishing);
                }
            },
            &mut |r| results.push(r),
        )
        .unwrap();
    let names: Vec<(String, Vec<Rule>)> = results
        .iter()
        .map(|r| (r.input.rsplit('/').next().unwrap().to_owned(), r.rules()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("a-good.wav".to_owned(), vec![]),
            ("b-caf\\xE9.wav".to_owned(), vec![Rule::SampleRate]),
            ("c-esc\\x1B[31m.wav".to_owned(), vec![]),
            ("d-vanishes.wav".to_owned(), vec![Rule::Unreadable]),
            ("inner.wav".to_owned(), vec![]),
        ]
    );

    // Every format shows the odd names escaped, and never a raw escape character.
    std::fs::write(root.join("d-vanishes.wav"), b"back, but not audio").unwrap();
    for format in [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ] {
        let out = Command::cargo_bin("acs-preflight")
            .unwrap()
            .args(["check", "--format", format])
            .arg(root)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains('\u{1b}'), "{format}: raw ESC in output");
        assert!(text.contains("d-vanishes.wav"), "{format}");
        // JSON doubles the backslash of the escape; SARIF percent-encodes it.
        assert!(
            text.contains("caf\\xE9") || text.contains("caf\\\\xE9") || text.contains("caf%5CxE9"),
            "{format}: {text}"
        );
    }
}

#[test]
fn jsonl_streams_the_same_results_as_json() {
    let json = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "-j", "3", "fixtures"])
        .output()
        .unwrap();
    let lines = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "jsonl", "-j", "3", "fixtures"])
        .output()
        .unwrap();
    assert_eq!(lines.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let text = String::from_utf8(lines.stdout).unwrap();
    let parsed: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.len(), 19);
    assert_eq!(&parsed[..18], doc["results"].as_array().unwrap().as_slice());
    assert_eq!(
        parsed[18],
        serde_json::json!({"version": 1, "summary": doc["summary"], "config": null})
    );
}

#[test]
fn a_large_tree_streams_in_order() {
    let dir = tempfile::tempdir().unwrap();
    crate::scan::mixed_folder(dir.path(), 600);
    let mut inputs = Vec::new();
    let summary = Scan::new(&[dir.path()], CheckOptions::default().jobs(4))
        .unwrap()
        .run_into(|_| {}, &mut |r| inputs.push(r.input))
        .unwrap();
    assert_eq!(summary.checked, 600);
    let mut sorted = inputs.clone();
    sorted.sort();
    assert_eq!(inputs, sorted);
    let report = check_paths(&[dir.path()], &CheckOptions::default().jobs(1)).unwrap();
    assert_eq!(report.summary, summary);
}

fn loopback() -> CheckOptions {
    CheckOptions::default()
        .allow_private(true)
        .timeout(Duration::from_secs(2))
        .retries(0)
}

#[test]
fn hostile_servers_end_within_the_timeout_with_a_finding() {
    let mut huge_line = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
    huge_line.extend(std::iter::repeat_n(b'a', 4 << 20));
    huge_line.extend_from_slice(b"\r\n\r\n");
    // 1 MiB of zeros gzipped: we ask for identity and must never inflate it.
    let gz = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/zeros-1mib.gz"
    ))
    .unwrap();
    let gzip_headers = [("Content-Encoding", "gzip"), ("Content-Type", "audio/wav")];
    let server = Server::start(vec![
        (
            "/headers.wav",
            vec![Reply::EndlessHeaders { max: 64 << 20 }],
        ),
        ("/line.wav", vec![Reply::Raw(huge_line)]),
        (
            "/http09.wav",
            vec![Reply::Raw(
                b"\x00\x01garbage, not HTTP at all\r\n\r\n".to_vec(),
            )],
        ),
        (
            "/gzip.wav",
            vec![Reply::with_headers(200, &gzip_headers, &gz)],
        ),
        ("/endless.wav", vec![Reply::Endless { len: 256 << 20 }]),
    ]);
    let cases = [
        ("/headers.wav", Rule::UrlUnreachable),
        ("/line.wav", Rule::UrlUnreachable),
        ("/http09.wav", Rule::UrlUnreachable),
        ("/gzip.wav", Rule::NotWav),
    ];
    for (path, want) in cases {
        let started = Instant::now();
        let r = check_url_blocking(&server.url(path), &loopback());
        assert!(r.has(want), "{path}: {:#?}", r.findings);
        assert!(started.elapsed() < Duration::from_secs(10), "{path}");
        assert!(r.http.as_ref().unwrap().bytes_read <= 65_536);
    }
    // The endless header stream was cut off long before its end.
    let written = server.written_eventually("/headers.wav");
    assert!(written < 16 << 20, "{written}");
    let r = check_url_blocking(&server.url("/endless.wav"), &loopback());
    assert_eq!(r.http.as_ref().unwrap().bytes_read, 65_536);
    let gz = check_url_blocking(&server.url("/gzip.wav"), &loopback());
    assert_eq!(gz.audio.as_ref().unwrap().container, "unknown");
}

#[test]
fn secrets_stay_out_of_tls_errors_too() {
    let server = Server::start(vec![("/a.wav", vec![Reply::file(valid(10))])]);
    // https to a plain-http server: the TLS handshake fails.
    let url = format!(
        "https://{}/a.wav?sp=r&se=2099-01-01&sig=s3cr3tTLS",
        server.addr
    );
    let r = check_url_blocking(&url, &loopback());
    assert!(r.has(Rule::UrlUnreachable), "{:#?}", r.findings);
    let all = format!("{r:?}");
    assert!(!all.contains("s3cr3t"), "{all}");
    assert!(
        r.findings.iter().any(|f| f.message.contains("TLS")),
        "{:#?}",
        r.findings
    );
    let mut out = Vec::new();
    writeln!(out, "{}", serde_json::to_string(&r).unwrap()).unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("s3cr3t"));
}

#[test]
fn the_progress_display_never_shows_a_signature() {
    // `script` gives the command a terminal, so the progress bar is drawn (the scan lasts past
    // the 300 ms before it appears: the server stays silent until the 1 s timeout).
    let server = Server::start(vec![("/slow.wav", vec![Reply::Silent { for_ms: 3_000 }])]);
    let exe = assert_cmd::cargo::cargo_bin("acs-preflight");
    let url = format!(
        "{}?sp=r&se=2099-01-01&sig=s3cr3tPROGRESS",
        server.url("/slow.wav")
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("typescript");
    let command = format!(
        "{} check --allow-private --timeout 1 --retries 0 '{url}' fixtures",
        exe.display()
    );
    let status = std::process::Command::new("script")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-qec", &command])
        .arg(&log)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("`script` (util-linux) runs the command on a terminal");
    assert_eq!(status.code(), Some(1));
    // Leave out script's own header and footer lines, which quote the command line.
    let screen: String = String::from_utf8_lossy(&std::fs::read(&log).unwrap())
        .lines()
        .filter(|l| !l.starts_with("Script started") && !l.starts_with("Script done"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        screen.contains("found checked"),
        "the progress bar was not drawn:\n{screen}"
    );
    assert!(screen.contains("sig=REDACTED"));
    assert!(!screen.contains("s3cr3t"), "{screen}");
}

/// Under a low limit on open files (`ulimit -n 32`), every file of a tree of many folders is
/// still checked: the folders held open stay under a quarter of the limit, and a folder that
/// cannot be read for want of descriptors is a failure, never a silent skip.
#[cfg(target_os = "linux")]
#[test]
fn a_low_open_file_limit_loses_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let wav = crate::support::valid(1600);
    for i in 0..150 {
        let folder = dir.path().join(format!("d{i:03}"));
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.wav"), &wav).unwrap();
    }
    let (out, v) = json_under_open_file_limit(32, &[], dir.path());
    assert_eq!(v["summary"]["checked"], 150, "{}", v["summary"]);
    assert_eq!(v["summary"]["passed"], 150);
    assert_eq!(v["summary"]["skipped"], 0);
    assert_eq!(out.status.code(), Some(0));
}

/// When the HTTP client for the `audio src` URLs cannot be set up (here: no file descriptors
/// left) after the file results have been streamed, each URL fails on its own and the JSON
/// document is whole: no half-written report.
#[cfg(target_os = "linux")]
#[test]
fn a_late_http_setup_failure_leaves_a_whole_document() {
    let dir = tempfile::tempdir().unwrap();
    let wav = crate::support::valid(1600);
    for i in 0..300 {
        std::fs::write(dir.path().join(format!("g{i:03}.wav")), &wav).unwrap();
    }
    std::fs::write(
        dir.path().join("zz.ssml"),
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\"><voice name=\"en-US-AvaNeural\">hi <audio src=\"https://a.example/x.mp3\"/></voice></speak>",
    )
    .unwrap();
    let (out, v) = json_under_open_file_limit(6, &["--jobs", "1"], dir.path());
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 302);
    let last = &results[301];
    assert_eq!(last["input"], "https://a.example/x.mp3");
    assert_eq!(last["status"], "fail");
    assert!(
        last["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("not fetched: cannot set up HTTP"),
        "{last}"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// `check --format json DIR` (after `args`) run with at most `limit` open files
/// (`ulimit -n`), and its parsed report.
#[cfg(target_os = "linux")]
fn json_under_open_file_limit(
    limit: u32,
    args: &[&str],
    dir: &std::path::Path,
) -> (std::process::Output, serde_json::Value) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {limit} && exec \"$0\" check {} --format json \"$1\"",
            args.join(" ")
        ))
        .arg(assert_cmd::cargo::cargo_bin("acs-preflight"))
        .arg(dir)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, v)
}

/// A reader that stops reading (`check | head`) does not turn failures into success: the exit
/// status is still the run's verdict, for the whole document and for streamed lines alike.
#[test]
fn a_closed_pipe_keeps_the_verdict() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let bad = crate::support::wav_int(44_100, 1, 16, 441);
    for i in 0..2000 {
        std::fs::write(dir.path().join(format!("f{i:04}.wav")), &bad).unwrap();
    }
    for format in ["human", "json", "jsonl"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("acs-preflight"))
            .args(["check", "--format", format])
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut head = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The pipe's reading end is closed here.
        assert_eq!(child.wait().unwrap().code(), Some(1), "{format}");
    }
}
