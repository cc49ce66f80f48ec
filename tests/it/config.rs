//! `acs-preflight.toml`: discovery, precedence (file < flags), rule levels, fail_on, exclude,
//! and errors that name the bad key and the file.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::support::{valid, wav_int};

fn cmd_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

fn out(c: &mut Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// A repository with a prompts folder: one valid prompt, one at 44.1 kHz, one stereo, and a
/// drafts folder.
fn repo(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("prompts/drafts")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("prompts/a-ok.wav"), valid(100)).unwrap();
    std::fs::write(root.join("prompts/b-44k.wav"), wav_int(44_100, 1, 16, 100)).unwrap();
    std::fs::write(
        root.join("prompts/c-stereo.wav"),
        wav_int(16_000, 2, 16, 100),
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/drafts/d-8bit.wav"),
        wav_int(16_000, 1, 8, 100),
    )
    .unwrap();
    std::fs::write(root.join("acs-preflight.toml"), config).unwrap();
    dir
}

use crate::support::report_results as results;

fn rules_by_input(json: &str) -> Vec<(String, Vec<String>, String)> {
    results(json)
        .iter()
        .map(|r| {
            (
                r["input"].as_str().unwrap().to_owned(),
                r["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}",
                            f["rule"].as_str().unwrap(),
                            f["severity"].as_str().unwrap()
                        )
                    })
                    .collect(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn settings_come_from_the_nearest_config_and_flags_win() {
    let dir = repo(
        r#"
inputs = ["prompts"]
exclude = ["drafts/**"]
action = "recognize"
fail_on = "error"

[rules]
sample-rate = "warning"
channels = "off"
"#,
    );
    // Run from a subfolder: the config in the repository root is found, and its paths are taken
    // relative to it.
    let (code, json, err) =
        out(cmd_in(&dir.path().join("src")).args(["check", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        rules_by_input(&json),
        vec![
            ("../prompts/a-ok.wav".to_owned(), vec![], "pass".to_owned()),
            (
                "../prompts/b-44k.wav".to_owned(),
                vec!["sample-rate:warning".to_owned()],
                "warn".to_owned()
            ),
            (
                "../prompts/c-stereo.wav".to_owned(),
                vec![],
                "pass".to_owned()
            ),
        ]
    );
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["results"][1]["findings"][0]["acs"]["subcode"], 8511,
        "action from the file"
    );

    // Flags override the file.
    let (code, json, _) = out(cmd_in(dir.path()).args([
        "check",
        "--format",
        "json",
        "--action",
        "play",
        "--fail-on",
        "warning",
        "--exclude",
        "nothing",
    ]));
    assert_eq!(code, 1, "a warning fails under --fail-on warning");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["results"][1]["findings"][0]["acs"]["subcode"], 8535);
    assert_eq!(
        v["results"].as_array().unwrap().len(),
        3,
        "--exclude adds to the file's list: the draft stays excluded"
    );
    // Inputs on the command line replace the file's.
    let (_, json, _) =
        out(cmd_in(dir.path()).args(["check", "--format", "json", "prompts/a-ok.wav"]));
    assert_eq!(rules_by_input(&json).len(), 1);
}

#[test]
fn fail_on_warning_from_the_file() {
    let dir = repo("inputs = [\"prompts/b-44k.wav\"]\nfail_on = \"warning\"\n[rules]\nsample-rate = \"warning\"\n");
    let (code, _, _) = out(cmd_in(dir.path()).arg("check"));
    assert_eq!(code, 1);
}

/// `--no-config` reads no acs-preflight.toml: its rule levels, excludes and inputs are gone,
/// and the summary says no config file was read.
#[test]
fn no_config_reads_no_config_file() {
    let dir = repo("exclude = [\"drafts\"]\n[rules]\nsample-rate = \"off\"\n");
    let (code, with, _) = out(cmd_in(dir.path()).args(["check", "--format", "json", "prompts"]));
    assert_eq!(code, 1);
    assert!(!with.contains("sample-rate"));
    let (code, text, err) = out(cmd_in(dir.path()).args(["check", "--no-config", "prompts"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        text.contains("prompts/b-44k.wav: error[sample-rate]"),
        "{text}"
    );
    assert!(
        text.contains("prompts/drafts/d-8bit.wav: error[bit-depth]"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("no config file"), "{text}");
    let (code, _, err) = out(cmd_in(dir.path()).args([
        "check",
        "--no-config",
        "--config",
        "acs-preflight.toml",
        "prompts",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let outer = repo("inputs = [\"prompts\"]\n");
    let inner = outer.path().join("inner");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    let (code, _, err) = out(cmd_in(&inner).arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("no inputs"), "{err}");
    // Named explicitly, it is read from anywhere.
    let (code, _, err) = out(cmd_in(&inner)
        .args(["check", "--config"])
        .arg(outer.path().join("acs-preflight.toml"))
        .arg(outer.path().join("prompts/a-ok.wav")));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unknown_keys_rule_ids_and_levels_are_errors_naming_the_file() {
    let cases = [
        (
            "colour = \"always\"\n",
            "acs-preflight.toml",
            "unknown field `colour`",
        ),
        (
            "[rules]\nsample-rates = \"off\"\n",
            "acs-preflight.toml",
            "`sample-rates`, which is not a rule",
        ),
        (
            "[rules]\nchannels = \"ignore\"\n",
            "acs-preflight.toml",
            "`ignore` is not a level",
        ),
        ("fail_on = \"info\"\n", "acs-preflight.toml", "fail_on"),
        (
            "jobs = 0\n",
            "acs-preflight.toml",
            "must be an integer from 1 to 1024",
        ),
        ("timeout = \"soon\"\n", "acs-preflight.toml", "timeout"),
    ];
    for (config, file, want) in cases {
        let dir = repo(config);
        let (code, stdout, err) = out(cmd_in(dir.path()).args(["check", "prompts"]));
        assert_eq!(code, 2, "{config}");
        assert_eq!(stdout, "");
        assert!(err.contains(file) && err.contains(want), "{config}: {err}");
    }
}

#[test]
fn explain_prints_the_full_entry() {
    let (code, text, _) =
        out(cmd_in(Path::new(env!("CARGO_MANIFEST_DIR"))).args(["explain", "sample-rate"]));
    assert_eq!(code, 0);
    assert!(text
        .starts_with("sample-rate (error by default)\n\nWhen: the sample rate is not 16000 Hz.\n"));
    assert!(text.contains(
        "ACS: on Play, 400 Play Failed / 8535; on Recognize, 500 Recognize Failed / 8511."
    ));
    assert!(text
        .trim_end()
        .ends_with("Fix: resample it to 16000 Hz: acs-preflight fix --in-place FILE."));
    let (code, _, err) =
        out(cmd_in(Path::new(env!("CARGO_MANIFEST_DIR"))).args(["explain", "nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule id `nope`"), "{err}");
    // Every rule has an explanation.
    for rule in acs_preflight::Rule::ALL {
        assert!(rule.info().explanation.len() > 80, "{rule}");
    }
}

/// `fix --dry-run --out fixed --format json EXTRA... prompts` in `root`: `(input, action)` of each
/// result.
fn fix_actions(root: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let mut c = cmd_in(root);
    c.args([
        "fix",
        "--dry-run",
        "--out",
        "fixed",
        "--only-changed",
        "--format",
        "json",
    ])
    .args(extra)
    .arg("prompts");
    let (code, stdout, stderr) = out(&mut c);
    assert_eq!(code, 0, "{stderr}");
    results(&stdout)
        .iter()
        .map(|r| {
            (
                r["input"].as_str().unwrap().to_owned(),
                r["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn fix_takes_exclude_levels_and_allow_mp3_from_the_config() {
    let dir = repo(
        r#"
exclude = ["drafts/**"]
allow_mp3 = true
jobs = 1
[rules]
channels = "off"
"#,
    );
    let root = dir.path();
    std::fs::write(root.join("prompts/e.mp3"), crate::support::mp3(true, 3)).unwrap();
    // The draft is never seen, the stereo prompt is fine by the config, the MP3 allowed.
    assert_eq!(
        fix_actions(root, &[]),
        pairs(&[
            ("prompts/a-ok.wav", "already-valid"),
            ("prompts/b-44k.wav", "would-convert"),
            ("prompts/c-stereo.wav", "already-valid"),
            ("prompts/e.mp3", "already-valid"),
        ])
    );

    // --exclude adds to the file's globs; --config names another file.
    std::fs::write(root.join("strict.toml"), "exclude = [\"b-*\"]\n").unwrap();
    assert_eq!(
        fix_actions(root, &["--config", "strict.toml", "--exclude", "c-*"]),
        pairs(&[
            ("prompts/a-ok.wav", "already-valid"),
            ("prompts/drafts/d-8bit.wav", "would-convert"),
            ("prompts/e.mp3", "would-convert"),
        ])
    );
    assert!(!root.join("fixed").exists());

    // A bad config stops fix as it stops check.
    std::fs::write(root.join("bad.toml"), "exclud = []\n").unwrap();
    let (code, _, stderr) = out(cmd_in(root).args([
        "fix",
        "--dry-run",
        "--config",
        "bad.toml",
        "--in-place",
        "prompts",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("exclud") && stderr.contains("bad.toml"),
        "{stderr}"
    );
}

/// The inputs of a JSON report, in order.
fn inputs_of(json: &str) -> Vec<String> {
    results(json)
        .iter()
        .map(|r| r["input"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn extract_from_keeps_the_config_inputs_and_takes_one_file_per_flag() {
    let dir = repo("inputs = [\"prompts\"]\nexclude = [\"drafts/\"]\n");
    let root = dir.path();
    std::fs::write(
        root.join("appsettings.json"),
        r#"{"Menu": "https://127.0.0.1/p/menu.wav"}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("appsettings.Development.json"),
        r#"{"Menu": "https://127.0.0.1/p/dev.wav"}"#,
    )
    .unwrap();
    // --extract-from takes one value: the argument after it is an input again, in either order.
    for args in [
        &["--extract-from", "appsettings.json", "prompts"][..],
        &["prompts", "--extract-from", "appsettings.json"][..],
    ] {
        let (code, json, err) = out(cmd_in(root).args(["check", "--format", "json"]).args(args));
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            inputs_of(&json),
            vec![
                "prompts/a-ok.wav",
                "prompts/b-44k.wav",
                "prompts/c-stereo.wav",
                "https://127.0.0.1/p/menu.wav",
            ],
            "{args:?}"
        );
    }
    // Without inputs, the config's inputs are kept next to --extract-from, repeated per file;
    // `drafts/` (gitignore style) excludes the folder.
    let (_, json, err) = out(cmd_in(root).args([
        "check",
        "--format",
        "json",
        "--extract-from",
        "appsettings.json",
        "--extract-from",
        "appsettings.Development.json",
    ]));
    assert_eq!(
        inputs_of(&json),
        vec![
            "prompts/a-ok.wav",
            "prompts/b-44k.wav",
            "prompts/c-stereo.wav",
            "https://127.0.0.1/p/menu.wav",
            "https://127.0.0.1/p/dev.wav",
        ],
        "{err}"
    );
}

#[test]
fn force_exclude_applies_the_config_exclude_to_named_files() {
    let dir = repo("exclude = [\"drafts/**\", \"*-old.wav\"]\n");
    let root = dir.path();
    std::fs::write(root.join("prompts/x-old.wav"), wav_int(8_000, 1, 8, 10)).unwrap();
    // What pre-commit runs when only drafts are staged: nothing to check, and that is clean.
    let staged = ["prompts/drafts/d-8bit.wav", "prompts/x-old.wav"];
    let (code, _, err) = out(cmd_in(root).args(["check", "--force-exclude"]).args(staged));
    assert_eq!(code, 0, "{err}");
    // Without the flag a named file is always checked.
    let (code, json, _) = out(cmd_in(root)
        .args(["check", "--format", "json"])
        .args(staged));
    assert_eq!(code, 1);
    assert_eq!(inputs_of(&json), staged);
    // A staged prompt outside the patterns is still checked, in the given order.
    let (code, json, _) = out(cmd_in(root)
        .args(["check", "--force-exclude", "--format", "json"])
        .args(staged)
        .arg("prompts/b-44k.wav"));
    assert_eq!(code, 1);
    assert_eq!(inputs_of(&json), vec!["prompts/b-44k.wav"]);
    // The config key does the same.
    std::fs::write(
        root.join("acs-preflight.toml"),
        "exclude = [\"drafts\"]\nforce_exclude = true\n",
    )
    .unwrap();
    let (code, _, err) = out(cmd_in(root).args(["check", "prompts/drafts/d-8bit.wav"]));
    assert_eq!(code, 0, "{err}");
    // fix skips them too.
    let (code, stdout, err) = out(cmd_in(root).args([
        "fix",
        "--dry-run",
        "--out",
        "fixed",
        "--format",
        "json",
        "prompts/drafts/d-8bit.wav",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(results(&stdout).len(), 0);
}

#[test]
fn a_named_path_that_does_not_exist_is_a_usage_error() {
    let dir = repo("");
    let (code, stdout, err) = out(cmd_in(dir.path()).args(["check", "prompts", "promts"]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        err,
        "acs-preflight: error: promts: no such file or folder\n"
    );
    let (code, _, err) = out(cmd_in(dir.path()).args(["fix", "--dry-run", "--in-place", "promts"]));
    assert_eq!(code, 2);
    assert!(err.contains("promts: no such file or folder"), "{err}");
}

#[test]
fn fix_takes_the_config_inputs() {
    let dir = repo("inputs = [\"prompts\"]\nexclude = [\"drafts/**\"]\n");
    let (code, stdout, err) =
        out(cmd_in(dir.path()).args(["fix", "--dry-run", "--out", "fixed", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        results(&stdout)
            .iter()
            .map(|r| r["input"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        vec![
            "prompts/a-ok.wav",
            "prompts/b-44k.wav",
            "prompts/c-stereo.wav"
        ]
    );
}

/// The config file itself may be a symlink the repository planted, to a credentials file or to
/// `/proc/self/environ` (one line holding every secret of the run): a syntax error names the
/// line, the column and the parser's reason, never the file's text.
#[cfg(unix)]
#[test]
fn a_syntax_error_names_line_and_column_and_never_quotes_the_config() {
    let outside = tempfile::tempdir().unwrap();
    let credentials = outside.path().join("credentials");
    std::fs::write(&credentials, "[azure]\nAccountKey=CANARY1KEY==\n").unwrap();
    let mut targets = vec![credentials];
    if Path::new("/proc/self/environ").is_file() {
        targets.push("/proc/self/environ".into());
    }
    let dir = repo("");
    let config = dir.path().join("acs-preflight.toml");
    for target in targets {
        std::fs::remove_file(&config).unwrap();
        std::os::unix::fs::symlink(&target, &config).unwrap();
        let (code, stdout, err) = out(cmd_in(dir.path())
            .env("LEAK_CANARY", "CANARY2ENV")
            .args(["check", "prompts"]));
        assert_eq!(
            (code, stdout.as_str()),
            (2, ""),
            "{}: {err}",
            target.display()
        );
        assert!(!err.contains("CANARY"), "{}: {err}", target.display());
        assert!(
            err.starts_with("acs-preflight: error: acs-preflight.toml: line "),
            "{err}"
        );
    }
    // An ordinary file: the line and column of the fault, one line of message.
    std::fs::remove_file(&config).unwrap();
    std::fs::write(&config, "deep = true\njobs = = 2\n").unwrap();
    let (code, _, err) = out(cmd_in(dir.path()).args(["check", "prompts"]));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("acs-preflight: error: acs-preflight.toml: line 2, column 8: ")
            && err.lines().count() == 1,
        "{err}"
    );
}

/// Issue 13, first hour: `fix` reads `[rules]`, so an input that `check` fails under them is
/// not "already valid": a WAV named `.mp3` with `extension-mismatch = "error"` must not be
/// copied unchanged into a deploy folder that `check` then fails, with `fix` exiting 0.
#[test]
fn fix_never_calls_valid_an_input_that_check_fails_under_the_config_rules() {
    let dir = repo("exclude = [\"drafts/\"]\n[rules]\nextension-mismatch = \"error\"\n");
    let root = dir.path();
    std::fs::write(root.join("prompts/b-44k.wav"), valid(100)).unwrap();
    std::fs::write(root.join("prompts/c-stereo.wav"), valid(100)).unwrap();
    std::fs::write(root.join("prompts/queue-full.mp3"), valid(100)).unwrap();
    let (code, _, _) = out(cmd_in(root).args(["check", "prompts"]));
    assert_eq!(code, 1, "check fails the WAV named .mp3 under [rules]");
    let (fix_code, fix_out, fix_err) =
        out(cmd_in(root).args(["fix", "--out", "deploy", "prompts"]));
    let (check_code, check_out, _) = out(cmd_in(root).args(["check", "deploy"]));
    assert!(
        fix_code != 0 || check_code == 0,
        "fix exited {fix_code} but `check deploy` fails:\n{fix_out}{fix_err}\n{check_out}"
    );
    assert!(
        !fix_out.contains("queue-full.mp3: already valid"),
        "{fix_out}"
    );
    let (_, fix_out, _) = out(cmd_in(root).args(["fix", "--in-place", "--dry-run", "prompts"]));
    assert!(
        !fix_out.contains("queue-full.mp3: already valid"),
        "{fix_out}"
    );
}

/// Issue 13, first hour: what pre-commit runs (`check --force-exclude` with the staged names)
/// says what it left out: the summary counts a named file that an `exclude` pattern matched,
/// and `--verbose` lists it with the pattern, as it does for entries inside walked folders.
#[test]
fn force_exclude_counts_and_lists_the_named_files_it_leaves_out() {
    let dir = repo("exclude = [\"drafts/\"]\n");
    let root = dir.path();
    let staged = ["prompts/drafts/d-8bit.wav", "prompts/a-ok.wav"];
    let (code, json, err) = out(cmd_in(root)
        .args(["check", "--force-exclude", "--format", "json"])
        .args(staged));
    assert_eq!(code, 0, "{err}");
    assert_eq!(inputs_of(&json), vec!["prompts/a-ok.wav"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["excluded"], 1, "{json}");
    let (_, human, _) = out(cmd_in(root)
        .args(["check", "--force-exclude", "--verbose"])
        .args(staged));
    assert!(
        human.contains("prompts/drafts/d-8bit.wav: excluded (matches drafts/)"),
        "{human}"
    );
    assert!(human.contains("1 excluded"), "{human}");
}
