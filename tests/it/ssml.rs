//! Text-to-speech prompts: SSML documents and their rules, over `check_ssml`, files and walks.

use acs_preflight::{
    check_file, check_paths, check_ssml, check_ssml_with, Action, CheckOptions, Level, Rule, Status,
};

const HEAD: &str =
    r#"<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">"#;

/// A document with `body` inside a valid `speak` root.
fn speak(body: &str) -> String {
    format!("{HEAD}{body}</speak>")
}

/// Runs `acs-preflight` with `args`, then `path`: its exit code, stdout and stderr.
fn acs_on(args: &[&str], path: &std::path::Path) -> (i32, String, String) {
    crate::support::run(
        assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .args(args)
            .arg(path),
    )
}

const VALID: &str = r#"<voice name="en-US-AvaNeural">Welcome to Contoso.</voice>"#;

#[test]
fn a_valid_document_passes() {
    let r = check_ssml(&speak(VALID));
    assert_eq!(r.status, Status::Pass, "{r}");
    assert_eq!(r.input, "<ssml>");
    let with_audio = speak(
        r#"<voice name="en-US-AvaNeural"><audio src="https://h.example/chime.wav"/>Hi</voice>"#,
    );
    assert_eq!(check_ssml(&with_audio).status, Status::Pass);
}

#[test]
fn malformed_xml_gives_its_line_and_column() {
    let r = check_ssml(&format!(
        "{HEAD}\n<voice name=\"en-US-AvaNeural\">\nHello</voic>\n</speak>"
    ));
    assert_eq!(r.rules(), vec![Rule::SsmlMalformed]);
    let f = &r.findings[0];
    assert!(
        f.message
            .starts_with("not well-formed XML at line 3, column "),
        "{}",
        f.message
    );
    let acs = f.acs.unwrap();
    assert_eq!(
        (acs.code, acs.message, acs.subcode),
        (400, "Play Failed", 8565)
    );
}

#[test]
fn a_billion_laughs_is_malformed_and_never_expanded() {
    let mut doc = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE speak [\n<!ENTITY a \"lol\">\n");
    for i in 1..10 {
        let prev = (b'a' + i - 1) as char;
        let this = (b'a' + i) as char;
        doc.push_str(&format!(
            "<!ENTITY {this} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]>\n");
    doc.push_str(&speak("<voice name=\"en-US-AvaNeural\">&j;</voice>"));
    let r = check_ssml(&doc);
    assert_eq!(r.rules(), vec![Rule::SsmlMalformed]);
    assert!(r.findings[0].message.contains("DTD"), "{r}");
}

#[test]
fn structure_rules_fire_and_hold_back() {
    let cases = [
        ("<speech><voice name=\"x\">Hi</voice></speech>", "the root element is <speech>"),
        (
            "<speak xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\"><voice name=\"x\">Hi</voice></speak>",
            "lacks version=\"1.0\"",
        ),
        (
            "<speak version=\"1.0\" xml:lang=\"en-US\"><voice name=\"x\">Hi</voice></speak>",
            "lacks the synthesis namespace",
        ),
        (
            "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\"><voice name=\"x\">Hi</voice></speak>",
            "lacks xml:lang",
        ),
        (&speak("Hello <voice name=\"x\">Hi</voice>"), "text outside a <voice> element at line 1"),
        (&speak("<voice>Hi</voice>"), "a <voice> without a name at line 1"),
    ];
    for (doc, says) in cases {
        let r = check_ssml(doc);
        assert_eq!(r.rules(), vec![Rule::SsmlStructure], "{doc}: {r}");
        assert!(r.findings[0].message.contains(says), "{doc}: {r}");
        assert_eq!(r.findings[0].acs.unwrap().subcode, 8565);
    }
    assert!(!check_ssml(&speak(VALID)).has(Rule::SsmlStructure));
}

#[test]
fn nothing_to_speak_is_8582() {
    for doc in [
        String::new(),
        "  \n".to_owned(),
        speak(r#"<voice name="en-US-AvaNeural"> </voice>"#),
        speak(r#"<voice name="en-US-AvaNeural"><!-- a pause --></voice>"#),
    ] {
        let r = check_ssml(&doc);
        assert_eq!(r.rules(), vec![Rule::SsmlEmpty], "{doc:?}");
        let acs = r.findings[0].acs.unwrap();
        assert_eq!((acs.code, acs.subcode), (400, 8582));
    }
    // An audio clip alone is something to play, and so is a pause.
    let audio = speak(r#"<voice name="x"><audio src="https://h.example/a.mp3"/></voice>"#);
    assert!(!check_ssml(&audio).has(Rule::SsmlEmpty));
    let pause = speak(r#"<voice name="en-US-AvaNeural"><break time="2s"/></voice>"#);
    assert_eq!(check_ssml(&pause).status, Status::Pass);
}

#[test]
fn more_than_50_voice_and_audio_elements_fail() {
    let voices = |n: usize| r#"<voice name="en-US-AvaNeural">Hi</voice>"#.repeat(n);
    let clip = r#"<voice name="x"><audio src="https://h.example/a.mp3"/></voice>"#;
    assert!(!check_ssml(&speak(&voices(50))).has(Rule::SsmlTooManyElements));
    // 25 voices with a clip each (50 elements) plus one voice: 51.
    let r = check_ssml(&speak(&format!("{}{}", clip.repeat(25), voices(1))));
    assert_eq!(r.rules(), vec![Rule::SsmlTooManyElements], "{r}");
    assert!(r.findings[0]
        .message
        .starts_with("26 <voice> and 25 <audio> elements, 51 in all"));
}

#[test]
fn audio_src_must_be_https_and_a_speech_format() {
    let with = |src: &str| {
        speak(&format!(
            r#"<voice name="x">Hi<audio src="{src}"/></voice>"#
        ))
    };
    for ok in [
        "https://h.example/a.mp3",
        "https://h.example/a.OPUS?sv=1",
        "https://h.example/a.wma",
    ] {
        assert!(!check_ssml(&with(ok)).has(Rule::SsmlAudioSrc), "{ok}");
    }
    for bad in [
        "http://h.example/a.mp3",
        "https://h.example/a.m4a",
        "a.wav",
        "",
    ] {
        let r = check_ssml(&with(bad));
        assert_eq!(r.rules(), vec![Rule::SsmlAudioSrc], "{bad}: {r}");
    }
    // A SAS signature in the src never reaches the message.
    let r = check_ssml(&with("http://h.example/a.mp3?sv=2024&amp;sig=s3cr3tsig"));
    assert!(!r.findings[0].message.contains("s3cr3tsig"), "{r}");
}

#[test]
fn hd_voices_are_a_warning() {
    let r = check_ssml(&speak(
        r#"<voice name="en-US-Ava:DragonHDLatestNeural">Hi</voice>"#,
    ));
    assert_eq!(r.rules(), vec![Rule::SsmlHdVoice]);
    assert_eq!(r.status, Status::Warn);
    assert_eq!(r.findings[0].acs, None);
    assert!(!check_ssml(&speak(VALID)).has(Rule::SsmlHdVoice));
}

#[test]
fn recognize_and_levels_apply() {
    let options = CheckOptions::default()
        .action(Action::Recognize)
        .level(Rule::SsmlHdVoice, Level::Off);
    let r = check_ssml_with("menu", "", &options);
    let acs = r.findings[0].acs.unwrap();
    assert_eq!(
        (acs.code, acs.message, acs.subcode),
        (400, "Recognize Failed", 8582)
    );
    let hd = speak(r#"<voice name="en-US-Ava:DragonHDLatestNeural">Hi</voice>"#);
    assert_eq!(check_ssml_with("menu", &hd, &options).status, Status::Pass);
}

#[test]
fn ssml_files_are_inputs_and_other_xml_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.ssml"), speak(VALID)).unwrap();
    std::fs::write(
        p.join("b.xml"),
        format!("<?xml version=\"1.0\"?>\n<!-- menu -->\n{}", speak("")),
    )
    .unwrap();
    std::fs::write(p.join("c.xml"), "<configuration><speak/></configuration>").unwrap();
    std::fs::write(p.join("d.ssml"), "<speak>").unwrap();
    let report = check_paths(&[p], &CheckOptions::default()).unwrap();
    let names: Vec<(String, Vec<Rule>)> = report
        .results
        .iter()
        .map(|r| (r.input.rsplit('/').next().unwrap().to_owned(), r.rules()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("a.ssml".to_owned(), vec![]),
            ("b.xml".to_owned(), vec![Rule::SsmlEmpty]),
            ("d.ssml".to_owned(), vec![Rule::SsmlMalformed]),
        ]
    );
    assert_eq!(report.summary.skipped, 1, "c.xml is passed over");
    // In memory, by name, the same.
    let r = acs_preflight::check_bytes("menu.ssml", b"<speak>", &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::SsmlMalformed]);
    let xml = speak(VALID);
    let r = acs_preflight::check_bytes("menu.xml", xml.as_bytes(), &CheckOptions::default());
    assert_eq!(r.status, Status::Pass, "{r}");
    // Named directly, a .ssml file over the size bound is reported, not read.
    let big = p.join("big.ssml");
    std::fs::write(&big, " ".repeat(acs_preflight::ssml::MAX_SSML_BYTES + 1)).unwrap();
    let r = check_file(&big, &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::SsmlMalformed]);
    assert!(r.findings[0].message.contains("over the 1 MiB"), "{r}");
}

/// `check --format json --extract-from FILE...` in a repository holding `files`: each result's
/// input, rules and source line.
fn extracted(files: &[(&str, &str)]) -> (i32, Vec<(String, Vec<String>, u64)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let mut c = assert_cmd::Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir.path())
        .args(["check", "--format", "json"]);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
        c.args(["--extract-from", name]);
    }
    let (code, out, err) = crate::support::run(&mut c);
    let results = crate::support::report_results(&out)
        .into_iter()
        .map(|r| {
            let rules = r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap().to_owned())
                .collect();
            let line = r["sources"][0]["line"].as_u64().unwrap_or(0);
            (r["input"].as_str().unwrap().to_owned(), rules, line)
        })
        .collect();
    assert!(err.is_empty() || code != 2, "{err}");
    (code, results)
}

const NS: &str =
    r#"version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\""#;

#[test]
fn ssml_strings_in_json_yaml_resx_and_csharp_are_checked_at_their_line() {
    let json = format!(
        "{{\n  \"Prompts\": {{\n    \"Welcome\": \"<speak {NS}><voice name=\\\"en-US-AvaNeural\\\">Hi</voice></speak>\",\n    \"Empty\": \"<speak {NS}><voice name=\\\"en-US-AvaNeural\\\"></voice></speak>\"\n  }}\n}}\n"
    );
    let plain = NS.replace('\\', "");
    let yaml = format!(
        "prompts:\n  welcome: |\n    <speak {plain}>\n      <voice name=\"en-US-AvaNeural\">Hi</voice>\n    </speak>\n  hd: '<speak {}><voice name=\"en-US-Ava:DragonHDLatestNeural\">Hi</voice></speak>'\n",
        plain.replace('"', "''")
    );
    let escaped = plain.replace('"', "&quot;");
    let resx = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root>\n  <data name=\"Welcome\" xml:space=\"preserve\">\n    <value>&lt;speak {escaped}&gt;&lt;voice name=\"en-US-AvaNeural\"&gt;Hi&lt;/voice&gt;&lt;/speak&gt;</value>\n  </data>\n  <data name=\"Menu\">\n    <value>&lt;speak {escaped}&gt;Press 1&lt;/speak&gt;</value>\n  </data>\n</root>\n"
    );
    let cs = format!(
        "class P {{\n  const string A = @\"<speak {}><voice name=\"\"en-US-AvaNeural\"\">Hi</voice></speak>\";\n  // const string Old = \"<speak>\";\n  string B(string n) => $\"<speak {NS}><voice name=\\\"{{n}}\\\">Hi</speak>\";\n}}\n",
        plain.replace('"', "\"\"")
    );
    let (code, results) = extracted(&[
        ("appsettings.json", &json),
        ("prompts.yaml", &yaml),
        ("Strings.resx", &resx),
        ("Prompts.cs", &cs),
    ]);
    assert_eq!(code, 1);
    let s = |v: &[&str]| v.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        results,
        vec![
            ("appsettings.json:3 (SSML string)".to_owned(), s(&[]), 3),
            (
                "appsettings.json:4 (SSML string)".to_owned(),
                s(&["ssml-empty"]),
                4
            ),
            ("prompts.yaml:3 (SSML string)".to_owned(), s(&[]), 3),
            (
                "prompts.yaml:6 (SSML string)".to_owned(),
                s(&["ssml-hd-voice"]),
                6
            ),
            ("Strings.resx:4 (SSML string)".to_owned(), s(&[]), 4),
            (
                "Strings.resx:7 (SSML string)".to_owned(),
                s(&["ssml-structure"]),
                7
            ),
            ("Prompts.cs:2 (SSML string)".to_owned(), s(&[]), 2),
            (
                "Prompts.cs:4 (SSML string, interpolated: holes read as text)".to_owned(),
                s(&["ssml-malformed"]),
                4
            ),
        ]
    );
}

/// An `audio src` inside an SSML string is Speech's to fetch, in Speech's formats: it is not
/// also checked as a Play prompt (a 44.1 kHz stereo clip is fine for Speech). A prompt URL next
/// to it still is.
#[test]
fn an_audio_src_in_extracted_ssml_is_not_a_play_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("appsettings.json");
    std::fs::write(
        &json,
        "{\n  \"Greeting\": \"<speak version=\\\"1.0\\\" xmlns=\\\"http://www.w3.org/2001/10/synthesis\\\" xml:lang=\\\"en-US\\\"><voice name=\\\"en-US-AvaNeural\\\">Hi <audio src=\\\"https://10.0.0.9/clip.wav?a=1&amp;b=2\\\"/></voice></speak>\",\n  \"Menu\": \"https://10.0.0.9/menu.wav\"\n}\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["check", "--dump", "--format", "json", "--extract-from"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<(&str, &str)> = plan
        .iter()
        .map(|p| (p["kind"].as_str().unwrap(), p["input"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[0], ("url", "https://10.0.0.9/menu.wav"));
    assert_eq!(kinds[1].0, "ssml");
    // The clip, as Speech will fetch it: listed by --dump, after the inputs.
    assert_eq!(
        kinds[2],
        ("ssml-audio", "https://10.0.0.9/clip.wav?a=1&b=2")
    );
    assert_eq!(plan[2]["sources"][0]["line"], 2);
}

/// Lines in an extracted string's findings are the file's when the string's lines are;
/// with escaped line breaks they count from the string's start, and say so.
#[test]
fn lines_in_an_extracted_string_say_where_the_string_starts() {
    let dir = tempfile::tempdir().unwrap();
    let py = dir.path().join("prompts.py");
    std::fs::write(
        &py,
        "import x\n\n\nGREETING = \"\"\"<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\">\n<voice name=\"en-US-AvaNeural\">Hi</voice>\nstray text\n</speak>\"\"\"\n",
    )
    .unwrap();
    let first_finding = |file: &std::path::Path| -> serde_json::Value {
        let out = assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .args(["check", "--format", "json", "--extract-from"])
            .arg(file)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["results"][0]["findings"][0].clone()
    };
    let finding = first_finding(&py);
    // The string's lines are the file's: the file's line, in the message and the finding.
    assert_eq!(
        finding["message"],
        "text outside a <voice> element at line 6"
    );
    assert_eq!(finding["line"], 6);
    // Escaped line breaks: lines count from the string's start, and the message says so.
    let json = dir.path().join("app.json");
    std::fs::write(
        &json,
        "{\n\n  \"Greeting\": \"<speak version=\\\"1.0\\\" xmlns=\\\"http://www.w3.org/2001/10/synthesis\\\" xml:lang=\\\"en-US\\\">\\n<voice name=\\\"a\\\">Hi</voice>\\nstray text\\n</speak>\"\n}\n",
    )
    .unwrap();
    let finding = first_finding(&json);
    assert_eq!(
        finding["message"],
        "text outside a <voice> element at line 3 (lines of the string, which starts at line 3)"
    );
    assert_eq!(finding["line"], 3);
}

/// An `audio src` is fetched as Speech fetches it and judged by Speech's formats: a 44.1 kHz
/// stereo WAV or an MP3 without an ID3v2 tag passes (Play refuses both); M4A, a web page and a
/// 404 fail, each predicting 8565 and naming Speech as the fetcher.
#[test]
fn an_audio_src_is_judged_by_speech_formats_not_plays() {
    use crate::server::{Reply, Server};
    use crate::support::{mp3, wav_int};
    use acs_preflight::{check_speech_audio_blocking, check_url_blocking};

    let m4a = b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom\0\0\0\0".repeat(8);
    let server = Server::start(vec![
        (
            "/stereo.wav",
            vec![Reply::file(wav_int(44_100, 2, 16, 4410))],
        ),
        ("/untagged.mp3", vec![Reply::file(mp3(false, 20))]),
        ("/clip.m4a", vec![Reply::file(m4a)]),
        (
            "/page.mp3",
            vec![Reply::with_headers(
                200,
                &[("Content-Type", "text/html")],
                b"<!DOCTYPE html><html><body>Sign in</body></html>",
            )],
        ),
        ("/gone.mp3", vec![Reply::status(404)]),
    ]);
    let options = CheckOptions::default()
        .allow_private(true)
        .timeout(std::time::Duration::from_secs(5));
    for path in ["/stereo.wav", "/untagged.mp3"] {
        // The loopback server speaks plain http, which Speech refuses: the one finding. The
        // content itself passes.
        let r = check_speech_audio_blocking(&server.url(path), &options);
        assert_eq!(r.rules(), vec![Rule::SsmlAudioSrc], "{path}: {r}");
        assert!(
            r.findings[0]
                .message
                .ends_with("Azure Speech fetches audio over https only"),
            "{path}: {r}"
        );
        assert!(r.audio.is_some(), "{path}: the body was read");
        // The same bytes as a Play prompt fail on their format.
        let play = check_url_blocking(&server.url(path), &options);
        assert!(
            play.has(Rule::SampleRate) || play.has(Rule::NotWav),
            "{path}: {play}"
        );
    }
    for (path, rule) in [
        ("/clip.m4a", Rule::SsmlAudioSrc),
        ("/page.mp3", Rule::UrlNotAudio),
        ("/gone.mp3", Rule::UrlHttpStatus),
    ] {
        let r = check_speech_audio_blocking(&server.url(path), &options);
        assert!(r.has(rule), "{path}: {r}");
        for f in &r.findings {
            let acs = f.acs.unwrap_or_else(|| panic!("{path}: {f:?}"));
            assert_eq!(acs.subcode, 8565, "{path}: {f:?}");
            assert!(!f.message.contains(" ACS "), "{path}: {}", f.message);
        }
    }
    let m4a = check_speech_audio_blocking(&server.url("/clip.m4a"), &options);
    let format = m4a
        .findings
        .iter()
        .find(|f| f.message.starts_with("the server sends"));
    assert!(
        format.is_some_and(|f| f.rule == Rule::SsmlAudioSrc
            && f.message
                .ends_with("not one of Azure Speech's formats (mp3, wav, opus, ogg, flac, wma)")),
        "{m4a}"
    );
}

/// An ignored `audio src` is counted once per place: the same clip twice on one line is one.
#[test]
fn an_ignored_clip_is_counted_once_per_place() {
    let dir = tempfile::tempdir().unwrap();
    let clip = "<audio src=\"https://cdn.contoso.example/chime.wav\"/>";
    std::fs::write(
        dir.path().join("a.ssml"),
        speak(&format!(
            "\n<voice name=\"en-US-AvaNeural\">Hold on.{clip}{clip}\n{clip}</voice>"
        )),
    )
    .unwrap();
    let (_, json, err) = acs_on(
        &[
            "check",
            "--offline",
            "--format",
            "json",
            "--url-ignore",
            "contoso",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|_| panic!("{err}"));
    assert_eq!(v["summary"]["ignored"], 2, "{json}");
}

/// A scan makes each `audio src` of the SSML it reads (files and extracted strings) an input of
/// its own, after the others, once per URL with every place it is written; `--offline` sends
/// nothing, and an `audio src` that fails the static checks is not fetched.
#[test]
fn audio_srcs_are_inputs_of_their_own_once_per_url() {
    use crate::server::{Reply, Server};

    let server = Server::start(vec![("/clip.mp3", vec![Reply::file(vec![0; 64])])]);
    let port = server.addr.port();
    let dir = tempfile::tempdir().unwrap();
    let voice = |src: &str| {
        speak(&format!(
            "\n<voice name=\"en-US-AvaNeural\">Hold on.\n<audio src=\"{src}\"/></voice>"
        ))
    };
    let clip = format!("https://127.0.0.1:{port}/clip.mp3?sv=1&sig=S3CRET");
    let clip = clip.replace('&', "&amp;");
    std::fs::write(dir.path().join("a.ssml"), voice(&clip)).unwrap();
    std::fs::write(dir.path().join("b.xml"), voice(&clip)).unwrap();
    std::fs::write(
        dir.path().join("c.ssml"),
        voice(&format!("http://127.0.0.1:{port}/plain.mp3")),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .args([
                "check",
                "--format",
                "json",
                "--allow-private",
                "--timeout",
                "3",
            ])
            .args(extra)
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains("S3CRET") && !String::from_utf8_lossy(&out.stderr).contains("S3CRET")
        );
        crate::support::report_results(&text)
    };
    let results = run(&[]);
    let inputs: Vec<&str> = results
        .iter()
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    assert!(inputs[0].ends_with("a.ssml") && inputs[1].ends_with("b.xml"));
    assert!(inputs[2].ends_with("c.ssml"));
    let audio = &results[3];
    assert_eq!(
        audio["input"],
        format!("https://127.0.0.1:{port}/clip.mp3?sv=1&sig=REDACTED")
    );
    let sources: Vec<(String, u64)> = audio["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                crate::support::file_name(s["file"].as_str().unwrap()),
                s["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        vec![("a.ssml".to_owned(), 3), ("b.xml".to_owned(), 3)]
    );
    // The server speaks plain HTTP, so the TLS handshake Speech needs fails: but it was tried,
    // on loopback, and the failure predicts 8565.
    let finding = &audio["findings"][0];
    assert_eq!(finding["rule"], "url-unreachable", "{audio}");
    assert_eq!(finding["acs"]["subcode"], 8565);
    assert!(server.connections() >= 1);
    // The http one is an ssml-audio-src error of its SSML, not fetched.
    assert_eq!(results[2]["findings"][0]["rule"], "ssml-audio-src");
    assert_eq!(server.hits("/plain.mp3"), 0);
    // An ignored URL (`--url-ignore`, as for extracted URLs) is not fetched.
    let before = server.connections();
    let results = run(&["--url-ignore", r"127\.0\.0\.1:\d+/clip"]);
    assert_eq!(results.len(), 3);
    assert_eq!(server.connections(), before);
    // It is counted and listed with the other ignored URLs, once per place, redacted.
    let (_, human, _) = acs_on(
        &[
            "check",
            "-v",
            "--allow-private",
            "--url-ignore",
            r"127\.0\.0\.1:\d+/clip",
        ],
        dir.path(),
    );
    assert!(!human.contains("S3CRET"));
    assert!(human.contains(", 2 URLs ignored"), "{human}");
    let listed: Vec<&str> = human
        .lines()
        .filter(|l| l.ends_with("): ignored (matches an ignore pattern)"))
        .collect();
    assert_eq!(listed.len(), 2, "{human}");
    assert!(listed[0].starts_with(&format!(
        "https://127.0.0.1:{port}/clip.mp3?sv=1&sig=REDACTED (from "
    )));
    let (_, json, _) = acs_on(
        &[
            "check",
            "--format",
            "json",
            "--allow-private",
            "--url-ignore",
            r"127\.0\.0\.1:\d+/clip",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["ignored"], 2, "{json}");
    assert_eq!(server.connections(), before);
    // Offline: the same input, checked without the network.
    let results = run(&["--offline"]);
    assert_eq!(results.len(), 4);
    assert_eq!(results[3]["findings"][0]["rule"], "url-not-checked");
    assert_eq!(server.connections(), before);
}

/// Each SSML finding carries the line it is about, and `--format github` puts the annotation
/// there; a finding about the whole document (nothing to speak) has none.
#[test]
fn ssml_findings_carry_their_line_into_annotations() {
    let r = check_ssml(
        "<speak version=\"1.0\" xml:lang=\"en-US\">\n\n<voice name=\"en-US-Ava:DragonHDLatestNeural\">Hi</voice>\n</speak>",
    );
    let lines: Vec<(Rule, Option<u32>)> = r.findings.iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        lines,
        vec![(Rule::SsmlStructure, Some(1)), (Rule::SsmlHdVoice, Some(3))]
    );
    assert_eq!(
        check_ssml(&speak("<voice name=\"a\"></voice>")).findings[0].line,
        None
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("menu.ssml");
    std::fs::write(
        &file,
        format!("{HEAD}\n<voice name=\"en-US-AvaNeural\">\nHi</voic>\n</speak>"),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["check", "--format", "github"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "::error file={},line=3,title=acs-preflight ssml-malformed::",
            file.display()
        )),
        "{text}"
    );
}

/// What a reviewer's .NET app holds: a Play URL that is also an SSML clip in the same file is
/// checked both ways; JSON's `\u003c` and an XML declaration still make SSML; C# holes that
/// stand for markup or a src, quotes inside holes, concatenated pieces and unclosed fragments
/// raise nothing, and a src built from a hole is not fetched.
#[test]
fn real_app_strings_are_read_as_the_app_builds_them() {
    let voice = r#"<voice name=\"en-US-AvaNeural\">"#;
    let json = format!(
        "{{\n  \"HoldMusicUrl\": \"https://10.0.0.9/chime.mp3\",\n  \"Hold\": \"<speak {NS}>{voice}Hold on <audio src=\\\"https://10.0.0.9/chime.mp3\\\"/></voice></speak>\",\n  \"Escaped\": \"\\u003Cspeak {NS}\\u003E{voice}Hi\\u003C/voice\\u003E\\u003C/speak\\u003E\",\n  \"Declared\": \"<?xml version=\\\"1.0\\\"?><speak {NS}>{voice}Hi</voice></speak>\"\n}}\n"
    );
    let cs = format!(
        "class P {{\n  string A(string inner) => $\"<speak {NS}>{{inner}}</speak>\";\n  string B(string baseUrl) => $\"<speak {NS}>{voice}Hi <audio src=\\\"{{baseUrl}}/chime.mp3\\\"/></voice></speak>\";\n  string C(int n) => $\"<speak {NS}>{voice}{{(n > 1 ? \"many\" : \"one\")}}</voice></speak>\";\n  string D(string n) => \"<speak {NS}>{voice}Hi \" + n + \"</voice></speak>\";\n  const string Head = \"<speak {NS}>\";\n}}\n"
    );
    let (code, results) = extracted(&[("appsettings.json", &json), ("Prompts.cs", &cs)]);
    assert_eq!(code, 1);
    let hole = "(SSML string, interpolated: holes read as text)";
    let want: Vec<(String, Vec<String>, u64)> = vec![
        (
            "https://10.0.0.9/chime.mp3".into(),
            vec!["url-private".into()],
            2,
        ),
        ("appsettings.json:3 (SSML string)".into(), vec![], 3),
        ("appsettings.json:4 (SSML string)".into(), vec![], 4),
        ("appsettings.json:5 (SSML string)".into(), vec![], 5),
        (format!("Prompts.cs:2 {hole}"), vec![], 2),
        (format!("Prompts.cs:3 {hole}"), vec![], 3),
        (format!("Prompts.cs:4 {hole}"), vec![], 4),
        // The clip of line 3, as Speech fetches it: its own input (refused before any request).
        (
            "https://10.0.0.9/chime.mp3".into(),
            vec!["url-private".into()],
            3,
        ),
    ];
    assert_eq!(results, want);
}

/// `--extract-from` checks an SSML file it reads as an SSML prompt (its `audio src` by
/// Speech's rules), not as a file of Play URLs; a folder search takes `.ssml` files too.
#[test]
fn extract_from_checks_ssml_files_as_prompts() {
    let doc = "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\">\n<voice name=\"en-US-AvaNeural\">Hold on <audio src=\"https://10.0.0.9/a.mp3\"/></voice>\n</speak>\n";
    let (code, results) = extracted(&[("menu.ssml", doc), ("hold.xml", doc)]);
    assert_eq!(code, 1);
    let want: Vec<(String, Vec<String>, u64)> = vec![
        ("menu.ssml".into(), vec![], 0),
        ("hold.xml".into(), vec![], 0),
        (
            "https://10.0.0.9/a.mp3".into(),
            vec!["url-private".into()],
            2,
        ),
    ];
    assert_eq!(results, want);
}

/// A finding in an extracted string is placed at its line in the file when the string's lines
/// are the file's (a verbatim string over several lines), else where the string starts (`\n`
/// escapes); `--format github` annotates there, and a URL written in two places gets two
/// annotations.
#[test]
fn extracted_findings_are_annotated_at_their_file_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Prompts.cs"),
        "class P {\n  const string A = @\"<speak version=\"\"1.0\"\" xml:lang=\"\"en-US\"\">\n<voice name=\"\"en-US-AvaNeural\"\">Hi\n<voice name=\"\"en-US-Ava:DragonHDLatestNeural\"\">Hey</voice></voice>\n</speak>\";\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.json"),
        "{\n  \"Hd\": \"<speak version=\\\"1.0\\\" xmlns=\\\"http://www.w3.org/2001/10/synthesis\\\" xml:lang=\\\"en-US\\\">\\n\\n<voice name=\\\"en-US-Ava:DragonHDLatestNeural\\\">Hi</voice></speak>\",\n  \"A\": \"https://10.0.0.9/a.wav\",\n  \"B\": \"https://10.0.0.9/a.wav\"\n}\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "check",
                "--format",
                format,
                "--extract-from",
                "Prompts.cs",
                "--extract-from",
                "app.json",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let results = crate::support::report_results(&run("json"));
    let lines = |i: usize| -> Vec<(String, u64)> {
        results[i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // The URL first (extracted URLs come before SSML strings), then Prompts.cs's string (it
    // starts on line 2; its <speak> lacks the namespace, and the HD voice is on its line 3, the
    // file's line 4), then app.json's (on one line: its findings are placed there).
    assert_eq!(results[0]["input"], "https://10.0.0.9/a.wav");
    assert_eq!(
        lines(1),
        vec![
            ("ssml-structure".to_owned(), 2),
            ("ssml-hd-voice".to_owned(), 4)
        ]
    );
    assert_eq!(lines(2), vec![("ssml-hd-voice".to_owned(), 2)]);
    let github = run("github");
    assert!(
        github.contains("::warning file=Prompts.cs,line=4,title=acs-preflight ssml-hd-voice::"),
        "{github}"
    );
    assert!(
        github.contains("::warning file=app.json,line=2,title=acs-preflight ssml-hd-voice::"),
        "{github}"
    );
    for line in [3, 4] {
        assert!(
            github.contains(&format!(
                "::error file=app.json,line={line},title=acs-preflight url-private::"
            )),
            "{github}"
        );
    }
}

/// Whether `text` names ACS as a word (not inside a URL or another word).
fn names_acs(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "ACS")
}

/// The URL checks of an `audio src` name Azure Speech as the fetcher in every message and
/// advice they build (the same checks name ACS for a Play prompt), and leave the server's own
/// words as sent: a server's error code `ACS` is not Speech's name.
#[test]
fn speech_fetches_are_named_speech_and_server_words_are_kept() {
    use crate::server::{Reply, Server};
    use crate::support::mp3;
    use acs_preflight::{check_speech_audio_blocking, check_url_blocking};

    let server = Server::start(vec![
        ("/login.mp3", vec![Reply::status(401)]),
        (
            "/denied.mp3",
            vec![Reply::with_headers(403, &[("x-ms-error-code", "ACS")], b"")],
        ),
        ("/busy.mp3", vec![Reply::status(429)]),
        ("/broken.mp3", vec![Reply::status(500)]),
        ("/nowhere.mp3", vec![Reply::status(302)]),
        (
            "/to-ftp.mp3",
            vec![Reply::redirect(302, "ftp://127.0.0.1/a.mp3")],
        ),
        ("/clip.mp3", vec![Reply::file(mp3(true, 20))]),
    ]);
    let options = CheckOptions::default()
        .allow_private(true)
        .retries(0)
        .timeout(std::time::Duration::from_secs(5));
    let port = server.addr.port();
    let mut urls: Vec<String> = [
        "/login.mp3",
        "/denied.mp3",
        "/busy.mp3",
        "/broken.mp3",
        "/nowhere.mp3",
        "/to-ftp.mp3",
        "/clip.mp3?se=2099-01-01&sp=w&sig=x",
    ]
    .iter()
    .map(|p| server.url(p))
    .collect();
    urls.push(format!("http://bob:pw@127.0.0.1:{port}/clip.mp3"));
    urls.push("ftp://127.0.0.1/a.mp3".to_owned());
    let mut speech_words = 0;
    for url in &urls {
        let speech = check_speech_audio_blocking(url, &options);
        let play = check_url_blocking(url, &options);
        assert!(!speech.findings.is_empty(), "{url}: {speech}");
        for f in &speech.findings {
            let message = f.message.trim_end_matches("Azure error code ACS");
            assert!(!names_acs(message), "{url}: {}", f.message);
            assert!(!names_acs(&f.advice), "{url}: {}", f.advice);
            speech_words += usize::from(f.message.contains("Azure Speech"));
            speech_words += usize::from(f.advice.contains("Azure Speech"));
        }
        // The Play prompt's findings name ACS where Speech's name Speech.
        let said = |r: &acs_preflight::CheckResult| -> usize {
            r.findings
                .iter()
                .map(|f| {
                    f.message.matches("Azure Speech").count()
                        + f.advice.matches("Azure Speech").count()
                })
                .sum()
        };
        assert_eq!(said(&play), 0, "{url}: {play}");
    }
    // 401 (message and advice), 429, 500, no Location, ftp hop (message and advice), SAS
    // without read (two), credentials (message and advice), ftp (message and advice), plain
    // http (each URL but the ftp one's).
    assert!(speech_words >= 20, "{speech_words}");
    let denied = check_speech_audio_blocking(&server.url("/denied.mp3"), &options);
    let status = denied
        .findings
        .iter()
        .find(|f| f.rule == Rule::UrlHttpStatus)
        .unwrap();
    assert!(
        status.message.ends_with("; Azure error code ACS"),
        "{}",
        status.message
    );
    // 127.0.0.1 where private hosts are not allowed: refused before any request.
    let private = check_speech_audio_blocking(
        &server.url("/clip.mp3"),
        &options.clone().allow_private(false),
    );
    assert!(private.has(Rule::UrlPrivate), "{private}");
    assert!(
        private.findings.iter().any(|f| f
            .message
            .ends_with("Azure Speech cannot reach it, and no request was sent")),
        "{private}"
    );
}
