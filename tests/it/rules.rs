//! Every rule has a test that triggers it and one that must not.

use acs_preflight::{
    check_bytes, check_file, Action, CheckOptions, CheckResult, Rule, Severity, Status,
};

use crate::support::*;

fn check(name: &str, bytes: &[u8]) -> CheckResult {
    check_bytes(name, bytes, &CheckOptions::default())
}

fn finding(r: &CheckResult, rule: Rule) -> &acs_preflight::Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:#?}", r.findings))
}

#[test]
fn valid_prompt_passes_with_its_audio_details() {
    let r = check("ok.wav", &valid(16_000));
    assert_eq!(r.findings, vec![]);
    assert_eq!(r.status, Status::Pass);
    let a = r.audio.unwrap();
    assert_eq!(a.container, "wav");
    assert_eq!(a.codec.as_deref(), Some("pcm_s16le"));
    assert_eq!(
        (a.sample_rate, a.channels, a.bits_per_sample),
        (Some(16_000), Some(1), Some(16))
    );
    assert_eq!(a.duration_ms, Some(1000));
    assert_eq!(a.size_bytes, Some(44 + 32_000));
}

#[test]
fn unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wav");
    let r = check_file(&missing, &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::Unreadable]);
    assert!(
        r.findings[0].message.contains("no such file"),
        "{}",
        r.findings[0].message
    );
    assert_eq!(r.findings[0].acs.unwrap().subcode, 8536);
    let r = check_file(dir.path(), &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::Unreadable]);
    assert!(r.findings[0].message.contains("folder"));

    let present = dir.path().join("present.wav");
    std::fs::write(&present, valid(100)).unwrap();
    assert!(!check_file(&present, &CheckOptions::default()).has(Rule::Unreadable));
}

#[test]
fn not_wav_names_what_the_file_is() {
    let cases: &[(&[u8], &str)] = &[
        (b"fLaC\0\0\0\x22\x10\0\x10\0", "FLAC"),
        (
            b"OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01vorbis",
            "Ogg Vorbis",
        ),
        (
            b"<!DOCTYPE html><html><body>Sign in to continue</body></html>",
            "an HTML page",
        ),
        (b"RF64\xFF\xFF\xFF\xFFWAVEds64", "RF64"),
        (b"RIFX\0\0\0\x24WAVEfmt ", "RIFX"),
        (b"FORM\0\0\0\x24AIFFCOMM", "AIFF"),
        (b"", "an empty file"),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07\x08", "unrecognised data"),
    ];
    for &(bytes, name) in cases {
        let r = check("prompt.bin", bytes);
        assert_eq!(r.rules(), vec![Rule::NotWav], "{name}");
        let msg = &finding(&r, Rule::NotWav).message;
        assert!(msg.contains(&format!("this is {name}")), "{msg}");
    }
    let r = check("menu.mp3", &mp3(true, 4));
    assert!(finding(&r, Rule::NotWav).message.contains("--allow-mp3"));
    assert!(!check("ok.wav", &valid(10)).has(Rule::NotWav));
}

#[test]
fn allow_mp3_accepts_only_mp3_with_an_id3v2_tag() {
    let opts = CheckOptions::default().allow_mp3(true);
    let r = check_bytes("menu.mp3", &mp3(true, 8), &opts);
    assert_eq!(r.findings, vec![]);
    let audio = r.audio.unwrap();
    assert_eq!(audio.container, "mp3");
    assert_eq!(audio.sample_rate, Some(44_100));

    let r = check_bytes("menu.mp3", &mp3(false, 8), &opts);
    assert_eq!(r.rules(), vec![Rule::NotWav]);
    assert!(r.findings[0].message.contains("without an ID3v2 tag"));
}

#[test]
fn not_pcm() {
    let mut alaw = valid(100);
    set_format(&mut alaw, 6, 1, 16_000, 8);
    fix_riff_size(&mut alaw);
    let r = check("alaw.wav", &alaw);
    assert_eq!(r.rules(), vec![Rule::NotPcm]);
    assert!(r.findings[0].message.contains("A-law"));
    assert_eq!(r.audio.unwrap().codec.as_deref(), Some("pcm_alaw"));

    let r = check("float.wav", &wav_float(16_000, 1, 100));
    assert_eq!(r.rules(), vec![Rule::NotPcm]);
    assert!(r.findings[0].message.contains("IEEE float (32-bit)"));

    let mut adpcm = valid(100);
    let at = find_chunk(&adpcm, b"fmt ") + 8;
    set_u16(&mut adpcm, at, 0x11);
    let r = check("adpcm.wav", &adpcm);
    assert_eq!(r.rules(), vec![Rule::NotPcm]);
    assert!(r.findings[0].message.contains("IMA ADPCM"));

    assert!(!check("ok.wav", &valid(10)).has(Rule::NotPcm));
}

#[test]
fn bit_depth() {
    for bits in [8u16, 24, 32] {
        let r = check("x.wav", &wav_int(16_000, 1, bits, 100));
        assert!(r.has(Rule::BitDepth), "{bits}: {:?}", r.rules());
        assert!(finding(&r, Rule::BitDepth)
            .message
            .starts_with(&format!("{bits}-bit")));
    }
    assert!(!check("ok.wav", &valid(10)).has(Rule::BitDepth));
}

#[test]
fn sample_rate() {
    for rate in [8_000u32, 22_050, 44_100, 48_000] {
        let r = check("x.wav", &wav_int(rate, 1, 16, 100));
        assert_eq!(r.rules(), vec![Rule::SampleRate], "{rate}");
        assert_eq!(
            r.findings[0].message,
            format!("{rate} Hz; ACS plays 16000 Hz only")
        );
    }
    assert!(!check("ok.wav", &valid(10)).has(Rule::SampleRate));
}

#[test]
fn channels() {
    let r = check("x.wav", &wav_int(16_000, 2, 16, 100));
    assert_eq!(r.rules(), vec![Rule::Channels]);
    assert!(r.findings[0].message.starts_with("2 channels (stereo)"));
    // hound writes 6 channels as WAVE_FORMAT_EXTENSIBLE: both findings, each one once.
    let r = check("x.wav", &wav_int(16_000, 6, 16, 100));
    assert_eq!(r.rules(), vec![Rule::Channels, Rule::ExtensibleHeader]);
    assert!(r.findings[0].message.starts_with("6 channels"));
    assert!(!check("ok.wav", &valid(10)).has(Rule::Channels));
}

#[test]
fn malformed() {
    let v = valid(1000);
    // Truncated data.
    let r = check("x.wav", &truncated(&v, 100));
    assert_eq!(r.rules(), vec![Rule::Malformed]);
    assert!(r.findings[0].message.contains("truncated"));
    // No data chunk at all.
    let mut b = v.clone();
    let at = find_chunk(&b, b"data");
    b[at..at + 4].copy_from_slice(b"LIST");
    let r = check("x.wav", &b);
    assert_eq!(r.rules(), vec![Rule::Malformed]);
    assert!(
        r.findings[0].message.contains("no data chunk"),
        "{}",
        r.findings[0].message
    );
    // Inconsistent block_align.
    let mut b = v.clone();
    let at = find_chunk(&b, b"fmt ") + 8 + 12;
    set_u16(&mut b, at, 4);
    let r = check("x.wav", &b);
    assert!(r.has(Rule::Malformed));
    assert!(finding(&r, Rule::Malformed)
        .message
        .contains("block_align is 4"));
    // A short fmt chunk.
    let mut b = v.clone();
    let at = find_chunk(&b, b"fmt ") + 4;
    set_u32(&mut b, at, 8);
    let r = check("x.wav", &b);
    assert!(r.has(Rule::Malformed));
    // Too short to hold a header.
    let r = check("x.wav", b"RIFF\x04\0\0\0WAVE");
    assert_eq!(r.rules(), vec![Rule::Malformed]);
    assert!(
        r.findings[0].message.contains("only 12 bytes"),
        "{:?}",
        r.findings
    );
    assert!(!check("ok.wav", &v).has(Rule::Malformed));
}

#[test]
fn no_audio() {
    let r = check("empty.wav", &valid(0));
    assert_eq!(r.rules(), vec![Rule::NoAudio]);
    assert_eq!(r.findings[0].message, "the data chunk is empty: 0 samples");
    assert_eq!(r.audio.unwrap().duration_ms, Some(0));
    assert!(!check("ok.wav", &valid(1)).has(Rule::NoAudio));
}

#[test]
fn extensible_header() {
    let r = check("x.wav", &to_extensible(&valid(100), 1));
    assert_eq!(r.rules(), vec![Rule::ExtensibleHeader]);
    assert_eq!(r.status, Status::Warn);
    assert_eq!(r.findings[0].severity, Severity::Warning);
    // Extensible around float is not-pcm, not this warning.
    let r = check("x.wav", &to_extensible(&valid(100), 3));
    assert_eq!(r.rules(), vec![Rule::NotPcm]);
    assert!(!check("ok.wav", &valid(10)).has(Rule::ExtensibleHeader));
}

#[test]
fn header_inconsistent() {
    let v = valid(100);
    let fmt = find_chunk(&v, b"fmt ") + 8;
    // Wrong byte_rate.
    let mut b = v.clone();
    set_u32(&mut b, fmt + 8, 16_000);
    let r = check("x.wav", &b);
    assert_eq!(r.rules(), vec![Rule::HeaderInconsistent]);
    assert!(r.findings[0].message.contains("byte_rate is 16000"));
    // RIFF size off (trailing bytes).
    let mut b = v.clone();
    b.extend_from_slice(&[0; 6]);
    let r = check("x.wav", &b);
    assert_eq!(r.rules(), vec![Rule::HeaderInconsistent]);
    // Streaming placeholder sizes.
    let mut b = v.clone();
    set_u32(&mut b, 4, u32::MAX);
    let data = find_chunk(&b, b"data");
    set_u32(&mut b, data + 4, u32::MAX);
    let r = check("x.wav", &b);
    assert_eq!(
        r.rules(),
        vec![Rule::HeaderInconsistent, Rule::HeaderInconsistent]
    );
    assert_eq!(r.status, Status::Warn);
    // Data length not a multiple of block_align.
    let mut b = v.clone();
    let data = find_chunk(&b, b"data");
    set_u32(&mut b, data + 4, 199);
    b.truncate(data + 8 + 199 + 1);
    fix_riff_size(&mut b);
    let r = check("x.wav", &b);
    assert_eq!(r.rules(), vec![Rule::HeaderInconsistent]);
    assert!(r.findings[0]
        .message
        .contains("not a multiple of block_align"));
    assert!(!check("ok.wav", &v).has(Rule::HeaderInconsistent));
}

#[test]
fn extension_mismatch() {
    let r = check("welcome.mp3", &valid(100));
    assert_eq!(r.rules(), vec![Rule::ExtensionMismatch]);
    assert_eq!(
        r.findings[0].message,
        "the name ends in .mp3 but the content is WAV"
    );
    let r = check("welcome.wav", &mp3(true, 2));
    assert_eq!(r.rules(), vec![Rule::NotWav, Rule::ExtensionMismatch]);
    // Matching names, unknown extensions and non-audio content do not fire it.
    assert!(!check("welcome.WAV", &valid(10)).has(Rule::ExtensionMismatch));
    assert!(!check("welcome.bin", &valid(10)).has(Rule::ExtensionMismatch));
    assert!(!check("welcome.wav", b"<html></html>").has(Rule::ExtensionMismatch));
}

#[test]
fn action_decides_the_predicted_failure() {
    let b = wav_int(44_100, 1, 16, 100);
    let play = check("x.wav", &b).findings[0].acs.unwrap();
    assert_eq!(
        (play.action, play.code, play.message, play.subcode),
        (Action::Play, 400, "Play Failed", 8535)
    );
    let opts = CheckOptions::default().action(Action::Recognize);
    let rec = check_bytes("x.wav", &b, &opts).findings[0].acs.unwrap();
    assert_eq!(
        (rec.action, rec.code, rec.message, rec.subcode),
        (Action::Recognize, 500, "Recognize Failed", 8511)
    );
}

#[test]
fn advice_for_a_file_is_an_exact_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my prompt.wav");
    std::fs::write(&path, wav_int(44_100, 2, 16, 100)).unwrap();
    let r = check_file(&path, &CheckOptions::default());
    let expected = format!(
        "convert it: acs-preflight fix --in-place '{}'",
        path.display()
    );
    assert_eq!(r.findings[0].advice, expected);
    assert_eq!(r.findings[1].advice, expected);
}

#[test]
fn a_wav_named_mp3_is_renamed_not_converted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hold music.mp3");
    std::fs::write(&path, valid(1_000)).unwrap();
    let r = check_file(&path, &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::ExtensionMismatch]);
    assert_eq!(
        r.findings[0].advice,
        format!(
            "rename it to '{}': the content is WAV already, only the name is wrong (and update what refers to it)",
            dir.path().join("hold music.wav").display()
        )
    );
    // Bytes with a name but no path (a URL's last segment): the same advice, without a path.
    assert_eq!(
        check("welcome.mp3", &valid(100)).findings[0].advice,
        "rename the file to end in .wav: the content is WAV already, only the name is wrong"
    );
    // `fix` agrees: it writes the same samples under the right name.
    let out = tempfile::tempdir().unwrap();
    let fixed = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["fix", "--dry-run", "--out"])
        .arg(out.path())
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&fixed.stdout);
    assert!(
        text.contains(&format!(
            "would convert -> {} (name .mp3 -> .wav, samples unchanged)",
            out.path().join("hold music.wav").display()
        )),
        "{text}"
    );

    // An MP3 named .wav: renaming helps only where MP3 is accepted; otherwise convert.
    let path = dir.path().join("greeting.wav");
    std::fs::write(&path, mp3(true, 2)).unwrap();
    let r = check_file(&path, &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::NotWav, Rule::ExtensionMismatch]);
    let convert = format!(
        "convert it: acs-preflight fix --in-place {}",
        path.display()
    );
    assert_eq!(r.findings[0].advice, convert);
    assert_eq!(r.findings[1].advice, convert);
    let r = check_file(&path, &CheckOptions::default().allow_mp3(true));
    assert_eq!(r.rules(), vec![Rule::ExtensionMismatch]);
    assert_eq!(
        r.findings[0].advice,
        format!(
            "rename it to {}: the content is MP3 with an ID3v2 tag already, only the name is wrong (and update what refers to it)",
            dir.path().join("greeting.mp3").display()
        )
    );
}

#[test]
fn conversion_rules_name_our_fix_first() {
    for &rule in Rule::ALL.iter().filter(|r| r.cured_by_conversion()) {
        let info = rule.info();
        assert!(
            info.advice.ends_with(": acs-preflight fix --in-place FILE"),
            "{rule}: {}",
            info.advice
        );
        let ours = info
            .explanation
            .find("`acs-preflight fix --in-place FILE`")
            .unwrap_or_else(|| panic!("{rule}: {}", info.explanation));
        for other in ["ffmpeg", "sox"] {
            if let Some(at) = info.explanation.find(other) {
                assert!(ours < at, "{rule} names {other} first");
            }
        }
    }
    assert!(Rule::NotWav
        .info()
        .explanation
        .contains("Convert it with `acs-preflight fix --in-place FILE` (or `--out DIR` for converted copies); with ffmpeg, `ffmpeg -i IN"));
    assert!(Rule::ExtensibleHeader.info().explanation.contains(
        "Rewrite the header with `acs-preflight fix --in-place FILE` (or `--out DIR`), which writes format tag 1; with ffmpeg,"
    ));
}

#[test]
fn a_config_file_named_as_a_prompt_gets_the_command_that_reads_its_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appsettings.json");
    std::fs::write(&path, r#"{"Menu": "https://127.0.0.1/p/menu.wav"}"#).unwrap();
    let r = check_file(&path, &CheckOptions::default());
    assert_eq!(r.rules(), vec![Rule::NotWav]);
    assert_eq!(
        r.findings[0].advice,
        format!(
            "the file holds a JSON document, not audio: to check the prompt URLs written in it, run \
             acs-preflight check --extract-from {}",
            path.display()
        )
    );
    // An error page saved as a prompt keeps its advice.
    let page = dir.path().join("welcome.wav");
    std::fs::write(&page, "<html><body>Not found</body></html>").unwrap();
    let r = check_file(&page, &CheckOptions::default());
    assert!(r.findings[0]
        .advice
        .contains("an error page saved in place of the prompt"));
}
