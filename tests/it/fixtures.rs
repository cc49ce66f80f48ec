//! The bundled `fixtures/` folder: every WAV in it is made by the generators below, so the
//! committed bytes can be checked (and remade with `ACS_PREFLIGHT_BLESS=1 cargo test fixtures`).
//! `prompt-mp3-renamed.wav` is the one file made by an outside encoder (LAME); see
//! `fixtures/README.md`.

use std::path::Path;

use acs_preflight::{check_file, check_paths, CheckOptions, Rule, Status};

use crate::support::*;

/// 0.2 s at 16 kHz.
const FRAMES: usize = 3200;

fn generated() -> Vec<(&'static str, Vec<u8>)> {
    let valid = valid(FRAMES);
    vec![
        ("valid/prompt-16khz-mono-16bit.wav", valid.clone()),
        (
            "valid/prompt-16khz-mono-16bit-list-chunk.wav",
            // An odd-sized LIST chunk (19 bytes plus its pad byte) before the data.
            insert_before_data(&valid, b"LIST", b"INFOISFT\x07\x00\x00\x00hound!\x00"),
        ),
        (
            "prompt-16khz-mono-16bit-extensible.wav",
            to_extensible(&valid, 1),
        ),
        ("prompt-44k1hz-mono-16bit.wav", wav_int(44_100, 1, 16, 8820)),
        (
            "prompt-16khz-stereo-16bit.wav",
            wav_int(16_000, 2, 16, FRAMES),
        ),
        ("prompt-16khz-mono-8bit.wav", wav_int(16_000, 1, 8, FRAMES)),
        (
            "prompt-16khz-mono-float32.wav",
            wav_float(16_000, 1, FRAMES),
        ),
        ("prompt-truncated.wav", truncated(&valid, 44 + 3000)),
    ]
}

#[test]
fn fixtures_match_their_generators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let bless = std::env::var_os("ACS_PREFLIGHT_BLESS").is_some();
    for (name, bytes) in generated() {
        let path = root.join(name);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(on_disk == bytes, "{name} differs from its generator");
    }
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn each_fixture_gets_its_verdict() {
    let opts = CheckOptions::default();
    let cases: &[(&str, Status, &[Rule])] = &[
        ("valid/prompt-16khz-mono-16bit.wav", Status::Pass, &[]),
        (
            "valid/prompt-16khz-mono-16bit-list-chunk.wav",
            Status::Pass,
            &[],
        ),
        (
            "prompt-16khz-mono-16bit-extensible.wav",
            Status::Warn,
            &[Rule::ExtensibleHeader],
        ),
        (
            "prompt-44k1hz-mono-16bit.wav",
            Status::Fail,
            &[Rule::SampleRate],
        ),
        (
            "prompt-16khz-stereo-16bit.wav",
            Status::Fail,
            &[Rule::Channels],
        ),
        (
            "prompt-16khz-mono-8bit.wav",
            Status::Fail,
            &[Rule::BitDepth],
        ),
        // hound writes 32-bit float as WAVE_FORMAT_EXTENSIBLE with the float sub-format.
        (
            "prompt-16khz-mono-float32.wav",
            Status::Fail,
            &[Rule::NotPcm],
        ),
        (
            "prompt-mp3-renamed.wav",
            Status::Fail,
            &[Rule::NotWav, Rule::ExtensionMismatch],
        ),
        ("prompt-truncated.wav", Status::Fail, &[Rule::Malformed]),
        ("ssml/welcome.ssml", Status::Pass, &[]),
        ("ssml/hold-music-with-audio.xml", Status::Pass, &[]),
        (
            "ssml/malformed-unclosed-voice.ssml",
            Status::Fail,
            &[Rule::SsmlMalformed],
        ),
        (
            "ssml/structure-no-namespace-text-outside-voice.ssml",
            Status::Fail,
            &[Rule::SsmlStructure, Rule::SsmlStructure],
        ),
        ("ssml/empty-voice.ssml", Status::Fail, &[Rule::SsmlEmpty]),
        (
            "ssml/audio-src-http-m4a.ssml",
            Status::Fail,
            &[Rule::SsmlAudioSrc],
        ),
        ("ssml/hd-voice.ssml", Status::Warn, &[Rule::SsmlHdVoice]),
        (
            "ssml/too-many-voices.ssml",
            Status::Fail,
            &[Rule::SsmlTooManyElements],
        ),
    ];
    for &(name, status, rules) in cases {
        let r = check_file(fixture(name), &opts);
        assert_eq!(r.rules(), rules, "{name}: {:#?}", r.findings);
        assert_eq!(r.status, status, "{name}");
    }
    // The report over the whole folder covers every fixture, in name order.
    let report = check_paths(&[fixture("")], &opts).unwrap();
    // Every fixture, then the `audio src` of hold-music-with-audio.xml, an input of its own.
    assert_eq!(report.summary.checked, cases.len() + 1);
    assert_eq!(
        (
            report.summary.passed,
            report.summary.warned,
            report.summary.failed
        ),
        (4, 2, 12)
    );
    // Its host is a placeholder (.example): refused before any lookup, as Speech would fail it.
    let audio = report.results.last().unwrap();
    assert_eq!(
        audio.input,
        "https://prompts.contoso.example/hold-music.mp3"
    );
    assert_eq!(audio.sources.len(), 1);
    assert!(audio.sources[0].file.ends_with("hold-music-with-audio.xml"));
    assert_eq!(audio.sources[0].line, 5);
    assert_eq!(audio.rules(), vec![Rule::UrlPrivate]);
    assert_eq!(audio.findings[0].acs.unwrap().subcode, 8565);
    assert!(audio
        .http
        .as_ref()
        .is_none_or(|h| h.status.is_none() && h.bytes_read == 0));
    // An XML file whose root is not `speak` is not an input.
    assert!(report
        .results
        .iter()
        .all(|r| !r.input.ends_with("not-ssml-config.xml")));
    assert!(report
        .results
        .iter()
        .any(|r| r.input.ends_with("hold-music-with-audio.xml")));
}

#[test]
fn the_mp3_fixture_is_accepted_with_allow_mp3() {
    let r = check_file(
        fixture("prompt-mp3-renamed.wav"),
        &CheckOptions::default().allow_mp3(true),
    );
    assert_eq!(r.rules(), vec![Rule::ExtensionMismatch]);
    assert_eq!(r.status, Status::Warn);
    let audio = r.audio.unwrap();
    assert_eq!(audio.container, "mp3");
    assert_eq!(audio.sample_rate, Some(16_000));
    assert_eq!(audio.channels, Some(1));
}
