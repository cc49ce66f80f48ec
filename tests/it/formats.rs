//! Every report format on a fixed set of inputs (snapshots in `tests/data/snapshots/`), SARIF
//! validated against the OASIS schema, JUnit against the Ant XSD, and `--output`.

use std::path::Path;

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;

use crate::server::{Reply, Server};
use crate::support::valid;
use crate::xsd::validate_junit;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

fn run(args: &[&str]) -> (i32, String) {
    let out = cmd().args(args).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Replaces what changes from run to run: timings, timestamps, the host name.
fn normalize(s: &str) -> String {
    let rules = [
        (r" in \d+\.\d+s\n", " in <time>\n"),
        (r#"time="\d+\.\d+""#, r#"time="<time>""#),
        (r#"timestamp="[^"]+""#, r#"timestamp="<timestamp>""#),
        (r#"hostname="[^"]+""#, r#"hostname="<host>""#),
        (r#""version": "\d+\.\d+\.\d+""#, r#""version": "<version>""#),
        (r"acs-preflight \d+\.\d+\.\d+", "acs-preflight <version>"),
    ];
    let mut s = s.to_owned();
    for (re, with) in rules {
        s = Regex::new(re).unwrap().replace_all(&s, with).into_owned();
    }
    s
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/snapshots")
        .join(name);
    if std::env::var_os("ACS_PREFLIGHT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (ACS_PREFLIGHT_BLESS=1 makes it)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its snapshot:\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn every_format_on_the_fixtures() {
    for (format, file) in [
        ("human", "fixtures.human.txt"),
        ("json", "fixtures.json"),
        ("sarif", "fixtures.sarif.json"),
        ("junit", "fixtures.junit.xml"),
        ("github", "fixtures.github.txt"),
        ("markdown", "fixtures.md"),
    ] {
        let (code, out) = run(&["check", "--format", format, "fixtures"]);
        assert_eq!(code, 1, "{format}");
        snapshot(file, &normalize(&out));
    }
}

fn sarif_validator() -> jsonschema::Validator {
    // The official 2.1.0 schema's `run.language` pattern has a stray `]` that makes it fail
    // meta-validation; the test uses the intended pattern (two letters, or two-two).
    let text = include_str!("../data/sarif-schema-2.1.0.json").replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$",
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(text: &str) -> Value {
    let log: Value = serde_json::from_str(text).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    log
}

#[test]
fn sarif_is_valid_and_its_rules_come_from_the_registry() {
    let (_, out) = run(&["check", "--format", "sarif", "fixtures"]);
    let log = assert_valid_sarif(&out);
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let registry: Vec<&str> = acs_preflight::Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids, registry);
    assert_eq!(rules[4]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[8]["defaultConfiguration"]["level"], "warning");
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 16);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let sample_rate = results
        .iter()
        .find(|r| r["ruleId"] == "sample-rate")
        .unwrap();
    assert_eq!(
        sample_rate["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/prompt-44k1hz-mono-16bit.wav"
    );
    // A schema violation is caught: the validator is not a rubber stamp.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!sarif_validator().is_valid(&broken));
}

#[test]
fn sarif_points_extracted_urls_at_their_config_line_and_redacts() {
    let server = Server::start(vec![("/a.wav", vec![Reply::status(404)])]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("app settings.json");
    std::fs::write(
        &config,
        format!(
            "{{\n\n  \"Prompt\": \"{}?sp=r&sig=s3cr3t\"\n}}\n",
            server.url("/a.wav")
        ),
    )
    .unwrap();
    let out = cmd()
        .args([
            "check",
            "--allow-private",
            "--format",
            "sarif",
            "--extract-from",
        ])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("s3cr3t"));
    let log = assert_valid_sarif(&text);
    let result = &log["runs"][0]["results"][1];
    assert_eq!(result["ruleId"], "url-http-status");
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startLine"], 3);
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("/app%20settings.json"), "{uri}");
}

#[test]
fn junit_is_valid_against_the_ant_schema() {
    for args in [
        vec!["check", "--format", "junit", "fixtures"],
        vec![
            "check",
            "--format",
            "junit",
            "--fail-on",
            "warning",
            "fixtures/valid",
        ],
    ] {
        let (_, out) = run(&args);
        if let Err(e) = validate_junit(&out) {
            panic!("{e}\n{out}");
        }
    }
    let (_, out) = run(&["check", "--format", "junit", "fixtures"]);
    let doc = roxmltree::Document::parse(&out).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("18"));
    assert_eq!(suite.attribute("failures"), Some("12"));
    let case = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("prompt-16khz-stereo-16bit.wav"))
        .unwrap();
    assert_eq!(case.attribute("classname"), Some("fixtures"));
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("channels"));
    // With fail_on = warning the warned fixture fails too.
    let (_, out) = run(&[
        "check",
        "--format",
        "junit",
        "--fail-on",
        "warning",
        "fixtures",
    ]);
    assert!(out.contains(r#"failures="14""#));
}

#[test]
fn junit_escapes_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("a<b>&\"'\u{1}.wav");
    std::fs::write(&name, b"not audio").unwrap();
    let out = cmd()
        .args(["check", "--format", "junit"])
        .arg(&name)
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml).unwrap();
    assert!(
        xml.contains("a&lt;b&gt;&amp;&quot;&apos;\\x01.wav"),
        "{xml}"
    );
}

#[test]
fn github_annotations_carry_file_and_line() {
    let (_, out) = run(&[
        "check",
        "--format",
        "github",
        "fixtures/prompt-truncated.wav",
    ]);
    assert!(out.starts_with(
        "::error file=fixtures/prompt-truncated.wav,title=acs-preflight malformed::fixtures/prompt-truncated.wav: the data chunk says 6400 bytes"
    ), "{out}");
    assert!(out.contains("%0Ahelp: export the prompt again"));
    let server = Server::start(vec![("/a.wav", vec![Reply::file(valid(100))])]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prompts.yaml");
    std::fs::write(
        &config,
        format!("# prompts\nwelcome: {}\n", server.url("/a.wav")),
    )
    .unwrap();
    let out = cmd()
        .args([
            "check",
            "--allow-private",
            "--format",
            "github",
            "--extract-from",
        ])
        .arg(&config)
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let file = config
        .to_string_lossy()
        .replace(':', "%3A")
        .replace(',', "%2C");
    assert!(
        out.starts_with(&format!(
            "::warning file={file},line=2,title=acs-preflight url-insecure::"
        )),
        "{out}"
    );
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    std::fs::write(&target, "old report").unwrap();
    let out = cmd()
        .args(["check", "--format", "sarif", "--output"])
        .arg(&target)
        .arg("fixtures")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_valid_sarif(&std::fs::read_to_string(&target).unwrap());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("report.sarif")],
        "no temporary file left"
    );
    // Human output to a file has no colour codes even when asked for.
    let human = dir.path().join("report.txt");
    cmd()
        .args(["check", "--color", "always", "--output"])
        .arg(&human)
        .arg("fixtures/prompt-truncated.wav")
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&human).unwrap();
    assert!(
        text.starts_with("fixtures/prompt-truncated.wav: error[malformed]"),
        "{text:?}"
    );
    // A folder that does not exist: exit 2, nothing half-written.
    let out = cmd()
        .args([
            "check",
            "--output",
            "/nonexistent-dir/r.json",
            "fixtures/valid",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write /nonexistent-dir/r.json"));
}

#[test]
fn markdown_summary_lists_flagged_inputs() {
    let (_, out) = run(&["check", "--format", "markdown", "fixtures"]);
    assert!(out.starts_with(
        "### acs-preflight: ❌ failed\n\n18 inputs checked: 4 passed, 2 warned, 12 failed"
    ));
    // Each input once (on the row of its first finding), advice on every row.
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("| `fixtures/"))
            .count(),
        13
    );
    assert!(out.contains(
        "\n|  |  | `extension-mismatch` warning | the name ends in .wav but the content is MP3 \
         with an ID3v2 tag |  | convert it: acs-preflight fix --in-place \
         fixtures/prompt-mp3-renamed.wav |\n"
    ), "{out}");
    let (code, out) = run(&["check", "--format", "markdown", "fixtures/valid"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "### acs-preflight: ✅ passed\n\n2 inputs checked: 2 passed, 0 warned, 0 failed (0 errors, 0 warnings).\n"
    );
}

/// Generated secrets: unique markers around characters that have ended a redaction early
/// before (quotes, escapes, separators, non-ASCII).
struct Secrets {
    rng: fastrand::Rng,
    /// Every signature value and password made, as written.
    values: Vec<String>,
    /// The markers inside them: none may appear in any output.
    markers: Vec<String>,
}

impl Secrets {
    fn marker(&mut self, lead: char) -> String {
        let tail: String = (0..10).map(|_| self.rng.alphanumeric()).collect();
        let marker = format!("{lead}{tail}");
        self.markers.push(marker.clone());
        marker
    }

    /// A signature value; `ascii` keeps it to what a Location header can hold.
    fn signature(&mut self, ascii: bool) -> String {
        let specials = [
            "'",
            "\"",
            "%2B",
            "%3D",
            "%26",
            "%23",
            "%",
            "(",
            ")",
            ";",
            "=",
            "/",
            "?",
            "!",
            "*",
            "+",
            "<",
            ">",
            "\\",
            "\u{e9}",
            "\u{20ac}",
            "\u{1f600}",
            "%E2%82%AC",
        ];
        let mut value = String::new();
        for _ in 0..self.rng.usize(1..4) {
            value.push_str(&self.marker('S'));
            let special = specials[self.rng.usize(..specials.len())];
            if ascii {
                value.push_str(
                    &percent_encoding::utf8_percent_encode(special, percent_encoding::CONTROLS)
                        .to_string()
                        .replace('\u{e9}', "%C3%A9"),
                );
            } else {
                value.push_str(special);
            }
        }
        if ascii {
            value = value
                .chars()
                .map(|c| {
                    if c.is_ascii() {
                        c.to_string()
                    } else {
                        percent_encoding::utf8_percent_encode(
                            &c.to_string(),
                            percent_encoding::NON_ALPHANUMERIC,
                        )
                        .to_string()
                    }
                })
                .collect();
        }
        self.values.push(value.clone());
        value
    }

    /// `sig` with any of its bytes percent-encoded (either hex case) and any letter upper case.
    fn name(&mut self) -> String {
        "sig"
            .chars()
            .map(|c| {
                let c = if self.rng.bool() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                match self.rng.u8(..3) {
                    0 => format!("%{:02X}", c as u8),
                    1 => format!("%{:02x}", c as u8),
                    _ => c.to_string(),
                }
            })
            .collect()
    }

    /// A query with one or two signatures among other SAS fields, in any order.
    fn query(&mut self, ascii: bool) -> String {
        let mut fields = vec![
            "sv=2022-11-02".to_owned(),
            "sp=r".to_owned(),
            "se=2099-01-01".to_owned(),
        ];
        for _ in 0..self.rng.usize(1..3) {
            let field = format!("{}={}", self.name(), self.signature(ascii));
            fields.push(field);
        }
        self.rng.shuffle(&mut fields);
        fields.join("&")
    }

    /// `user:password@`, sometimes.
    fn userinfo(&mut self) -> String {
        if self.rng.u8(..3) == 0 {
            let password = self.marker('P');
            self.values.push(password.clone());
            format!("bob:{password}@")
        } else {
            String::new()
        }
    }

    /// What must not appear: each marker, and each value raw, percent-decoded and encoded.
    fn forbidden(&self) -> Vec<String> {
        let mut all = self.markers.clone();
        for v in &self.values {
            all.push(v.clone());
            all.push(
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned(),
            );
            all.push(
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        all
    }
}

#[test]
fn no_signature_or_password_reaches_any_format_under_any_encoding() {
    let mut secrets = Secrets {
        rng: fastrand::Rng::with_seed(611),
        values: Vec::new(),
        markers: Vec::new(),
    };
    // Redirects whose Location carries a signature (and sometimes credentials).
    let final_server = Server::start(vec![("/final.wav", vec![Reply::status(403)])]);
    let redirects: Vec<(String, String)> = (0..12)
        .map(|i| {
            let location = format!(
                "http://{}127.0.0.1:{}/final.wav?{}",
                secrets.userinfo(),
                final_server.addr.port(),
                secrets.query(true)
            );
            (format!("/r{i}.wav"), location)
        })
        .collect();
    let bounce = Server::start(
        redirects
            .iter()
            .map(|(path, location)| (path.as_str(), vec![Reply::redirect(302, location)]))
            .collect(),
    );
    let mut urls: Vec<String> = redirects.iter().map(|(p, _)| bounce.url(p)).collect();
    for i in 0..120 {
        let userinfo = secrets.userinfo();
        let query = secrets.query(false);
        let fragment = match secrets.rng.u8(..3) {
            0 => String::new(),
            1 => "#t=1".to_owned(),
            _ => {
                let field = format!("{}={}", secrets.name(), secrets.signature(false));
                format!("#x&{field}")
            }
        };
        // Port 1 refuses at once; one URL in five does not parse at all.
        let host = if i % 5 == 0 { "[::1" } else { "127.0.0.1:1" };
        urls.push(format!(
            "http://{userinfo}{host}/p/{i}.wav?{query}{fragment}"
        ));
    }
    // One automaton for the thousands of forbidden strings.
    let forbidden: Vec<String> = secrets
        .forbidden()
        .iter()
        .map(|f| regex::escape(f))
        .collect();
    let forbidden = regex::RegexBuilder::new(&forbidden.join("|"))
        .size_limit(1 << 26)
        .build()
        .unwrap();
    let check = |what: &str, text: &str| {
        if let Some(m) = forbidden.find(text) {
            panic!("{:?} leaked ({what}):\n{text}", m.as_str());
        }
    };
    let formats = [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ];
    for format in formats {
        for allow in [true, false] {
            let mut c = cmd();
            c.args([
                "check",
                "--retries",
                "0",
                "--timeout",
                "5",
                "--format",
                format,
            ]);
            if allow {
                c.arg("--allow-private");
            }
            let out = c.args(&urls).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{format}");
            let (stdout, stderr) = (
                String::from_utf8(out.stdout).unwrap(),
                String::from_utf8(out.stderr).unwrap(),
            );
            assert!(stdout.contains("=REDACTED"), "{format}: {stdout}");
            check(&format!("{format} stdout"), &stdout);
            check(&format!("{format} stderr"), &stderr);
            if format == "json" && allow {
                // The redirects were followed: their signatures reached http.final_url.
                let v: Value = serde_json::from_str(&stdout).unwrap();
                let finals = v["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|r| r["http"]["final_url"].as_str())
                    .filter(|u| u.contains("/final.wav?"))
                    .count();
                assert_eq!(finals, redirects.len(), "{stdout}");
            }
        }
    }
    // Errors on stderr: a file that cannot be read, named like a URL.
    for url in urls.iter().skip(redirects.len()).take(14) {
        let out = cmd().args(["check", "--urls-from", url]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("cannot read"), "{stderr}");
        check("stderr", &stderr);
    }
}

#[test]
fn counts_read_right_in_markdown_and_github() {
    let one = "fixtures/prompt-truncated.wav";
    let (_, md) = run(&["check", "--format", "markdown", one]);
    assert!(
        md.contains("\n1 input checked: 0 passed, 0 warned, 1 failed (1 error, 0 warnings).\n"),
        "{md}"
    );
    let (_, gh) = run(&["check", "--format", "github", one]);
    assert_eq!(
        gh.lines().last(),
        Some("acs-preflight: checked 1 input: 0 passed, 0 warned, 1 failed (1 error, 0 warnings)")
    );
}

/// Warnings on inputs that do not fail reach the JUnit document (the suite's system-out), and
/// a failing input's warnings its failure; the document stays valid.
#[test]
fn junit_keeps_every_warning() {
    let (_, xml) = run(&["check", "--format", "junit", "fixtures"]);
    validate_junit(&xml).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let out = suite
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert_eq!(
        out.text(),
        Some(
            "fixtures/prompt-16khz-mono-16bit-extensible.wav: warning[extensible-header] \
             WAVE_FORMAT_EXTENSIBLE header around PCM; ACS documents plain PCM (format tag 1) \
             only (may cause ACS 400 Play Failed, subcode 8535)\n  help: convert it: \
             acs-preflight fix --in-place fixtures/prompt-16khz-mono-16bit-extensible.wav\n\
             fixtures/ssml/hd-voice.ssml: warning[ssml-hd-voice] line 2: \
             en-US-Ava:DragonHDLatestNeural is an HD voice; Call Automation does not support HD \
             voices, and they time out\n  help: use a standard neural voice (e.g. \
             en-US-AvaNeural)\n"
        )
    );
    let mp3 = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("prompt-mp3-renamed.wav"))
        .unwrap();
    let failure = mp3.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("not-wav"));
    assert!(
        failure
            .text()
            .unwrap()
            .contains("warning[extension-mismatch] the name ends in .wav"),
        "{xml}"
    );
    // Under --fail-on warning the warned input fails: nothing is left for system-out.
    let (_, xml) = run(&[
        "check",
        "--format",
        "junit",
        "--fail-on",
        "warning",
        "fixtures",
    ]);
    assert!(xml.contains("    <system-out/>\n"), "{xml}");
}

/// `--report FORMAT=PATH` writes several formats from one run (each URL fetched once), each
/// equal to what `--format` prints, each through the one write path; stdout keeps `--format`.
#[test]
fn one_run_writes_every_report() {
    let server = Server::start(vec![("/a.wav", vec![Reply::file(valid(100))])]);
    let url = server.url("/a.wav?sv=1&sig=s3cr3t");
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let out = cmd()
        .args(["check", "--allow-private", "--format", "json"])
        .args(["--report", &format!("sarif={}", at("r.sarif"))])
        .args(["--report", &format!("markdown={}", at("r.md"))])
        .args(["--report", &format!("JUNIT={}", at("r.xml"))])
        .args(["--report", &format!("jsonl={}", at("r.jsonl"))])
        .args(["--report", &format!("human={}", at("r.txt"))])
        .args(["fixtures/prompt-truncated.wav", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        server.hits("/a.wav?sv=1&sig=s3cr3t"),
        1,
        "one run, one request"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["checked"], 2);
    let read = |name: &str| std::fs::read_to_string(at(name)).unwrap();
    for name in ["r.sarif", "r.md", "r.xml", "r.jsonl", "r.txt"] {
        let text = read(name);
        assert!(
            !text.contains("s3cr3t") && text.contains("sig=REDACTED"),
            "{name}: {text}"
        );
    }
    assert_valid_sarif(&read("r.sarif"));
    validate_junit(&read("r.xml")).unwrap();
    let alone = |format: &str| {
        let (_, text) = run(&[
            "check",
            "--allow-private",
            "--format",
            format,
            "fixtures/prompt-truncated.wav",
            &url,
        ]);
        normalize(&text)
    };
    assert_eq!(normalize(&read("r.md")), alone("markdown"));
    assert_eq!(normalize(&read("r.txt")), alone("human"));
    let lines: Vec<Value> = read("r.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[..2], json["results"].as_array().unwrap()[..]);
    assert_eq!(lines[2]["summary"], json["summary"]);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 5, "no temporary file left");

    // Each file goes through the one write path: a symlink there is refused, not followed.
    #[cfg(unix)]
    {
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("link.md")).unwrap();
        let out = cmd()
            .args(["check", "--report", &format!("markdown={}", at("link.md"))])
            .arg("fixtures/valid")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }
    // One file named for two reports, or a malformed value: a usage error, nothing written.
    let out = cmd()
        .args([
            "check",
            "-o",
            &at("same"),
            "--report",
            &format!("json={}", at("same")),
        ])
        .arg("fixtures/valid")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is named for two reports"));
    assert!(!dir.path().join("same").exists());
    // The same file written another way (`./`, `sub/..`) is the same file: the first report
    // was silently replaced by the second.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for other in ["./same", "sub/../same", "sub//../same"] {
        let out = cmd()
            .current_dir(dir.path())
            .args(["check", "--report", "json=same", "--report"])
            .arg(format!("sarif={other}"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{other}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is named for two reports"));
        assert!(!dir.path().join("same").exists(), "{other}");
    }
    for bad in ["sarif", "yaml=x.yaml", "json="] {
        let out = cmd()
            .args(["check", "--report", bad, "fixtures/valid"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

/// A long URL is never cut when the report goes to a pipe or a file: shortening is for
/// terminals only (the rule itself is a unit test of the printer).
#[test]
fn long_urls_are_whole_in_pipes_and_files() {
    let query: String = (0..40).map(|i| format!("k{i}=v{i}&")).collect();
    // 127.0.0.1 without --allow-private: refused before any request.
    let url = format!("https://127.0.0.1/prompts/welcome.wav?{query}sig=s3cr3t");
    let shown = url.replace("s3cr3t", "REDACTED");
    let (_, out) = run(&["check", &url]);
    assert!(
        out.starts_with(&format!("{shown}\n  error[url-private]")),
        "{out}"
    );
    assert!(out.contains("no request was sent"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.txt");
    cmd()
        .args(["check", "-o"])
        .arg(&file)
        .arg(&url)
        .output()
        .unwrap();
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with(&format!("{shown}\n")));
}

/// The credentials a prompt URL can carry in its query besides a SAS signature, each with a
/// value no output may hold. One name is percent-encoded (`%70wd` is `pwd`).
const QUERY_SECRETS: [(&str, &str); 8] = [
    ("token", "Tk9fV4lue"),
    ("password", "hunter2xQ"),
    ("api_key", "Ak3yV4lue"),
    ("access_token", "AcC3ssTok"),
    ("code", "C0d3V4lue"),
    ("X-Amz-Signature", "AmzS1gV4l"),
    ("X-Goog-Signature", "GooS1gV4l"),
    ("%70wd", "Pwd3nc0d3"),
];

/// `?token=...&password=...` with the values of [`QUERY_SECRETS`] under `tag` (so each URL's
/// values are its own), and a harmless field.
fn secret_query(tag: &str) -> String {
    let fields: Vec<String> = QUERY_SECRETS
        .iter()
        .map(|(name, value)| format!("{name}={value}{tag}"))
        .collect();
    format!("lang=en&{}", fields.join("&"))
}

#[test]
fn no_query_credential_reaches_any_format() {
    // A prompt that redirects to a copy carrying credentials of its own, which serves a 44.1 kHz
    // WAV (a finding, so that every format names the URL); one with a user name as well (its
    // advice quotes the URL); one refused at once (port 1); one that does not parse.
    let server = Server::start(vec![
        (
            "/welcome.wav",
            vec![Reply::redirect(
                302,
                &format!("/final.wav?{}", secret_query("B")),
            )],
        ),
        (
            "/final.wav",
            vec![Reply::file(crate::support::wav_int(44_100, 1, 16, 800))],
        ),
    ]);
    let port = server.addr.port();
    let urls = [
        format!("http://127.0.0.1:{port}/welcome.wav?{}", secret_query("A")),
        format!(
            "http://bob:Us3rP4ssw0rd@127.0.0.1:{port}/final.wav?{}",
            secret_query("C")
        ),
        format!("http://127.0.0.1:1/refused.wav?{}", secret_query("D")),
        format!("http://[::1/broken.wav?{}", secret_query("E")),
    ];
    // Every value as written; the tags only tell the URLs apart, so the bare value is enough.
    let leaked = |text: &str| {
        QUERY_SECRETS
            .iter()
            .map(|(_, v)| *v)
            .chain(["Us3rP4ssw0rd"])
            .find(|v| text.contains(v))
    };
    let check = |what: &str, stdout: &str, stderr: &str, names_shown: bool| {
        for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
            if let Some(v) = leaked(text) {
                panic!("{v} leaked in {what} {stream}:\n{text}");
            }
        }
        if names_shown {
            for (name, _) in QUERY_SECRETS {
                // GitHub's workflow commands write `%` as `%25`.
                let escaped = name.replace('%', "%25");
                assert!(
                    stdout.contains(&format!("{name}=REDACTED"))
                        || stdout.contains(&format!("{escaped}=REDACTED")),
                    "{what}: no {name}=REDACTED in\n{stdout}"
                );
            }
            assert!(stdout.contains("lang=en"), "{what}: {stdout}");
        }
    };
    for format in [
        "human", "json", "jsonl", "sarif", "junit", "github", "markdown",
    ] {
        let (code, stdout, stderr) = crate::support::run(
            cmd()
                .args([
                    "check",
                    "--allow-private",
                    "--retries",
                    "0",
                    "--timeout",
                    "5",
                    "--format",
                    format,
                ])
                .args(&urls),
        );
        assert_eq!(code, 1, "{format}");
        check(format, &stdout, &stderr, true);
        if format == "json" {
            // The redirect was followed: its target, credentials hidden, is the final URL.
            let v: Value = serde_json::from_str(&stdout).unwrap();
            let finals: Vec<&str> = v["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r["http"]["final_url"].as_str())
                .collect();
            assert!(
                finals.contains(
                    &format!("http://127.0.0.1:{port}/final.wav?{}", redacted_query()).as_str()
                ),
                "{finals:?}"
            );
        }
    }
    // The server got the credentials as written: only what is shown changes.
    let seen = server.seen(&format!("/final.wav?{}", secret_query("B")));
    assert!(
        !seen.is_empty(),
        "the redirect target was not requested as written"
    );
    for format in ["human", "json"] {
        let (code, stdout, stderr) = crate::support::run(
            cmd()
                .args(["check", "--dump", "--format", format])
                .args(&urls),
        );
        assert_eq!(code, 0, "--dump {format}");
        check(&format!("--dump {format}"), &stdout, &stderr, true);
    }
    // Error messages on stderr: a list file named like the URL cannot be read.
    for url in &urls {
        let out = cmd().args(["check", "--urls-from", url]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("cannot read"), "{stderr}");
        check("--urls-from", "", &stderr, false);
        for (name, _) in QUERY_SECRETS {
            assert!(stderr.contains(&format!("{name}=REDACTED")), "{stderr}");
        }
    }
}

/// [`secret_query`] as shown: every value [`REDACTED`].
fn redacted_query() -> String {
    let fields: Vec<String> = QUERY_SECRETS
        .iter()
        .map(|(name, _)| format!("{name}=REDACTED"))
        .collect();
    format!("lang=en&{}", fields.join("&"))
}
