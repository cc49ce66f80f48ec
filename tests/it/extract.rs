//! Finding prompt URLs in config and source files as a user names them: comments skipped,
//! folders and globs walked, URLs ignored by pattern, UTF-16 files read, and a message that says
//! what was searched when nothing is found.
//!
//! Every URL here is on 127.0.0.1 and checked without `--allow-private`: the tool refuses it
//! (`url-private`) before any request, which each test asserts.

use std::path::Path;

use crate::support::{report_results, run};
use assert_cmd::Command;

fn cmd_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// A repository root (`.git`, so no config file above it is found) holding `files`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Each result's URL with its sources as `file:line`, and every result refused as private.
fn urls_found(out: &str) -> Vec<(String, Vec<String>)> {
    report_results(out)
        .iter()
        .map(|r| {
            assert_eq!(r["findings"][0]["rule"], "url-private", "no request: {r}");
            let sources = r["sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| format!("{}:{}", s["file"].as_str().unwrap(), s["line"]))
                .collect();
            (r["input"].as_str().unwrap().to_owned(), sources)
        })
        .collect()
}

fn url(path: &str) -> String {
    format!("https://127.0.0.1/{path}")
}

fn found(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(u, s)| (url(u), s.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

const APPSETTINGS: &str = "{\n  // old: \"https://127.0.0.1/old.wav\"\n  \"Welcome\": \"https://127.0.0.1/welcome.wav\",\n  /* \"Menu\": \"https://127.0.0.1/menu-v1.wav\", */\n  \"Menu\": \"https://127.0.0.1/menu.wav\" // was menu-v1\n}\n";

#[test]
fn a_folder_is_searched_comments_skipped_build_output_and_ignored_urls_left_out() {
    let dir = repo(&[
        ("App/appsettings.json", APPSETTINGS),
        // The build's copy, not the app's.
        ("App/bin/Debug/appsettings.json", APPSETTINGS),
        ("App/web/dist/main.json", APPSETTINGS),
        ("App/java/target/classes/app.json", APPSETTINGS),
        ("App/java/build/resources/app.json", APPSETTINGS),
        (
            "App/prompts.yml",
            "# hold: https://127.0.0.1/hold-old.wav\nhold: https://127.0.0.1/hold.wav#t=1 # https://127.0.0.1/x.wav\nlegacy: https://127.0.0.1/legacy/a.wav\n",
        ),
        ("App/Prompts.cs", "// https://127.0.0.1/cs-old.wav\nvar u = \"https://127.0.0.1/cs.wav\";\n"),
        ("App/web.config", "<a>\n<!-- <b v=\"https://127.0.0.1/xml-old.wav\"/> -->\n</a>\n"),
        ("App/drafts/next.json", "{\"A\": \"https://127.0.0.1/draft.wav\"}"),
        ("App/notes.md", "https://127.0.0.1/doc.wav\n"),
        (".acs-preflight-ignore", "# prompts moved\n/legacy/\n"),
    ]);
    let (code, out, err) = run(cmd_in(dir.path()).args([
        "check",
        "--format",
        "json",
        "--exclude",
        "drafts/**",
        "--extract-from",
        "App",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        urls_found(&out),
        found(&[
            ("cs.wav", &["App/Prompts.cs:2"]),
            ("welcome.wav", &["App/appsettings.json:3"]),
            ("menu.wav", &["App/appsettings.json:5"]),
            ("hold.wav#t=1", &["App/prompts.yml:2"]),
        ])
    );
    // The same URL from the command line's pattern, and a glob that reaches into bin/ only
    // when named.
    let (code, out, err) = run(cmd_in(dir.path()).args([
        "check",
        "--format",
        "json",
        "--url-ignore",
        "menu",
        "--extract-from",
        "App/bin/*/*.json",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        urls_found(&out),
        found(&[("welcome.wav", &["App/bin/Debug/appsettings.json:3"])])
    );
    // What the pattern left out (menu.wav) is counted in the summary.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["ignored"], 1, "{}", v["summary"]);
}

#[test]
fn nothing_found_says_what_was_searched_and_how_to_widen_it() {
    let dir = repo(&[
        ("appsettings.json", "{\n  // \"Old\": \"https://127.0.0.1/old.wav\"\n  \"Tts\": \"https://127.0.0.1/api/tts?voice=en\"\n}\n"),
        ("cfg/readme.md", "no config here\n"),
        ("list.txt", "# none yet\n"),
        ("prompts.bin", "\u{7f}ELF\0\0\0\u{1}"),
    ]);
    let (code, out, err) = run(cmd_in(dir.path()).args([
        "check",
        "--extract-from",
        "appsettings.json",
        "--extract-from",
        "cfg",
        "--extract-from",
        "svc/*.json",
    ]));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(
        err,
        "acs-preflight: error: no prompt URLs to check in appsettings.json, cfg (no config or \
         source file in it), svc/*.json (no file matches); 1 URL in comments skipped. Only \
         http(s) URLs whose path ends in an audio extension (.wav, .mp3, ...), and SSML strings \
         (starting with <speak), are taken; to take other URLs too, give --url-pattern REGEX (or \
         set `url_pattern`)\n"
    );
    assert!(!err.contains("use --extract-from"));
    // Widened as it says, the URL is found (and refused before any request).
    let (code, out, err) = run(cmd_in(dir.path()).args([
        "check",
        "--format",
        "json",
        "--url-pattern",
        "/api/tts",
        "--extract-from",
        "appsettings.json",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        urls_found(&out),
        found(&[("api/tts?voice=en", &["appsettings.json:3"])])
    );
    // An ignore pattern, a binary file and a list.
    let (code, _, err) = run(cmd_in(dir.path()).args([
        "check",
        "--url-pattern",
        "tts",
        "--url-ignore",
        "voice=",
        "--urls-from",
        "list.txt",
        "--extract-from",
        "appsettings.json",
        "--extract-from",
        "prompts.bin",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "no prompt URLs to check in the URL list list.txt, appsettings.json, prompts.bin; \
             1 URL in comments skipped; 1 URL found matches an ignore pattern \
             (.acs-preflight-ignore, url_ignore, --url-ignore); prompts.bin: it does not look \
             like text (it holds NUL bytes); URLs are read from UTF-8 and UTF-16 text. Only \
             http(s) URLs whose path ends in an audio extension (.wav, .mp3, ...) or that match \
             the URL pattern, and SSML strings (starting with <speak), are taken: check \
             --url-pattern"
        ),
        "{err}"
    );
    // Nothing given at all keeps its own message.
    let (code, _, err) = run(cmd_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("no inputs: name files, folders or URLs"),
        "{err}"
    );
}

#[test]
fn a_utf16_appsettings_file_is_read() {
    // Visual Studio and PowerShell save UTF-16 with a byte order mark.
    let text = "{\r\n  \"Welcome\": \"https://127.0.0.1/welcome.wav\"\r\n}\r\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let dir = repo(&[]);
    std::fs::write(dir.path().join("appsettings.json"), le).unwrap();
    std::fs::write(dir.path().join("urls.txt"), be).unwrap();
    let (code, out, err) = run(cmd_in(dir.path()).args([
        "check",
        "--format",
        "json",
        "--extract-from",
        "appsettings.json",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        urls_found(&out),
        found(&[("welcome.wav", &["appsettings.json:2"])])
    );
    // A URL list too; its lines are not URLs, but each is read as written.
    let (code, out, err) =
        run(cmd_in(dir.path()).args(["check", "--format", "json", "--urls-from", "urls.txt"]));
    assert_eq!(code, 1, "{err}");
    let results = report_results(&out);
    assert_eq!(results[0]["input"], "{");
    assert_eq!(results.len(), 3);
}

#[cfg(unix)]
#[test]
fn config_folders_and_globs_stay_inside_the_config_folder() {
    let outside = repo(&[(
        "secrets.json",
        "{\"Hook\": \"https://127.0.0.1/p/x.wav?sig=OUTSIDESECRET\"}\n",
    )]);
    let dir = repo(&[
        ("svc/a/appsettings.json", APPSETTINGS),
        (
            "svc/b/appsettings.json",
            "{\"Bye\": \"https://127.0.0.1/bye.wav\"}",
        ),
        (
            "svc/b/drafts/appsettings.json",
            "{\"X\": \"https://127.0.0.1/draft.wav\"}",
        ),
        ("prompts/p.yml", "p: https://127.0.0.1/p.wav\n"),
    ]);
    let root = dir.path();
    std::os::unix::fs::symlink(
        outside.path().join("secrets.json"),
        root.join("prompts/s.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("prompts/linked")).unwrap();
    let config = |text: &str| std::fs::write(root.join("acs-preflight.toml"), text).unwrap();
    config(
        "extract_from = [\"svc/*/appsettings.json\", \"prompts\"]\nexclude = [\"drafts\"]\n\
         url_ignore = [\"menu\"]\n",
    );
    let (code, out, err) = run(cmd_in(root).args(["check", "--format", "json"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        urls_found(&out),
        found(&[
            ("welcome.wav", &["svc/a/appsettings.json:3"]),
            ("bye.wav", &["svc/b/appsettings.json:1"]),
            ("p.wav", &["prompts/p.yml:1"]),
        ])
    );
    assert!(!out.contains("OUTSIDESECRET") && !err.contains("OUTSIDESECRET"));
    for glob in ["../*/secrets.json", "svc/*/../../../x.json", "/tmp/*.json"] {
        config(&format!("extract_from = [{glob:?}]\n"));
        let (code, out, err) = run(cmd_in(root).arg("check"));
        assert_eq!(code, 2, "{glob}: {out}{err}");
        assert!(
            err.contains(&format!(
                "acs-preflight.toml: extract_from names {glob}, outside the folder"
            )),
            "{glob}: {err}"
        );
    }
    // An ignore file is the repository's too: it may not be a link out of its folder.
    config("extract_from = [\"prompts\"]\n");
    std::os::unix::fs::symlink(
        outside.path().join("secrets.json"),
        root.join(".acs-preflight-ignore"),
    )
    .unwrap();
    let (code, out, err) = run(cmd_in(root).arg("check"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "cannot read .acs-preflight-ignore: it is a symlink leading outside its folder"
        ),
        "{err}"
    );
    assert!(!err.contains("OUTSIDESECRET"));
    // A bad pattern names its line.
    std::fs::remove_file(root.join(".acs-preflight-ignore")).unwrap();
    std::fs::write(root.join(".acs-preflight-ignore"), "# ok\nok\nbad(\n").unwrap();
    let (code, _, err) = run(cmd_in(root).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains(".acs-preflight-ignore:3: `bad(` is not a valid regular expression"),
        "{err}"
    );
}

#[test]
fn ignored_urls_are_counted_and_listed_under_verbose_redacted() {
    let dir = repo(&[
        (
            "acs-preflight.toml",
            "url_ignore = ['^https://127\\.0\\.0\\.1/legacy/']\n",
        ),
        (
            "appsettings.json",
            r#"{"Menu": "https://127.0.0.1/p/menu.wav",
  "Old": "https://127.0.0.1/legacy/old.wav?sv=2022-11-02&sp=r&sig=s3cr3tIGNORED"}"#,
        ),
    ]);
    let (code, out, err) =
        run(cmd_in(dir.path()).args(["check", "--extract-from", "appsettings.json"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("0 skipped, 0 excluded, 1 URL ignored (--verbose lists them); config: acs-preflight.toml"),
        "{out}"
    );
    let (_, out, _) =
        run(cmd_in(dir.path()).args(["check", "--verbose", "--extract-from", "appsettings.json"]));
    assert!(
        out.contains(
            "https://127.0.0.1/legacy/old.wav?sv=2022-11-02&sp=r&sig=REDACTED (from appsettings.json:2): ignored (matches an ignore pattern)"
        ),
        "{out}"
    );
    assert!(!out.contains("s3cr3t"), "{out}");
}

/// An `--extract-from` that gives no prompt, next to other inputs, does not pass unnoticed:
/// the summary names it (a mistyped folder in a CI config would hide every URL).
#[test]
fn an_extract_from_that_finds_nothing_is_named_in_the_summary() {
    let dir = repo(&[
        ("src/app.json", "{\"Name\": \"Contoso\"}"),
        ("welcome.wav", ""),
    ]);
    std::fs::write(dir.path().join("welcome.wav"), crate::support::valid(1600)).unwrap();
    let (code, out, err) =
        run(cmd_in(dir.path()).args(["check", "welcome.wav", "--extract-from", "src"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .last()
            .is_some_and(|l| l.ends_with("; no config file; --extract-from found no prompt in src")),
        "{out}"
    );
    // Once something is found, nothing is said.
    std::fs::write(
        dir.path().join("src/app.json"),
        "{\"Hold\": \"https://10.0.0.9/a.wav\"}",
    )
    .unwrap();
    let (_, out, _) =
        run(cmd_in(dir.path()).args(["check", "welcome.wav", "--extract-from", "src"]));
    assert!(!out.contains("found no prompt"), "{out}");
}
