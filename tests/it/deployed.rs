//! `--deployed-at`, `--dump` and `--offline` against the loopback server: a prompts folder
//! compared with its deployed copy, and the two modes that send no request. Every URL is on
//! 127.0.0.1 (`--allow-private`), or refused before any request.

use acs_preflight::{CheckOptions, Input, PlannedKind, Rule, Scan, Severity};
use assert_cmd::Command;
use base64::Engine as _;
use md5::{Digest, Md5};
use serde_json::Value;

use crate::server::{Reply, Server};
use crate::support::*;

const SECRET: &str = "S3CR3Tdeployed";

fn cmd() -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    c
}

/// The container SAS every derived URL carries.
fn sas() -> String {
    format!("sv=2024-01-01&sp=r&se=2099-01-01T00:00:00Z&sig={SECRET}")
}

fn md5_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// A prompts folder and a server holding its deployed copy: `same.wav` and `sub/same 2.wav`
/// equal; `missing.wav` not deployed (404); `tail.wav` deployed with one byte changed past the
/// first 64 KiB, answered as Azure answers a range read (206, the file's MD5 in
/// x-ms-blob-content-md5); `longer.wav` deployed longer.
fn drift() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    std::fs::create_dir_all(prompts.join("sub")).unwrap();
    let same = valid(1000);
    let same2 = valid(2000);
    let tail = valid(50_000);
    let mut tail_deployed = tail.clone();
    tail_deployed[90_000] ^= 0x55;
    std::fs::write(prompts.join("same.wav"), &same).unwrap();
    std::fs::write(prompts.join("sub/same 2.wav"), &same2).unwrap();
    std::fs::write(prompts.join("missing.wav"), valid(500)).unwrap();
    std::fs::write(prompts.join("tail.wav"), &tail).unwrap();
    std::fs::write(prompts.join("longer.wav"), valid(1000)).unwrap();
    let first = &tail_deployed[..65_536];
    let range = format!("bytes 0-65535/{}", tail_deployed.len());
    let md5 = md5_b64(&tail_deployed);
    let server = Server::start(vec![
        ("/c/prompts/same.wav", vec![Reply::file(same)]),
        ("/c/prompts/sub/same%202.wav", vec![Reply::file(same2)]),
        (
            "/c/prompts/tail.wav",
            vec![Reply::with_headers(
                206,
                &[
                    ("Content-Type", "audio/wav"),
                    ("Content-Range", &range),
                    // The range's own MD5: not the file's, and not to be compared.
                    ("Content-MD5", &md5_b64(first)),
                    ("x-ms-blob-content-md5", &md5),
                ],
                first,
            )],
        ),
        ("/c/prompts/longer.wav", vec![Reply::file(valid(3000))]),
        (
            "/c/prompts/missing.wav",
            vec![Reply::with_headers(
                404,
                &[("x-ms-error-code", "BlobNotFound")],
                b"",
            )],
        ),
    ]);
    (dir, server)
}

fn base(server: &Server) -> String {
    format!("{}?{}", server.url("/c/prompts"), sas())
}

/// The rules of a JSON result, less the plain-http warning every loopback URL gets.
fn rules_of(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .filter(|r| r != "url-insecure")
        .collect()
}

fn deployed_result<'a>(results: &'a [Value], name: &str) -> &'a Value {
    results
        .iter()
        .find(|r| {
            r["http"].is_object()
                && r["sources"][0]["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(name))
        })
        .unwrap_or_else(|| panic!("no deployed result for {name}: {results:#?}"))
}

#[test]
fn a_folder_is_compared_with_its_deployed_copy() {
    let (dir, server) = drift();
    let (code, stdout, stderr) = run(cmd()
        .args([
            "check",
            "--allow-private",
            "--format",
            "json",
            "--deployed-at",
        ])
        .arg(base(&server))
        .arg(dir.path().join("prompts")));
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains(SECRET));
    let results = report_results(&stdout);
    // Five local files, then their five deployed copies.
    assert_eq!(results.len(), 10, "{results:#?}");
    assert!(results[..5].iter().all(|r| r["status"] == "pass"));
    for name in ["same.wav", "same 2.wav"] {
        let r = deployed_result(&results, name);
        assert_eq!(rules_of(r), Vec::<String>::new(), "{name}: {r:#}");
        assert_eq!(r["sources"][0]["line"], 0);
    }
    let missing = deployed_result(&results, "missing.wav");
    assert_eq!(rules_of(missing), vec!["deployed-missing"]);
    let m = missing["findings"][1]["message"].as_str().unwrap();
    assert!(m.starts_with("no deployed copy of "), "{m}");
    assert!(
        m.ends_with(
            "missing.wav: the server answers 404 Not Found (Azure error code BlobNotFound)"
        ),
        "{m}"
    );
    let tail = deployed_result(&results, "tail.wav");
    assert_eq!(rules_of(tail), vec!["deployed-differs"]);
    let t = tail["findings"][1]["message"].as_str().unwrap();
    // Only the MD5 tells: same size, same header, the same first 64 KiB.
    assert!(t.contains(": MD5 (x-ms-blob-content-md5): "), "{t}");
    assert!(
        !t.contains("size") && !t.contains("header") && !t.contains("first"),
        "{t}"
    );
    let longer = deployed_result(&results, "longer.wav");
    assert_eq!(rules_of(longer), vec!["deployed-differs"]);
    let l = longer["findings"][1]["message"].as_str().unwrap();
    assert!(
        l.contains("size: 6044 bytes deployed, 2044 bytes here"),
        "{l}"
    );
    assert!(
        l.ends_with("size: 6044 bytes deployed, 2044 bytes here; header: length 187 ms deployed, 62 ms here"),
        "{l}"
    );
    // The SAS reached the server on every derived URL; the space is one encoded segment.
    let seen = server.seen(&format!("/c/prompts/sub/same%202.wav?{}", sas()));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["range"], "bytes=0-65535");
    assert_eq!(
        deployed_result(&results, "same 2.wav")["input"],
        format!(
            "{}?sv=2024-01-01&sp=r&se=2099-01-01T00:00:00Z&sig=REDACTED",
            server.url("/c/prompts/sub/same%202.wav")
        )
    );
}

#[test]
fn dump_lists_inputs_and_sends_nothing() {
    let (dir, server) = drift();
    let list = dir.path().join("urls.txt");
    std::fs::write(
        &list,
        format!("# prompts\n{}?sp=r&sig={SECRET}\n", server.url("/x.wav")),
    )
    .unwrap();
    let prompts = dir.path().join("prompts");
    let (code, human, stderr) = run(cmd()
        .args(["check", "--dump", "--deployed-at"])
        .arg(base(&server))
        .arg("--urls-from")
        .arg(&list)
        .arg(&prompts));
    assert_eq!(code, 0, "{stderr}");
    assert!(!human.contains(SECRET), "{human}");
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 11, "{human}");
    let local = prompts.join("sub/same 2.wav");
    let local = local.to_str().unwrap();
    assert!(lines.contains(&local), "{human}");
    let deployed = format!(
        "{}?sv=2024-01-01&sp=r&se=2099-01-01T00:00:00Z&sig=REDACTED  <- {local}",
        server.url("/c/prompts/sub/same%202.wav")
    );
    assert!(lines.contains(&deployed.as_str()), "{human}");
    let listed = format!(
        "{}?sp=r&sig=REDACTED  <- {}:2",
        server.url("/x.wav"),
        list.to_str().unwrap()
    );
    assert!(lines.contains(&listed.as_str()), "{human}");

    let (code, json, _) = run(cmd()
        .args(["check", "--dump", "--format", "json", "--deployed-at"])
        .arg(base(&server))
        .arg(&prompts));
    assert_eq!(code, 0);
    assert!(!json.contains(SECRET));
    let v: Vec<Value> = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = v.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, [["file"; 5], ["deployed"; 5]].concat());
    assert_eq!(v[9]["sources"][0]["line"], 0);
    assert_eq!(server.connections(), 0, "--dump sent a request");
}

#[test]
fn offline_checks_what_needs_no_network_and_counts_only_that() {
    let (dir, server) = drift();
    let prompts = dir.path().join("prompts");
    let expired = format!(
        "{}?sp=r&se=2020-01-01T00:00:00Z&sig={SECRET}",
        server.url("/old.wav")
    );
    // Everything passes what can be checked offline: exit 0, under --fail-on warning too.
    let (code, stdout, stderr) = run(cmd()
        .args([
            "check",
            "--offline",
            "--allow-private",
            "--fail-on",
            "warning",
            "--format",
            "json",
            "--deployed-at",
        ])
        .arg(base(&server).replace("http://", "https://"))
        .arg(&prompts));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let results = report_results(&stdout);
    assert_eq!(results.len(), 10);
    for r in &results[5..] {
        assert_eq!(rules_of(r), vec!["url-not-checked"], "{r:#}");
        assert!(r["http"].is_null());
    }
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["summary"]["warnings"], 0);
    // What offline can see still fails: an expired SAS, a loopback literal without
    // --allow-private.
    let (code, stdout, _) = run(cmd()
        .args(["check", "--offline", "--format", "json"])
        .arg(&expired));
    assert_eq!(code, 1);
    assert!(!stdout.contains(SECRET));
    let r = &report_results(&stdout)[0];
    assert_eq!(
        rules_of(r),
        vec!["sas-expired", "url-private", "url-not-checked"]
    );
    assert_eq!(server.connections(), 0, "--offline sent a request");
}

#[test]
fn the_sas_of_deployed_at_is_redacted_in_every_format() {
    let (dir, server) = drift();
    let out = tempfile::tempdir().unwrap();
    let formats = ["json", "jsonl", "sarif", "junit", "github", "markdown"];
    let mut c = cmd();
    c.args(["check", "--allow-private", "--deployed-at"])
        .arg(base(&server))
        .arg(dir.path().join("prompts"));
    for f in formats {
        c.arg("--report")
            .arg(format!("{f}={}", out.path().join(f).display()));
    }
    let (code, human, _) = run(&mut c);
    assert_eq!(code, 1);
    let mut texts = vec![("human".to_owned(), human)];
    for f in formats {
        texts.push((
            f.to_owned(),
            std::fs::read_to_string(out.path().join(f)).unwrap(),
        ));
    }
    for (format, text) in &texts {
        assert!(!text.contains(SECRET), "{format}: {text}");
        assert!(text.contains("missing.wav"), "{format}: {text}");
        assert!(text.contains("deployed-"), "{format}: {text}");
    }
    // A bad base URL stops the run, redacted too.
    let (code, _, stderr) = run(cmd()
        .args(["check", "--deployed-at"])
        .arg(format!("ftp://h.example/c?sig={SECRET}"))
        .arg(dir.path().join("prompts")));
    assert_eq!(code, 2);
    assert!(!stderr.contains(SECRET), "{stderr}");
    assert!(
        stderr.contains("deployed_at ftp://h.example/c?sig=REDACTED is not a base URL to check against: the scheme is ftp:"),
        "{stderr}"
    );
}

#[test]
fn the_library_plans_without_reading_and_settings_come_from_the_config() {
    let (dir, server) = drift();
    let prompts = dir.path().join("prompts");
    let options = CheckOptions::default().deployed_at(base(&server));
    let plan = Scan::from_inputs(vec![Input::Path(prompts.clone())], options)
        .unwrap()
        .plan()
        .unwrap();
    assert_eq!(plan.len(), 10);
    assert_eq!(plan[0].kind, PlannedKind::File);
    assert_eq!(plan[9].kind, PlannedKind::Deployed);
    assert!(plan.iter().all(|p| !p.input.contains(SECRET)));
    // Offline through the library: the deployed copies are not fetched.
    let options = CheckOptions::default()
        .allow_private(true)
        .offline(true)
        .deployed_at(base(&server).replace("http://", "https://"));
    let report = Scan::from_inputs(vec![Input::Path(prompts.clone())], options)
        .unwrap()
        .run(|_| {})
        .unwrap();
    assert!(report.results[5..]
        .iter()
        .all(|r| r.has(Rule::UrlNotChecked)));
    assert!(!report.fails(Severity::Warning), "{report:#?}");
    assert_eq!(server.connections(), 0);
    // The config file's keys.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("acs-preflight.toml"),
        format!(
            "inputs = [\"prompts\"]\noffline = true\nallow_private = true\ndeployed_at = \"{}\"\n",
            base(&server)
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = run(Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let results = report_results(&stdout);
    assert_eq!(results.len(), 10);
    assert_eq!(rules_of(&results[9]), vec!["url-not-checked"]);
    assert_eq!(server.connections(), 0);
}

/// An SSML prompt is sent to Speech as text, not fetched from storage: it is checked, and has no
/// deployed copy.
#[test]
fn ssml_prompts_have_no_deployed_copy() {
    let (dir, server) = drift();
    let prompts = dir.path().join("prompts");
    std::fs::write(
        prompts.join("welcome.ssml"),
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\"><voice name=\"en-US-AvaNeural\">Hi</voice></speak>",
    )
    .unwrap();
    let options = CheckOptions::default().deployed_at(base(&server));
    let plan = Scan::from_inputs(vec![Input::Path(prompts)], options)
        .unwrap()
        .plan()
        .unwrap();
    let files = plan.iter().filter(|p| p.kind == PlannedKind::File).count();
    let deployed: Vec<&str> = plan
        .iter()
        .filter(|p| p.kind == PlannedKind::Deployed)
        .map(|p| p.input.as_str())
        .collect();
    assert_eq!((files, deployed.len()), (6, 5), "{plan:#?}");
    assert!(
        deployed.iter().all(|u| !u.contains(".ssml")),
        "{deployed:?}"
    );
}
