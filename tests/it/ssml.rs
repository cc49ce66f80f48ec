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
        speak(r#"<voice name="en-US-AvaNeural"><break time="1s"/></voice>"#),
    ] {
        let r = check_ssml(&doc);
        assert_eq!(r.rules(), vec![Rule::SsmlEmpty], "{doc:?}");
        let acs = r.findings[0].acs.unwrap();
        assert_eq!((acs.code, acs.subcode), (400, 8582));
    }
    // An audio clip alone is something to play.
    let audio = speak(r#"<voice name="x"><audio src="https://h.example/a.mp3"/></voice>"#);
    assert!(!check_ssml(&audio).has(Rule::SsmlEmpty));
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
        "class P {{\n  const string A = @\"<speak {}><voice name=\"\"en-US-AvaNeural\"\">Hi</voice></speak>\";\n  // const string Old = \"<speak>\";\n  string B(string n) => $\"<speak {NS}><voice name=\\\"{{n}}\\\">Hi</voice>\";\n}}\n",
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
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[0], ("url", "https://10.0.0.9/menu.wav"));
    assert_eq!(kinds[1].0, "ssml");
}

/// Lines in an extracted string's findings count from the string's start, and say so.
#[test]
fn lines_in_an_extracted_string_say_where_the_string_starts() {
    let dir = tempfile::tempdir().unwrap();
    let py = dir.path().join("prompts.py");
    std::fs::write(
        &py,
        "import x\n\n\nGREETING = \"\"\"<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\">\n<voice name=\"en-US-AvaNeural\">Hi</voice>\nstray text\n</speak>\"\"\"\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["check", "--format", "json", "--extract-from"])
        .arg(&py)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = report["results"][0]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "text outside a <voice> element at line 3 (lines of the string, which starts at line 4)"
    );
}
