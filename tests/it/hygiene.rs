//! Input hygiene: numeric settings checked against one table of limits (flags and config
//! alike), no control character from input in any output, JSON and XML escapes decoded before
//! URLs are looked for, and URL lists and config files read with bounded memory.

use std::path::Path;
#[cfg(unix)]
use std::process::Stdio;

use assert_cmd::Command;
#[cfg(unix)]
use regex::Regex;
#[cfg(unix)]
use serde_json::Value;

#[cfg(unix)]
use crate::support::wav_int;
use crate::support::{report_results, run, valid};

fn cmd_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// A repository root (`.git`) with one valid prompt and this `acs-preflight.toml`.
fn repo(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::create_dir(dir.path().join("prompts")).unwrap();
    std::fs::write(dir.path().join("prompts/ok.wav"), valid(100)).unwrap();
    std::fs::write(dir.path().join("acs-preflight.toml"), config).unwrap();
    dir
}

/// One result of a JSON report: input, rule ids, sources as (file, line).
type Row = (String, Vec<String>, Vec<(String, u64)>);

/// The rows of a JSON report.
fn results(json: &str) -> Vec<Row> {
    report_results(json)
        .iter()
        .map(|r| {
            (
                r["input"].as_str().unwrap().to_owned(),
                r["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["rule"].as_str().unwrap().to_owned())
                    .collect(),
                r["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        (
                            s["file"].as_str().unwrap().to_owned(),
                            s["line"].as_u64().unwrap(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn numbers_outside_their_range_exit_2_naming_key_file_and_range_for_flags_and_config_alike() {
    let cases = [
        ("jobs", "65535", "an integer from 1 to 1024"),
        ("jobs", "0", "an integer from 1 to 1024"),
        ("host_jobs", "65535", "an integer from 1 to 1024"),
        ("retries", "4294967295", "an integer from 0 to 10"),
        (
            "timeout",
            "0",
            "a number of seconds above 0 and at most 3600",
        ),
        (
            "timeout",
            "86400",
            "a number of seconds above 0 and at most 3600",
        ),
        (
            "sas_min_days",
            "4294967295",
            "a whole number of days from 0 to 3650",
        ),
        (
            "silence_db",
            "3",
            "a level in dBFS at least -150 and below 0",
        ),
        ("max_silence", "3601", "a number of seconds from 0 to 3600"),
        ("true_peak_db", "6.5", "a level in dBTP from -60 to 6"),
    ];
    // A URL input: on a build that takes `jobs = 65535`, no thread pool is started for it.
    let clean = repo("");
    for (key, value, range) in cases {
        let dir = repo(&format!(
            "inputs = [\"https://127.0.0.1/x.wav\"]\n{key} = {value}\n"
        ));
        let (code, out, err) = run(cmd_in(dir.path()).arg("check"));
        assert_eq!(code, 2, "{key} = {value}: {out}{err}");
        assert_eq!(out, "");
        assert!(
            err.contains("acs-preflight.toml")
                && err.contains(&format!("{key} = {value}"))
                && err.contains(&format!("must be {range}")),
            "{key} = {value}: {err}"
        );
        // The flag reports the same range, in the same words.
        let flag = format!("--{}", key.replace('_', "-"));
        let (code, _, err) = run(cmd_in(clean.path())
            .args(["check", &flag, value])
            .arg("https://127.0.0.1/x.wav"));
        assert_eq!(code, 2, "{flag} {value}: {err}");
        assert!(
            err.contains(&flag) && err.contains(&format!("must be {range}")),
            "{flag} {value}: {err}"
        );
    }
    // Values inside the range are taken from the file.
    let dir = repo("inputs = [\"prompts\"]\njobs = 2\nhost_jobs = 1024\nretries = 10\ntimeout = 0.5\nsas_min_days = 3650\nsilence_db = -150\nmax_silence = 0\n");
    let (code, _, err) = run(cmd_in(dir.path()).arg("check"));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_library_refuses_settings_outside_their_range() {
    use acs_preflight::{CheckOptions, Scan, ScanError};
    let err = Scan::new(&["fixtures/valid"], CheckOptions::default().jobs(65535)).unwrap_err();
    match err {
        ScanError::Setting(e) => {
            assert_eq!(e.key, "jobs");
            assert_eq!(e.range, acs_preflight::limits::JOBS.range());
        }
        other => panic!("{other}"),
    }
    let e = CheckOptions::default()
        .retries(u32::MAX)
        .validate()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "retries = 4294967295 is out of range: it must be an integer from 0 to 10"
    );
}

/// What a hostile name or URL carries: a window-title change (OSC 0, ended by BEL), a screen
/// clear (CSI 2J), DEL, a C1 control (CSI as one byte) and a right-to-left override.
#[cfg(unix)]
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{7f}\u{9b}\u{202e}";
/// The same, as the text printers escape it.
#[cfg(unix)]
const ESCAPED: &str = "\\x1B]0;pwned\\x07\\x1B[2J\\x7F\\x9B\\u{202E}";
/// The same in a path, where a C1 control is `\u{9B}`: `\x9B` is the byte 9B that is not UTF-8.
#[cfg(unix)]
const ESCAPED_PATH: &str = "\\x1B]0;pwned\\x07\\x1B[2J\\x7F\\u{9B}\\u{202E}";

#[cfg(unix)]
/// The characters left that a terminal or a reader would act on: control characters other
/// than line ends, and bidirectional-text controls. Our own SGR colour codes are removed first.
fn raw_controls(text: &str) -> Vec<char> {
    let sgr = Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    sgr.replace_all(text, "")
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\r')
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[cfg(unix)]
/// Every string in a JSON document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[cfg(unix)]
#[test]
fn control_characters_from_input_reach_no_output_raw_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("prompts")).unwrap();
    // 44.1 kHz: a finding whose advice line repeats the name.
    let name = format!("n{HOSTILE}.wav");
    std::fs::write(
        root.join("prompts").join(&name),
        wav_int(44_100, 1, 16, 100),
    )
    .unwrap();
    // Extraction ends a URL at a control character, so the hostile bytes ride in the extracted
    // file's name (shown as each URL's source) and after the URL.
    let extracted = "https://127.0.0.1/e/x.wav".to_owned();
    let listed = format!("https://127.0.0.1/l/x{HOSTILE}.wav");
    let env_file = format!("p{HOSTILE}.env");
    std::fs::write(
        root.join(&env_file),
        format!("PROMPT={extracted}{HOSTILE}\n"),
    )
    .unwrap();
    std::fs::write(root.join("list.txt"), format!("{listed}\n")).unwrap();
    let args = [
        "check",
        "prompts",
        "--urls-from",
        "list.txt",
        "--extract-from",
        env_file.as_str(),
    ];

    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ] {
        let (code, out, err) = run(cmd_in(root).args(args).args(["--format", format]));
        assert_eq!(code, 1, "{format}: {err}");
        outputs.push((format.to_owned(), out));
        outputs.push((format!("{format} stderr"), err));
    }
    let (code, out, _) = run(cmd_in(root).args(args).args(["--color", "always"]));
    assert_eq!(code, 1);
    outputs.push(("human --color always".to_owned(), out));
    // Errors quote input too: here a rule id in a config file (a syntax error quotes none of
    // the file's text), written with TOML escapes.
    let id: String = HOSTILE
        .chars()
        .map(|c| format!("\\u{:04X}", c as u32))
        .collect();
    std::fs::write(
        root.join("bad.toml"),
        format!("[rules]\n\"x{id}\" = \"off\"\n"),
    )
    .unwrap();
    let (code, _, err) = run(cmd_in(root).args(["check", "--config", "bad.toml", "prompts"]));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("`x{ESCAPED}`, which is not a rule")),
        "{err}"
    );
    outputs.push(("a config error".to_owned(), err));

    // On a terminal: `script` runs the command on a pty (stderr to /dev/null, so no progress
    // bar mixes its own cursor codes in).
    let exe = assert_cmd::cargo::cargo_bin("acs-preflight");
    let log = root.join("typescript");
    let status = std::process::Command::new("script")
        .current_dir(root)
        .arg("-qec")
        .arg(format!(
            "{} {} 2>/dev/null",
            exe.display(),
            args.map(|a| format!("'{a}'")).join(" ")
        ))
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("`script` (util-linux) runs the command on a terminal");
    assert_eq!(status.code(), Some(1));
    let screen: String = String::from_utf8(std::fs::read(&log).unwrap())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("Script started") && !l.starts_with("Script done"))
        .collect::<Vec<_>>()
        .join("\n");
    outputs.push(("human on a terminal".to_owned(), screen));

    for (what, text) in &outputs {
        assert_eq!(raw_controls(text), Vec::<char>::new(), "{what}:\n{text}");
    }
    for (what, text) in outputs
        .iter()
        .filter(|(w, _)| !w.contains("stderr") && !w.contains("error"))
    {
        match what.as_str() {
            "json" | "jsonl" | "sarif" => {
                // JSON stays lossless: the strings decode to the input exactly.
                let docs: Vec<Value> = if what == "jsonl" {
                    text.lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect()
                } else {
                    vec![serde_json::from_str(text).unwrap()]
                };
                let mut decoded = Vec::new();
                docs.iter().for_each(|d| strings(d, &mut decoded));
                // URLs are shown in their parsed form: what is requested, the control
                // characters percent-encoded.
                for want in [&parsed(&extracted), &parsed(&listed)] {
                    assert!(
                        decoded.iter().any(|s| s.contains(want.as_str())),
                        "{what}: {want:?} not found losslessly:\n{text}"
                    );
                }
            }
            _ => {
                // Text formats show every hostile input escaped: the file name (in the advice
                // line too), the extracted URL and the listed URL.
                // Markdown shows the name in a code span, where backslashes are literal.
                let escaped = ESCAPED_PATH.to_owned();
                assert!(
                    text.contains(&format!("n{escaped}.wav")),
                    "{what}: n{escaped}.wav missing:\n{text}"
                );
                // (JUnit splits a URL into host and path; GitHub's commands escape `%`.)
                for url in [&extracted, &listed] {
                    let url = parsed(url);
                    let want = match what.as_str() {
                        "junit" => url.trim_start_matches("https://127.0.0.1").to_owned(),
                        "github" => url.replace('%', "%25"),
                        _ => url,
                    };
                    assert!(text.contains(&want), "{what}: {want} missing:\n{text}");
                }
                if what.starts_with("human") {
                    assert!(
                        text.contains(&format!("\n  from p{ESCAPED_PATH}.env:1\n")),
                        "{what}: the source of the extracted URL:\n{text}"
                    );
                    assert!(
                        text.contains(
                            "fix --in-place $'prompts/n\\x1B]0;pwned\\x07\\x1B[2J\\x7F\\xC2\\x9B\\xE2\\x80\\xAE.wav'"
                        ),
                        "{what}: the advice line:\n{text}"
                    );
                }
            }
        }
    }
}

#[cfg(unix)]
/// A URL as reports show it: parsed (the control characters percent-encoded).
fn parsed(url: &str) -> String {
    url::Url::parse(url).unwrap().to_string()
}

#[test]
fn json_and_xml_escapes_are_decoded_before_urls_are_matched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // System.Text.Json writes `&` as \u0026 by default.
    std::fs::write(
        root.join("appsettings.json"),
        r#"{
  "Prompts": {
    "Welcome": "https://127.0.0.1/p/welcome.wav?sv=2022-11-02\u0026se=2020-01-01T00%3A00%3A00Z\u0026sp=r\u0026sig=s3cr3tJSON",
    "Hold": "https:\/\/127.0.0.1\/p\/hold.wav"
  }
}
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("web.config"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="Goodbye" value="https://127.0.0.1/p/bye.wav?sv=2022-11-02&amp;se=2020-01-01&amp;sp=r&amp;sig=s3cr3tXML" />
    <add key="Menu" value="https://127.0.0.1/p/menu.wav?sv=2022-11-02&#38;se=2020-01-01&#x26;sp=r&amp;sig=s3cr3tXML" />
  </appSettings>
</configuration>
"#,
    )
    .unwrap();
    let (code, out, err) = run(cmd_in(root).args([
        "check",
        "--format",
        "json",
        "--extract-from",
        "appsettings.json",
        "--extract-from",
        "web.config",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("s3cr3t") && !err.contains("s3cr3t"));
    let rules = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        results(&out),
        vec![
            (
                "https://127.0.0.1/p/welcome.wav?sv=2022-11-02&se=2020-01-01T00%3A00%3A00Z&sp=r&sig=REDACTED".to_owned(),
                rules(&["sas-expired", "url-private"]),
                vec![("appsettings.json".to_owned(), 3)],
            ),
            (
                "https://127.0.0.1/p/hold.wav".to_owned(),
                rules(&["url-private"]),
                vec![("appsettings.json".to_owned(), 4)],
            ),
            (
                "https://127.0.0.1/p/bye.wav?sv=2022-11-02&se=2020-01-01&sp=r&sig=REDACTED".to_owned(),
                rules(&["sas-expired", "url-private"]),
                vec![("web.config".to_owned(), 4)],
            ),
            (
                "https://127.0.0.1/p/menu.wav?sv=2022-11-02&se=2020-01-01&sp=r&sig=REDACTED".to_owned(),
                rules(&["sas-expired", "url-private"]),
                vec![("web.config".to_owned(), 5)],
            ),
        ]
    );
}

#[test]
fn an_over_long_line_in_a_url_list_is_url_invalid_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("https://127.0.0.1/{}.wav", "a".repeat(70_000));
    std::fs::write(
        dir.path().join("list.txt"),
        format!("https://127.0.0.1/a.wav\n{long}\nhttps://127.0.0.1/c.wav\n"),
    )
    .unwrap();
    let (code, out, err) =
        run(cmd_in(dir.path()).args(["check", "--format", "json", "--urls-from", "list.txt"]));
    assert_eq!(code, 1, "{err}");
    let got = results(&out);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].1, vec!["url-invalid".to_owned()]);
    assert_eq!(got[1].2, vec![("list.txt".to_owned(), 2)]);
    assert!(got[1].0.len() < 300, "the report shows the start only");
    assert_eq!(got[0].1, vec!["url-private".to_owned()]);
    assert_eq!(got[2].1, vec!["url-private".to_owned()]);
}

/// Runs the binary with its address space capped at 2 GiB: reading without a bound dies of it
/// (an abort, not exit 2) instead of taking the machine's memory.
#[cfg(unix)]
fn run_capped(args: &[&str], stdin: Stdio) -> (Option<i32>, String) {
    let exe = assert_cmd::cargo::cargo_bin("acs-preflight");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$@\"")
        .arg("sh")
        .arg(exe)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn lists_and_config_files_are_read_up_to_16_mib_even_from_dev_zero() {
    // A regular file over the cap (sparse: 17 MiB of zeros without a newline).
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let big = big.to_str().unwrap();
    let zero = || Stdio::from(std::fs::File::open("/dev/zero").unwrap());
    let cases: [(&[&str], Stdio, &str); 4] = [
        (&["check", "--urls-from", big], Stdio::null(), big),
        (&["check", "--extract-from", big], Stdio::null(), big),
        (&["check", "--urls-from", "-"], zero(), "URLs from stdin"),
        (&["check", "--config", big, "fixtures"], Stdio::null(), big),
    ];
    for (args, stdin, name) in cases {
        let (code, err) = run_capped(args, stdin);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("cannot read {name}")) && err.contains("16 MiB"),
            "{args:?}: {err}"
        );
    }
}

/// A device or a FIFO named as a list or config file (by a flag or by a hostile config) is
/// refused at once: /dev/zero never ends, and a FIFO without a writer would block forever.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_as_lists_and_config_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::write(
        dir.path().join("acs-preflight.toml"),
        "extract_from = [\"fifo\"]\n",
    )
    .unwrap();
    let fifo = fifo.to_str().unwrap();
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["check", "--urls-from", "/dev/zero"],
            "/dev/zero",
            "a device",
        ),
        (
            &["check", "--extract-from", "/dev/zero"],
            "/dev/zero",
            "a device",
        ),
        (
            &["check", "--config", "/dev/zero", "x.wav"],
            "/dev/zero",
            "a device",
        ),
        (&["check", "--urls-from", fifo], fifo, "a FIFO"),
        // From the config file, which the repository controls.
        (&["check"], "fifo", "a FIFO"),
    ];
    for (args, name, kind) in cases {
        let out = std::process::Command::new("timeout")
            .arg("20")
            .arg(assert_cmd::cargo::cargo_bin("acs-preflight"))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("cannot read {name}")) && err.contains(kind),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn non_utf8_bytes_on_stdin_are_read_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"# prompts\nhttps://127.0.0.1/caf\xE9.wav\n".to_vec();
    std::fs::write(dir.path().join("list.txt"), &bytes).unwrap();
    let (code, from_file, err) =
        run(cmd_in(dir.path()).args(["check", "--format", "json", "--urls-from", "list.txt"]));
    assert_eq!(code, 1, "{err}");
    let (code, from_stdin, err) = run(cmd_in(dir.path())
        .args(["check", "--format", "json", "--urls-from", "-"])
        .write_stdin(bytes));
    assert_eq!(code, 1, "{err}");
    let (file, stdin) = (results(&from_file), results(&from_stdin));
    assert_eq!(file.len(), 1);
    // Read as U+FFFD; URLs are shown in their parsed form, which percent-encodes it.
    assert_eq!(file[0].0, "https://127.0.0.1/caf%EF%BF%BD.wav");
    assert_eq!(
        (&file[0].0, &file[0].1, file[0].2[0].1),
        (&stdin[0].0, &stdin[0].1, stdin[0].2[0].1)
    );
    assert_eq!(stdin[0].2[0].0, "<stdin>");
}

/// A signed URL given where another value belongs (a flag clap refuses, an `--extract-from`
/// that finds nothing) is redacted in what is printed about it.
#[test]
fn a_signed_url_in_the_wrong_place_is_redacted_where_it_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.wav"), crate::support::valid(100)).unwrap();
    let url = "https://acct.blob.core.windows.net/c/a.wav?sv=1&sig=C01SECRET";
    let unbalanced = format!("({url}");
    for (flag, value) in [
        ("--jobs", url),
        ("--format", url),
        ("--timeout", url),
        ("--url-pattern", unbalanced.as_str()),
    ] {
        let (code, out, err) = run(cmd_in(dir.path()).args(["check", flag, value, "a.wav"]));
        assert_eq!(code, 2, "{flag}: {out}{err}");
        assert!(
            !err.contains("C01SECRET") && !out.contains("C01SECRET"),
            "{flag}: {err}"
        );
        assert!(err.contains("sig=REDACTED"), "{flag}: {err}");
    }
    let (code, out, err) = run(cmd_in(dir.path()).args(["check", "a.wav", "--extract-from", url]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("C01SECRET"), "{out}");
    assert!(out.contains("--extract-from found no prompt in https://acct.blob.core.windows.net/c/a.wav?sv=1&sig=REDACTED"), "{out}");
}

/// A place to write that is a URL is refused before anything is written: no folder named after
/// a signed URL, and the URL redacted in the message.
#[test]
fn a_url_is_no_place_to_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.wav"),
        crate::support::wav_int(44_100, 1, 16, 100),
    )
    .unwrap();
    let url = "https://u:PASSW0RD@h.example/a.wav?sig=SECRETSIG";
    let runs: [&[&str]; 4] = [
        &["fix", "--no-config", "--out", url, "a.wav"],
        &[
            "fix",
            "--no-config",
            "--in-place",
            "--backup-dir",
            url,
            "a.wav",
        ],
        &["check", "--no-config", "-o", url, "a.wav"],
        &[
            "check",
            "--no-config",
            "--report",
            &format!("sarif={url}"),
            "a.wav",
        ],
    ];
    for args in runs {
        let (code, out, err) = run(cmd_in(dir.path()).args(args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("is a URL"), "{args:?}: {err}");
        assert!(
            !err.contains("PASSW0RD") && !err.contains("SECRETSIG"),
            "{err}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec!["a.wav"]);
}

/// GitHub Actions reads a line that starts with `::` as a workflow command: no line of any
/// output starts one, whatever a file name, a list line or a refused flag value holds.
#[cfg(unix)]
#[test]
fn no_line_of_output_starts_a_workflow_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("::error::pwn.wav"), b"not audio").unwrap();
    std::fs::write(
        dir.path().join("list.txt"),
        "::warning::/ignored/x.wav\n::error file=a::b\n",
    )
    .unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", "::error::pwn.wav"],
        vec![
            "check",
            "-v",
            "--offline",
            "--url-ignore",
            "ignored",
            "--urls-from",
            "list.txt",
        ],
        vec!["check", "--color", "x\n::error file=a::pwned"],
        vec!["check", "--format", "markdown", "::error::pwn.wav"],
    ];
    for args in runs {
        let (_, out, err) = run(cmd_in(dir.path()).args(&args));
        for line in out.lines().chain(err.lines()) {
            assert!(!line.trim_start().starts_with("::"), "{args:?}: {line}");
        }
        assert!(
            out.contains("\\x3A:") || err.contains("\\x3A:"),
            "{args:?}: {out}{err}"
        );
    }
}

/// A line of a URL list that is no URL at all is reported like a URL: on a line of its own,
/// then where it was written, so it can be found and fixed.
#[test]
fn a_list_line_that_is_no_url_says_where_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(cmd_in(dir.path())
        .args(["check", "--offline", "--urls-from", "-"])
        .write_stdin("https://prompts.contoso.example/a.wav\n# c\n\nnot a url\n"));
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| *l == "not a url").expect(&out);
    assert_eq!(lines[at + 1], "  from <stdin>:4");
    assert!(lines[at + 2].starts_with("  error[url-invalid] not an absolute URL"));
}

/// Paths in `acs-preflight.toml` come from the repository: they may not lead the run out of the
/// config file's folder (an absolute path, `..`, or a symlink), which would let a hostile config
/// print, say, `/proc/self/environ` as URLs.
#[cfg(unix)]
#[test]
fn config_paths_stay_inside_the_config_folder() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secrets.json"),
        "{\"Hook\": \"https://127.0.0.1/p/x.wav?sig=OUTSIDESECRET\"}\n",
    )
    .unwrap();
    std::fs::create_dir(outside.path().join("prompts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secrets.json"), root.join("link.json"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path().join("prompts"), root.join("linked")).unwrap();
    let secrets = outside.path().join("secrets.json");
    let cases = [
        ("extract_from", format!("{:?}", secrets.to_str().unwrap())),
        ("extract_from", "\"/proc/self/environ\"".to_owned()),
        ("extract_from", "\"sub/../../x.json\"".to_owned()),
        ("extract_from", "\"link.json\"".to_owned()),
        ("inputs", "\"../prompts\"".to_owned()),
        ("inputs", "\"linked\"".to_owned()),
    ];
    for (key, value) in cases {
        std::fs::write(
            root.join("acs-preflight.toml"),
            format!("{key} = [{value}]\nurl_pattern = \".\"\n"),
        )
        .unwrap();
        let (code, out, err) = run(cmd_in(root).arg("check"));
        assert_eq!(code, 2, "{key} = {value}: {out}{err}");
        assert!(
            err.contains(&format!("acs-preflight.toml: {key} names"))
                && err.contains("outside the folder of acs-preflight.toml"),
            "{key} = {value}: {err}"
        );
        assert!(!out.contains("OUTSIDESECRET") && !err.contains("OUTSIDESECRET"));
    }
    // A path that cannot be resolved is not taken on trust (a link to /proc/self/fd/N of a
    // deleted file opens, yet resolves nowhere).
    std::os::unix::fs::symlink("/nonexistent/secrets.json", root.join("dangling.json")).unwrap();
    for value in ["dangling.json", "missing.json"] {
        std::fs::write(
            root.join("acs-preflight.toml"),
            format!("extract_from = [{value:?}]\n"),
        )
        .unwrap();
        let (code, _, err) = run(cmd_in(root).arg("check"));
        assert_eq!(code, 2, "{value}: {err}");
        assert!(
            err.contains(&format!(
                "extract_from names {value}, which cannot be resolved"
            )),
            "{value}: {err}"
        );
    }
    // Inside the folder, a path (even through a symlink that stays inside) is fine.
    std::fs::write(
        root.join("in.json"),
        "{\"A\": \"https://10.0.0.1/a.wav\"}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("in.json", root.join("inner-link.json")).unwrap();
    std::fs::write(
        root.join("acs-preflight.toml"),
        "extract_from = [\"inner-link.json\"]\n",
    )
    .unwrap();
    let (code, out, err) = run(cmd_in(root).args(["check", "--format", "json"]));
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("https://10.0.0.1/a.wav"), "{out}");
    // On the command line the user may name anything.
    let (code, out, err) = run(cmd_in(root).args([
        "check",
        "--format",
        "json",
        "--extract-from",
        secrets.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("https://127.0.0.1/p/x.wav"), "{out}");
}

/// `https:/host/...`, `https:host/...` and `http:\\user:pw@host/...` are URLs to every URL parser;
/// taken as file names they were printed whole, signature and password included.
#[test]
fn url_typos_are_checked_and_redacted_as_urls() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let typos = [
        "https:/127.0.0.1/a.wav?sv=1&sig=SECRETAAA",
        "HTTPS:127.0.0.1/b.wav?sig=SECRETAAA",
        "http:\\\\u:SECRETAAA@127.0.0.1/c.wav",
        // What URL parsers drop: leading control characters, tabs anywhere.
        "\u{1}https:/127.0.0.1/d.wav?sig=SECRETAAA",
        "https\t:/127.0.0.1/e.wav?sig=SECRETAAA",
    ];
    std::fs::write(
        root.join("acs-preflight.toml"),
        format!("inputs = [{:?}]\n", typos[0]),
    )
    .unwrap();
    for format in [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ] {
        for args in [&typos[..], &[][..]] {
            let (code, out, err) = run(cmd_in(root)
                .arg("check")
                .args(args)
                .args(["--format", format]));
            assert_eq!(code, 1, "{format} {args:?}: {err}");
            assert!(
                !out.contains("SECRETAAA") && !err.contains("SECRETAAA"),
                "{format} {args:?}: {out}{err}"
            );
            assert!(out.contains("url-private"), "{format} {args:?}: {out}");
        }
    }
}

/// `fix` takes local files; a URL given to it is reported as one, redacted.
#[test]
fn fix_shows_a_url_argument_redacted() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["human", "json"] {
        let (code, out, err) = run(cmd_in(dir.path()).args([
            "fix",
            "--in-place",
            "--format",
            format,
            "https://u:SECRETPW@127.0.0.1/a.wav?sig=SECRETAAA",
        ]));
        assert_eq!(code, 1, "{err}");
        assert!(
            !out.contains("SECRET") && !err.contains("SECRET"),
            "{out}{err}"
        );
        assert!(out.contains("a URL: fix converts local files"), "{out}");
    }
}

/// Azure Pipelines reads `##vso[...]` and `##[...]` anywhere in a log line: a repository's file
/// name must not set a pipeline variable or forge an error through any format or error.
#[test]
fn no_azure_logging_command_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let name = "##vso[task.setvariable variable=EVIL]x ##[error]forged.wav";
    std::fs::write(dir.path().join(name), b"not audio").unwrap();
    for format in [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ] {
        let out = assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--verbose", "--format", format, "."])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
        assert!(
            !text.to_ascii_lowercase().contains("##vso[") && !text.contains("##["),
            "{format}: {text}"
        );
    }
    // An error naming it too.
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", &format!("missing {name}")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !err.contains("##vso[") && err.contains("\\x23#vso["),
        "{err}"
    );
}
