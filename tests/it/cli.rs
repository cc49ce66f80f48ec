//! The binary as a user runs it: output formats, exit codes, colour, the rule catalog, and the
//! README kept true.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

fn stdout(c: &mut Command) -> (i32, String, String) {
    crate::support::run(c)
}

#[test]
fn human_report_on_the_fixtures() {
    let (code, out, err) = stdout(cmd().args(["check", "fixtures"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "", "nothing on stderr when it is not a terminal");
    assert!(out.contains(
        "fixtures/prompt-44k1hz-mono-16bit.wav: error[sample-rate] 44100 Hz; ACS plays 16000 Hz only (ACS 400 Play Failed, subcode 8535)\n"
    ), "{out}");
    assert!(out
        .contains("fixtures/prompt-16khz-mono-16bit-extensible.wav: warning[extensible-header] "));
    assert!(out.contains(
        "  help: convert it: acs-preflight fix --in-place fixtures/prompt-16khz-stereo-16bit.wav\n"
    ));
    assert!(
        !out.contains("fixtures/valid/"),
        "passing files are not listed"
    );
    let lines: Vec<&str> = out.lines().collect();
    let verdict = lines[lines.len() - 2];
    assert!(
        verdict.starts_with(
            "FAIL checked 18 inputs: 4 passed, 2 warned, 12 failed (13 errors, 3 warnings) in "
        ),
        "{verdict}"
    );
    assert_eq!(
        lines[lines.len() - 1],
        "2 skipped, 0 excluded (--verbose lists them); no config file"
    );
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn exit_codes() {
    assert_eq!(stdout(cmd().args(["check", "fixtures/valid"])).0, 0);
    // Warnings alone do not fail.
    let (code, out, _) =
        stdout(cmd().args(["check", "fixtures/prompt-16khz-mono-16bit-extensible.wav"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("fixtures/prompt-16khz-mono-16bit-extensible.wav: warning"));
    assert!(out
        .lines()
        .nth_back(1)
        .unwrap()
        .starts_with("WARN checked 1 input: 0 passed, 1 warned"));
    assert_eq!(
        stdout(cmd().args(["check", "fixtures/prompt-truncated.wav"])).0,
        1
    );
    // Could not run: no inputs, bad flags, nothing to check.
    let (code, _, err) = stdout(cmd().arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("no inputs"), "{err}");
    assert_eq!(
        stdout(cmd().args(["check", "--format", "xml", "fixtures"])).0,
        2
    );
    assert_eq!(
        stdout(cmd().args(["check", "--jobs", "0", "fixtures"])).0,
        2
    );
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = stdout(cmd().arg("check").arg(empty.path()));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.starts_with("acs-preflight: error: no prompt files found in "),
        "{err}"
    );
    // A folder of code holds its prompts as URLs and SSML strings: the way to them is named.
    assert!(err.contains("use --extract-from"), "{err}");
    // A missing path named on the command line is a typo: a usage error, as in ripgrep.
    let (code, out, err) = stdout(cmd().args(["check", "fixtures/valid", "no-such.wav"]));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("no-such.wav: no such file or folder"), "{err}");
}

#[test]
fn json_report_is_stable_and_complete() {
    let (code, out, _) = stdout(cmd().args(["check", "--format", "json", "fixtures"]));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 18);
    let stereo = results
        .iter()
        .find(|r| r["input"] == "fixtures/prompt-16khz-stereo-16bit.wav")
        .unwrap();
    assert_eq!(stereo["status"], "fail");
    assert_eq!(
        stereo["audio"],
        serde_json::json!({
            "container": "wav", "codec": "pcm_s16le", "sample_rate": 16000, "channels": 2,
            "bits_per_sample": 16, "duration_ms": 200, "size_bytes": 12844,
            "peak_dbfs": null, "true_peak_dbtp": null, "rms_dbfs": null, "loudness_lufs": null,
            "leading_silence_ms": null, "trailing_silence_ms": null
        })
    );
    let f = &stereo["findings"][0];
    assert_eq!(f["rule"], "channels");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["message"], "2 channels (stereo); ACS plays mono only");
    assert_eq!(
        f["acs"],
        serde_json::json!({"action": "play", "code": 400, "message": "Play Failed", "subcode": 8535})
    );
    assert_eq!(
        f["advice"],
        "convert it: acs-preflight fix --in-place fixtures/prompt-16khz-stereo-16bit.wav"
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"checked": 18, "passed": 4, "warned": 2, "failed": 12, "errors": 13, "warnings": 3, "skipped": 2, "excluded": 0, "ignored": 0})
    );
    assert_eq!(v["config"], Value::Null, "no config file was read");
    let valid = results.iter().find(|r| r["status"] == "pass").unwrap();
    assert_eq!(valid["findings"], serde_json::json!([]));
    // Warnings that ACS is not expected to fail on carry a null prediction.
    let mp3 = results
        .iter()
        .find(|r| r["input"] == "fixtures/prompt-mp3-renamed.wav")
        .unwrap();
    assert_eq!(mp3["findings"][1]["rule"], "extension-mismatch");
    assert_eq!(mp3["findings"][1]["acs"], Value::Null);
    // The same whatever the thread count.
    let (_, one, _) = stdout(cmd().args(["check", "--format", "json", "-j", "1", "fixtures"]));
    let (_, four, _) = stdout(cmd().args(["check", "--format", "json", "--jobs", "4", "fixtures"]));
    assert_eq!(one, out);
    assert_eq!(four, out);
}

#[test]
fn action_recognize_predicts_8511() {
    let (_, out, _) = stdout(cmd().args([
        "check",
        "--format",
        "json",
        "--action",
        "recognize",
        "fixtures/prompt-16khz-mono-8bit.wav",
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["results"][0]["findings"][0]["acs"],
        serde_json::json!({"action": "recognize", "code": 500, "message": "Recognize Failed", "subcode": 8511})
    );
}

#[test]
fn allow_mp3_flag() {
    let (code, out, _) =
        stdout(cmd().args(["check", "--allow-mp3", "fixtures/prompt-mp3-renamed.wav"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[extension-mismatch]"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_, out, _) = stdout(cmd().args([
        "check",
        "--color",
        "always",
        "fixtures/prompt-truncated.wav",
    ]));
    assert!(out.contains("\x1b[1m"), "{out:?}");
    assert!(
        out.contains("\x1b[1m\x1b[31merror[malformed]") || out.contains("\x1b[31m\x1b[1merror"),
        "{out:?}"
    );
    let (_, out, _) =
        stdout(cmd().args(["check", "--color", "never", "fixtures/prompt-truncated.wav"]));
    assert!(!out.contains('\x1b'));
    // NO_COLOR wins over a forced terminal check under auto.
    let (_, out, _) = stdout(
        cmd()
            .env("NO_COLOR", "1")
            .env("CLICOLOR_FORCE", "1")
            .args(["check", "fixtures/prompt-truncated.wav"]),
    );
    assert!(!out.contains('\x1b'));
}

#[test]
fn rules_catalog() {
    let (code, out, _) = stdout(cmd().args(["rules", "--format", "json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let registry: Vec<&str> = acs_preflight::Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids, registry);
    assert_eq!(v[1]["id"], "not-wav");
    assert_eq!(v[1]["severity"], "error");
    assert_eq!(v[1]["acs"]["play"]["subcode"], 8535);
    assert_eq!(v[1]["acs"]["recognize"]["subcode"], 8511);
    assert!(v[1]["advice"].is_string());

    let (code, out, _) = stdout(cmd().arg("rules"));
    assert_eq!(code, 0);
    assert!(out.starts_with("unreadable           error    play: 400 Play Failed / 8536; recognize: 500 Recognize Failed / 8511\n"), "{out}");
    assert_eq!(out.lines().count(), 3 * registry.len());
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The README and every page under docs/, which it links.
fn readme_and_docs() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = readme();
    let mut pages: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 3, "{pages:?}");
    for page in pages {
        text.push_str(&std::fs::read_to_string(page).unwrap());
    }
    text
}

#[test]
fn links_between_the_readme_and_docs_lead_somewhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let link = regex::Regex::new(r"\]\(([^)#:]+)(#[^)]*)?\)").unwrap();
    let mut pages = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        pages.push(e.unwrap().path());
    }
    let mut followed = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for m in link.captures_iter(&text) {
            let target = page.parent().unwrap().join(&m[1]);
            assert!(
                target.exists(),
                "{} links {}, which does not exist",
                page.display(),
                &m[1]
            );
            followed += 1;
        }
    }
    assert!(followed >= 5, "{followed}");
}

#[test]
fn readme_rule_table_is_the_registry() {
    let (_, table, _) = stdout(cmd().args(["rules", "--format", "markdown"]));
    let readme = readme();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("rules:start marker")
        + 21;
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    assert_eq!(
        &readme[start..end],
        table,
        "README rule table is stale: paste `acs-preflight rules --format markdown` between the markers"
    );
}

#[test]
fn every_flag_the_readme_names_exists() {
    let readme = readme_and_docs();
    let (_, check_help, _) = stdout(cmd().args(["check", "--help"]));
    let (_, rules_help, _) = stdout(cmd().args(["rules", "--help"]));
    let (_, fix_help, _) = stdout(cmd().args(["fix", "--help"]));
    let help = format!("{check_help}{rules_help}{fix_help}");
    let mut named = 0;
    for word in readme.split(|c: char| c.is_whitespace() || "`|()[],".contains(c)) {
        let flag = word.split('=').next().unwrap();
        if flag.starts_with("--")
            && flag[2..].starts_with(|c: char| c.is_ascii_lowercase())
            && flag[2..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-')
        {
            // Other tools' flags: cargo's in the README's commands, lychee's in the benchmark.
            if [
                "--release",
                "--no-default-features",
                "--bench",
                "--test",
                "--path",
                "--all-targets",
                "--target",
                // hyperfine's, in the benchmark commands.
                "--warmup",
                "--runs",
                "--root",
                "--offline",
                "--no-deps",
                "--check",
                "--locked",
                "--git",
                "--fuzz-dir",
                // lame's, in the fuzz seeding commands.
                "--quiet",
                // lychee's, in the benchmark table.
                "--max-concurrency",
                "--host-concurrency",
                "--host-request-interval",
            ]
            .contains(&flag)
            {
                continue;
            }
            named += 1;
            assert!(
                help.contains(flag),
                "README names {flag}, which `--help` does not know"
            );
        }
    }
    assert!(named >= 6, "found only {named} flags in the README");
    // Every output format and exit code the README names exists too.
    for format in ["human", "json"] {
        assert!(check_help.contains(format));
    }
    for code in ["| 0 |", "| 1 |", "| 2 |"] {
        assert!(readme.contains(code), "README exit code table lacks {code}");
    }
}

mod urls {
    use super::*;
    use crate::server::{Reply, Server};
    use crate::support::valid;

    #[test]
    fn extract_from_config_reports_each_url_once_with_every_source() {
        let server = Server::start(vec![
            ("/a.wav", vec![Reply::file(valid(100))]),
            ("/b.wav", vec![Reply::status(404)]),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("appsettings.json");
        std::fs::write(
            &config,
            format!(
                "{{\n  \"Welcome\": \"{a}\",\n  \"Missing\": \"{b}\",\n  \"Again\": \"{a}\",\n  \"Docs\": \"https://example.invalid/docs\"\n}}\n",
                a = server.url("/a.wav"),
                b = server.url("/b.wav")
            ),
        )
        .unwrap();
        let (code, out, err) = stdout(
            cmd()
                .args([
                    "check",
                    "--allow-private",
                    "--format",
                    "json",
                    "--extract-from",
                ])
                .arg(&config),
        );
        assert_eq!(code, 1, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let results = v["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        let file = config.to_string_lossy().into_owned();
        assert_eq!(results[0]["input"], server.url("/a.wav"));
        assert_eq!(
            results[0]["sources"],
            serde_json::json!([{"file": file, "line": 2}, {"file": file, "line": 4}])
        );
        assert_eq!(results[0]["status"], "warn");
        assert_eq!(results[0]["http"]["status"], 206);
        assert_eq!(results[1]["findings"][1]["rule"], "url-http-status");
        assert_eq!(server.hits("/a.wav"), 1, "a duplicate is fetched once");

        let (_, out, _) = stdout(
            cmd()
                .args(["check", "--allow-private", "--extract-from"])
                .arg(&config),
        );
        // The URL once, on its own line; where it was found once; each finding with its advice.
        assert!(
            out.contains(&format!(
                "{}\n  from {file}:3\n  warning[url-insecure] plain http: the prompt travels \
                 unencrypted and can be altered on the way\n    help: serve the prompt over \
                 https\n  error[url-http-status] the server answers 404 Not Found",
                server.url("/b.wav"),
            )),
            "{out}"
        );
        let a = server.url("/a.wav");
        assert_eq!(out.lines().filter(|l| l.contains(&a)).count(), 1, "{out}");
        assert!(
            out.contains(&format!("{a}\n  from {file}:2, {file}:4\n")),
            "{out}"
        );
    }

    #[test]
    fn urls_from_stdin_and_mixed_inputs_keep_their_order() {
        let server = Server::start(vec![("/x.wav", vec![Reply::file(valid(100))])]);
        let (code, out, err) = stdout(
            cmd()
                .args([
                    "check",
                    "--allow-private",
                    "--format",
                    "json",
                    "--urls-from",
                    "-",
                    "fixtures/valid",
                ])
                .arg(server.url("/x.wav?direct"))
                .write_stdin(format!("# prompts\n\n{}\n", server.url("/x.wav"))),
        );
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let inputs: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["input"].as_str().unwrap())
            .collect();
        assert_eq!(
            inputs,
            vec![
                "fixtures/valid/prompt-16khz-mono-16bit-list-chunk.wav",
                "fixtures/valid/prompt-16khz-mono-16bit.wav",
                &server.url("/x.wav?direct"),
                &server.url("/x.wav"),
            ]
        );
        assert_eq!(
            v["results"][3]["sources"],
            serde_json::json!([{"file": "<stdin>", "line": 3}])
        );
        assert_eq!(v["results"][0]["http"], Value::Null);
    }

    #[test]
    fn loopback_urls_need_allow_private() {
        let server = Server::start(vec![("/x.wav", vec![Reply::file(valid(100))])]);
        let (code, out, _) = stdout(cmd().arg("check").arg(server.url("/x.wav")));
        assert_eq!(code, 1);
        assert!(out.contains("error[url-private] 127.0.0.1 is loopback (127.0.0.0/8); ACS cannot reach it, and no request was sent"), "{out}");
        assert_eq!(server.connections(), 0);
    }

    #[test]
    fn setup_problems_with_url_sources_exit_2() {
        let (code, _, err) = stdout(cmd().args(["check", "--extract-from", "no-such-config.json"]));
        assert_eq!(code, 2);
        assert!(err.contains("cannot read no-such-config.json"), "{err}");
        let (code, _, err) =
            stdout(cmd().args(["check", "--url-pattern", "(", "--extract-from", "README.md"]));
        assert_eq!(code, 2);
        assert!(
            err.contains("--url-pattern <REGEX>': not a valid regular expression"),
            "{err}"
        );
        let (code, _, err) = stdout(cmd().args(["check", "--timeout", "0", "fixtures"]));
        assert_eq!(code, 2, "{err}");
    }

    #[test]
    fn sas_signatures_never_reach_stdout_or_stderr() {
        let server = Server::start(vec![
            ("/ok.wav", vec![Reply::file(valid(100))]),
            (
                "/hop.wav",
                vec![Reply::redirect(
                    302,
                    "/forbidden.wav?sv=1&sp=r&se=2099-01-01&sig=s3cr3tHOP",
                )],
            ),
            (
                "/forbidden.wav",
                vec![Reply::with_headers(
                    403,
                    &[("x-ms-error-code", "AuthenticationFailed")],
                    b"",
                )],
            ),
            ("/silent.wav", vec![Reply::Silent { for_ms: 5_000 }]),
            ("/reset.wav", vec![Reply::Reset]),
        ]);
        let sig = "sv=2022-11-02&sr=b&sp=r&se=2099-01-01T00:00:00Z&sig=s3cr3t%2BSIG%3D";
        let urls = [
            format!("{}?{sig}", server.url("/ok.wav")),
            format!("{}?{sig}", server.url("/hop.wav")),
            format!("{}?{sig}", server.url("/silent.wav")),
            format!("{}?{sig}", server.url("/reset.wav")),
            format!("http://127.0.0.1:1/refused.wav?{sig}"),
            format!("{}?se=2001-01-01&sp=w&sig=s3cr3tOLD", server.url("/ok.wav")),
            "https://[::1/broken.wav?sig=s3cr3tBAD".to_owned(),
        ];
        for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
            for allow in [true, false] {
                let mut c = cmd();
                c.args([
                    "check",
                    "--timeout",
                    "1",
                    "--retries",
                    "1",
                    "--format",
                    format,
                ]);
                if allow {
                    c.arg("--allow-private");
                }
                let (code, out, err) = stdout(c.args(&urls));
                assert_eq!(code, 1);
                assert!(out.contains("sig=REDACTED"), "{format}: {out}");
                for text in [&out, &err] {
                    assert!(
                        !text.contains("s3cr3t"),
                        "signature leaked ({format}):\n{text}"
                    );
                }
            }
        }
    }
}

/// The fenced blocks of a language in the README.
fn readme_blocks(lang: &str) -> Vec<String> {
    let readme = readme();
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn readme_ci_yaml_parses_and_runs_real_commands() {
    use yaml_rust2::YamlLoader;
    let blocks = readme_blocks("yaml");
    assert_eq!(
        blocks.len(),
        4,
        "GitHub Actions, Azure Pipelines, pre-commit, pre-commit (local)"
    );
    let docs: Vec<_> = blocks
        .iter()
        .map(|b| {
            YamlLoader::load_from_str(b)
                .unwrap_or_else(|e| panic!("{e}\n{b}"))
                .remove(0)
        })
        .collect();
    let gh = &docs[0]["jobs"]["acs-preflight"];
    assert_eq!(gh["runs-on"].as_str(), Some("ubuntu-latest"));
    // The recipe uses this repository's action, with inputs it declares and flags that exist.
    let step = gh["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("your-org/acs-preflight@"))
        })
        .expect("a step using the action");
    let with: Vec<(String, String)> = step["with"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let with: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(crate::action::action_accepts(&with), "{with:?}");
    let runs: Vec<&str> = Vec::new();
    let azure = docs[1]["steps"].as_vec().unwrap();
    assert!(azure
        .iter()
        .any(|s| s["task"].as_str() == Some("PublishTestResults@2")));
    assert_eq!(
        docs[2]["repos"][0]["hooks"][0]["id"].as_str(),
        Some("acs-preflight")
    );
    // The local hook runs what the shipped hook runs, on the same files.
    let shipped = YamlLoader::load_from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        )
        .unwrap(),
    )
    .unwrap()
    .remove(0);
    let local = &docs[3]["repos"][0]["hooks"][0];
    for key in ["id", "entry", "files"] {
        assert_eq!(local[key].as_str(), shipped[0][key].as_str(), "{key}");
    }
    // The commands they run are accepted by this build (with a stand-in prompts folder).
    for line in runs.iter().chain(
        azure
            .iter()
            .filter_map(|s| s["script"].as_str())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        let Some(cmdline) = line.strip_prefix("acs-preflight ") else {
            continue;
        };
        let args = shlex::split(cmdline.split(" >>").next().unwrap()).expect("a command line");
        let out = Command::cargo_bin("acs-preflight")
            .unwrap()
            .args(&args)
            .arg("--help")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn pre_commit_hook_definition() {
    use yaml_rust2::YamlLoader;
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let hook = &doc[0];
    assert_eq!(hook["id"].as_str(), Some("acs-preflight"));
    // pre-commit names every staged file: the config's exclude must apply to them.
    assert_eq!(
        hook["entry"].as_str(),
        Some("acs-preflight check --force-exclude --")
    );
    // `--` ends the options: a staged file named `-okeep.wav` is a file to check, never the
    // `-o` that would overwrite keep.wav with the report.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.wav"), b"mine").unwrap();
    std::fs::write(dir.path().join("-okeep.wav"), crate::support::valid(100)).unwrap();
    let out = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(hook["entry"].as_str().unwrap().split(' ').skip(1))
        .arg("-okeep.wav")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read(dir.path().join("keep.wav")).unwrap(), b"mine");
    assert!(String::from_utf8_lossy(&out.stdout).contains("checked 1 input"));
    // pre-commit installs the Python package (pyproject.toml) rather than compiling with cargo.
    assert_eq!(hook["language"].as_str(), Some("python"));
    let pattern = hook["files"].as_str().unwrap();
    // One extension list: the hook's is the walk's, exactly, and SSML prompts (`.ssml`; not
    // `.xml`, which names config files too: a staged one would be checked as a prompt).
    let listed: Vec<&str> = pattern
        .trim_start_matches("(?i)\\.(")
        .trim_end_matches(")$")
        .split('|')
        .collect();
    let mut expected = acs_preflight::AUDIO_EXTENSIONS.to_vec();
    expected.push("ssml");
    assert_eq!(listed, expected, "{pattern}");
    let files = regex::Regex::new(pattern).unwrap();
    for name in acs_preflight::AUDIO_EXTENSIONS {
        assert!(
            files.is_match(&format!("prompts/x.{}", name.to_uppercase())),
            "{name}"
        );
    }
    assert!(files.is_match("prompts/hold.SSML"));
    assert!(!files.is_match("README.md"));
    assert!(!files.is_match("web.config.xml"));
}

#[test]
fn readme_config_example_is_accepted() {
    // The config example (the other TOML block is a Cargo.toml dependency).
    let blocks: Vec<String> = readme_blocks("toml")
        .into_iter()
        .filter(|b| b.starts_with("# acs-preflight.toml"))
        .collect();
    assert_eq!(blocks.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acs-preflight.toml");
    std::fs::write(&path, &blocks[0]).unwrap();
    let (code, _, err) = stdout(
        cmd()
            .args(["check", "--config"])
            .arg(&path)
            .arg("fixtures/valid"),
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn readme_quick_start_output_is_what_the_tool_prints() {
    let readme = readme();
    let start = readme
        .find("```text\nfixtures/")
        .expect("the Quick start output block")
        + "```text\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let (code, out, _) = stdout(cmd().args(["check", "fixtures"]));
    assert_eq!(code, 1);
    let time = regex::Regex::new(r" in \d+\.\d+s").unwrap();
    assert_eq!(
        time.replace_all(&readme[start..end], " in <t>"),
        time.replace_all(&out, " in <t>"),
        "the README's Quick start output is stale"
    );
}

/// `check --format json --output REPORT fixtures/valid` under the given umask.
#[cfg(unix)]
fn check_to(umask: &str, report: &Path) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_acs-preflight"))
        .args(["check", "--format", "json", "--output"])
        .arg(report)
        .arg("fixtures/valid")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn output_keeps_a_reports_permissions_and_a_new_one_gets_the_umask_default() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.json");
    assert_eq!(check_to("027", &new).status.code(), Some(0));
    assert_eq!(mode(&new), 0o640);
    let existing = dir.path().join("report.json");
    std::fs::write(&existing, "old").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(check_to("077", &existing).status.code(), Some(0));
    assert_eq!(mode(&existing), 0o644, "kept, whatever the umask");
    assert!(std::fs::read_to_string(&existing).unwrap().starts_with('{'));
}

#[cfg(unix)]
#[test]
fn output_is_never_written_through_a_symlink_over_a_folder_or_over_a_leftover() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("victim"), "keep me").unwrap();
    symlink("victim", d.join("linked.json")).unwrap();
    symlink("home/.bashrc", d.join("dangling.json")).unwrap();
    std::fs::create_dir(d.join("folder.json")).unwrap();
    std::fs::write(d.join(".left.json.acs-preflight-tmp"), "partial").unwrap();
    let shown = d.to_string_lossy();
    for (name, why) in [
        (
            "linked.json",
            "is a symlink (never written through or replaced)",
        ),
        (
            "dangling.json",
            "is a symlink (never written through or replaced)",
        ),
        ("folder.json", "is a folder"),
    ] {
        let out = check_to("022", &d.join(name));
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!("acs-preflight: error: {shown}/{name} {why}\n")
        );
    }
    let out = check_to("022", &d.join("left.json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains(&format!(
        "error: {shown}/.left.json.acs-preflight-tmp is in the way: a temporary file left by a killed run"
    )));
    assert_eq!(std::fs::read(d.join("victim")).unwrap(), b"keep me");
    assert!(!d.join("home").exists());
    assert!(std::fs::symlink_metadata(d.join("linked.json"))
        .unwrap()
        .is_symlink());
    assert_eq!(
        std::fs::read(d.join(".left.json.acs-preflight-tmp")).unwrap(),
        b"partial"
    );
    assert_eq!(
        crate::support::names(d),
        vec![
            ".left.json.acs-preflight-tmp",
            "dangling.json",
            "folder.json",
            "linked.json",
            "victim"
        ],
        "nothing written"
    );
}

/// The Robustness section's promises name the tests that hold them: every one must exist.
#[test]
fn readme_robustness_promises_name_real_tests() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ROBUSTNESS.md"))
            .unwrap();
    let start = readme.find("## On an untrusted repository").unwrap();
    let end = start + readme[start..].find("## Fuzzing").unwrap();
    let mut sources = String::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every .rs file under src/ and tests/it/.
    let mut dirs = vec![root.join("src"), root.join("tests/it")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let names = regex::Regex::new(r"`((?:[a-z_]+::)+[A-Za-z0-9_]+)`").unwrap();
    let mut named = 0;
    for line in readme[start..end].lines().filter(|l| l.starts_with("| ")) {
        let held_by = line.rsplit(" | ").next().unwrap();
        for m in names.captures_iter(held_by) {
            let test = m[1].rsplit("::").next().unwrap();
            assert!(
                sources.contains(&format!("fn {test}(")),
                "README names the test {}, which does not exist",
                &m[1]
            );
            named += 1;
        }
    }
    assert!(named >= 25, "only {named} tests named");
}

#[test]
fn a_system_error_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-folder/report.json");
    let (code, out, err) = stdout(
        cmd()
            .args(["check", "--format", "json", "fixtures/valid", "-o"])
            .arg(&target),
    );
    assert_eq!(code, 2);
    assert_eq!(out, "");
    // Said once, before the run: the folder is checked before anything is checked.
    assert_eq!(err.matches("does not exist").count(), 1, "{err}");
    assert!(
        err.starts_with("acs-preflight: error: cannot write "),
        "{err}"
    );
}

/// Every fenced block of the README, with its info string.
fn readme_fences() -> Vec<(String, String)> {
    let readme = readme();
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let mut body = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            out.push((info.to_owned(), body));
        }
    }
    out
}

/// Every code block in the README is run or parsed: Rust by the doc tests (src/lib.rs includes
/// the README), YAML and the Quick start output by their own tests, and here JSON and TOML by
/// their parsers and every `acs-preflight` command line by the real argument parser.
#[test]
fn every_readme_code_block_is_run_or_parsed() {
    let fences = readme_fences();
    let mut commands = 0;
    for (info, body) in &fences {
        match info.as_str() {
            "json" => {
                serde_json::from_str::<serde_json::Value>(body)
                    .unwrap_or_else(|e| panic!("README JSON block: {e}\n{body}"));
            }
            "toml" => {
                toml::from_str::<toml::Table>(body)
                    .unwrap_or_else(|e| panic!("README TOML block: {e}\n{body}"));
            }
            "sh" | "text" => {
                for line in body.lines() {
                    let line = line.split("  #").next().unwrap().trim();
                    let Some(args) = line.strip_prefix("acs-preflight ") else {
                        continue;
                    };
                    // The synopsis lines show shapes, not commands.
                    if args.contains('[') || args.contains(" | ") || args.contains('(') {
                        continue;
                    }
                    let words = shlex::split(args).expect("a shell command line");
                    let (code, _, err) = stdout(cmd().args(&words).arg("--help"));
                    assert_eq!(code, 0, "README command `{line}` does not parse: {err}");
                    commands += 1;
                }
            }
            // Python blocks run in .ci/python.sh (python/tests/test_readme.py).
            "yaml" | "rust" | "rust,no_run" | "python" => {}
            other => panic!("README block of kind `{other}` is neither run nor parsed by a test"),
        }
    }
    assert!(commands >= 2, "{commands}");
    // The JSON example is what the tool prints for that file, exactly.
    let (_, example) = fences.iter().find(|(i, _)| i == "json").unwrap();
    let example: serde_json::Value = serde_json::from_str(example).unwrap();
    let input = example["results"][0]["input"].as_str().unwrap();
    let (_, real, _) = stdout(cmd().args(["check", "--format", "json", input]));
    let real: serde_json::Value = serde_json::from_str(&real).unwrap();
    assert_eq!(example, real, "the README's JSON example is stale");
}

/// The fix report's fields, as the README lists them, are the fields `fix --format json` writes.
#[test]
fn readme_fix_json_fields_are_the_real_ones() {
    let readme = readme();
    let line = readme
        .lines()
        .find(|l| l.starts_with("| `--format human\\|json` | the report (JSON:"))
        .expect("the fix format row");
    let names = regex::Regex::new(r#""([a-z_]+)""#).unwrap();
    let listed: Vec<&str> = names
        .captures_iter(line)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let out = tempfile::tempdir().unwrap();
    let (_, json, _) = stdout(
        cmd()
            .args(["fix", "--dry-run", "--format", "json", "--out"])
            .arg(out.path())
            .arg("fixtures"),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let result: Vec<&str> = v["results"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut real = vec![top[0], top[1]];
    real.extend(&result);
    real.extend(&top[2..]);
    assert_eq!(listed, real);
}
/// `--verbose` lists passing inputs and what the walk skipped or excluded, with the reason, in
/// walk order; the summary counts them and names the config file, in the human report and in
/// JSON.
#[test]
fn verbose_lists_passing_and_skipped_and_the_summary_names_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("prompts/drafts")).unwrap();
    std::fs::write(
        root.join("prompts/drafts/new.wav"),
        crate::support::valid(100),
    )
    .unwrap();
    std::fs::write(root.join("prompts/notes.txt"), "x").unwrap();
    std::fs::write(root.join("prompts/ok.wav"), crate::support::valid(100)).unwrap();
    std::fs::write(root.join("acs-preflight.toml"), "exclude = [\"drafts\"]\n").unwrap();
    let run = |args: &[&str]| {
        let mut c = cmd();
        c.current_dir(root)
            .args(["check"])
            .args(args)
            .arg("prompts");
        stdout(&mut c)
    };
    let (code, out, err) = run(&["--verbose"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "prompts/ok.wav: pass",
            "prompts/drafts: excluded (matches drafts)",
            "prompts/notes.txt: skipped (not an audio file extension)",
        ],
        "{out}"
    );
    assert!(
        lines[3].starts_with("PASS checked 1 input: 1 passed,"),
        "{out}"
    );
    // The file found in the working folder, as found.
    let config = "acs-preflight.toml";
    assert_eq!(lines[4], format!("1 skipped, 1 excluded; config: {config}"));
    assert_eq!(lines.len(), 5, "{out}");
    // Without --verbose: only the counts, and where to see more.
    let (_, out, _) = run(&[]);
    assert_eq!(
        out.lines().last(),
        Some(format!("1 skipped, 1 excluded (--verbose lists them); config: {config}").as_str())
    );
    assert!(!out.contains("ok.wav"), "{out}");
    let (_, out, _) = run(&["--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["config"], config);
    assert_eq!(v["summary"]["skipped"], 1);
    assert_eq!(v["summary"]["excluded"], 1);
}

/// Under `--fail-on warning` the summary says why a run with no failed input exits 1.
#[test]
fn fail_on_warning_says_why_the_run_fails() {
    let file = "fixtures/prompt-16khz-mono-16bit-extensible.wav";
    let (code, out, _) = stdout(cmd().args(["check", "--fail-on", "warning", file]));
    assert_eq!(code, 1);
    let verdict = out.lines().nth_back(1).unwrap();
    assert!(
        verdict.starts_with(
            "FAIL: 1 warning (--fail-on warning); checked 1 input: 0 passed, 1 warned, 0 failed (0 errors, 1 warning) in "
        ),
        "{out}"
    );
    let (code, out, _) = stdout(cmd().args([
        "check",
        "--fail-on",
        "warning",
        "--format",
        "markdown",
        file,
    ]));
    assert_eq!(code, 1);
    assert!(
        out.starts_with("### acs-preflight: ❌ failed: 1 warning (--fail-on warning)\n"),
        "{out}"
    );
    // Without it, the same input passes with a warning.
    let (code, out, _) = stdout(cmd().args(["check", file]));
    assert_eq!(code, 0);
    assert!(
        out.lines().nth_back(1).unwrap().starts_with("WARN checked"),
        "{out}"
    );
}

/// Each `write` the binary makes to its standard output, counted: the output is a datagram
/// socket, where every write arrives as one message. Returns the messages' sizes.
#[cfg(unix)]
fn writes_to_stdout(args: &[&std::ffi::OsStr]) -> Vec<usize> {
    use std::os::unix::net::UnixDatagram;
    let (theirs, ours) = UnixDatagram::pair().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("acs-preflight"))
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .stdout(std::process::Stdio::from(std::os::fd::OwnedFd::from(
            theirs,
        )))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    ours.set_read_timeout(Some(std::time::Duration::from_millis(100)))
        .unwrap();
    let mut sizes = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match ours.recv(&mut buf) {
            Ok(n) => sizes.push(n),
            // Nothing waiting: done once the binary has exited (and everything is read).
            Err(_) => {
                if child.try_wait().unwrap().is_some() {
                    ours.set_nonblocking(true).unwrap();
                    while let Ok(n) = ours.recv(&mut buf) {
                        sizes.push(n);
                    }
                    return sizes;
                }
            }
        }
    }
}

/// A report that is not going to a terminal goes out through one buffer: a few writes for
/// 600 lines, not one or two per line (colour stripping wrote each piece on its own).
#[cfg(unix)]
#[test]
fn reports_not_on_a_terminal_are_written_in_few_large_writes() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..600 {
        std::fs::write(
            dir.path().join(format!("p{i:03}.wav")),
            crate::support::valid(100),
        )
        .unwrap();
    }
    let d = dir.path().as_os_str();
    for format in ["human", "json", "jsonl"] {
        let args = ["check", "--verbose", "--format", format];
        let mut args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        args.push(d);
        let sizes = writes_to_stdout(&args);
        let total: usize = sizes.iter().sum();
        assert!(total > 600 * 20, "{format}: {total} bytes");
        // 64 KiB at a time; std's stdout may split one flush in two at a line's end.
        assert!(
            sizes.len() <= 2 * total.div_ceil(64 * 1024) + 2,
            "{format}: {} writes for {total} bytes",
            sizes.len()
        );
    }
}
