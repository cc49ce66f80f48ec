//! `--deep`: generated signals with known answers.

use std::io::Cursor;
use std::path::Path;

use acs_preflight::{check_file, check_paths, CheckOptions, Rule, Severity, Status};

use crate::signal::sine_wav;

/// 16 kHz mono 16-bit PCM from samples in [-1, 1].
fn wav_from(samples: &[f64]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut buf = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
    for &x in samples {
        w.write_sample((x * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
    buf.into_inner()
}

fn tone(secs: f64, amp: f64) -> Vec<f64> {
    (0..(secs * 16_000.0) as usize)
        .map(|i| amp * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 16_000.0).sin())
        .collect()
}

fn deep() -> CheckOptions {
    CheckOptions::default().deep(true)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn known_signals_get_their_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clean = write(d, "clean.wav", &wav_from(&tone(3.0, 0.5)));
    let silent = write(d, "silent.wav", &wav_from(&vec![0.0; 32_000]));
    let clipped = write(
        d,
        "clipped.wav",
        &wav_from(
            &tone(2.0, 2.0)
                .iter()
                .map(|x| x.clamp(-1.0, 1.0))
                .collect::<Vec<_>>(),
        ),
    );
    let mut lead = vec![0.0; 64_000];
    lead.extend(tone(1.0, 0.5));
    let leading = write(d, "leading.wav", &wav_from(&lead));
    let mut trail = tone(1.0, 0.5);
    trail.extend(vec![0.0; 48_000]);
    let trailing = write(d, "trailing.wav", &wav_from(&trail));
    let dc = write(
        d,
        "dc.wav",
        &wav_from(&tone(2.0, 0.3).iter().map(|x| x + 0.05).collect::<Vec<_>>()),
    );
    let cases = [
        (&clean, vec![]),
        (&silent, vec![Rule::Silent]),
        (&clipped, vec![Rule::Clipped, Rule::TruePeak]),
        (&leading, vec![Rule::LeadingSilence]),
        (&trailing, vec![Rule::TrailingSilence]),
        (&dc, vec![Rule::DcOffset]),
    ];
    for (path, want) in &cases {
        let r = check_file(path, &deep());
        assert_eq!(&r.rules(), want, "{}: {:#?}", path.display(), r.findings);
        for f in &r.findings {
            assert_eq!(
                f.severity,
                Severity::Warning,
                "content findings are warnings"
            );
            assert_eq!(f.acs, None);
        }
    }
    let r = check_file(&leading, &deep());
    let a = r.audio.as_ref().unwrap();
    assert_eq!(a.leading_silence_ms, Some(4000));
    assert_eq!(a.trailing_silence_ms, Some(0));
    assert!(r.findings[0]
        .message
        .starts_with("4.00 s below -50 dBFS before the prompt starts"));
    let r = check_file(&clipped, &deep());
    assert!(
        r.findings[0].message.contains(
            "have flat tops, at 0.0 dBFS; 70.2% of the prompt is within 1 dB of a flat top, the longest stretch 0.8 ms, the first at 0.000 s"
        ),
        "{}",
        r.findings[0].message
    );
    let r = check_file(&clean, &deep());
    let a = r.audio.as_ref().unwrap();
    assert!((a.peak_dbfs.unwrap() + 6.02).abs() < 0.05, "{a:?}");
    assert!((a.rms_dbfs.unwrap() + 9.03).abs() < 0.05, "{a:?}");
    assert!(a.loudness_lufs.is_some());
    // Without --deep nothing of this is measured.
    let r = check_file(&silent, &CheckOptions::default());
    assert_eq!(r.rules(), vec![]);
    assert_eq!(r.audio.unwrap().peak_dbfs, None);
    // Thresholds are configurable: 4 s of leading silence is fine under a 5 s limit.
    let lenient = deep().silence(-50.0, std::time::Duration::from_secs(5));
    assert_eq!(check_file(&leading, &lenient).rules(), vec![]);
}

#[test]
fn a_tone_10_db_louder_than_the_set_is_an_outlier() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.wav", &wav_from(&tone(2.0, 0.1)));
    write(d, "b.wav", &wav_from(&tone(2.0, 0.1)));
    write(d, "c-loud.wav", &wav_from(&tone(2.0, 0.316)));
    let report = check_paths(&[d], &deep()).unwrap();
    let rules: Vec<Vec<Rule>> = report.results.iter().map(|r| r.rules()).collect();
    assert_eq!(rules, vec![vec![], vec![], vec![Rule::LoudnessOutlier]]);
    let m = &report.results[2].findings[0].message;
    assert!(m.contains("LU louder than the median"), "{m}");
    assert_eq!(report.results[2].status, Status::Warn);
    // The meter itself: 0.316 is 10 dB above 0.1, and a steady tone's loudness follows its level.
    let lufs = |i: usize| {
        report.results[i]
            .audio
            .as_ref()
            .unwrap()
            .loudness_lufs
            .unwrap()
    };
    let apart = lufs(2) - lufs(0);
    assert!((apart - 9.99).abs() < 0.02, "{apart} LU apart");
    assert_eq!(lufs(0), lufs(1));
    // Two prompts 10 dB apart: no median to stand out from.
    std::fs::remove_file(d.join("b.wav")).unwrap();
    let report = check_paths(&[d], &deep()).unwrap();
    assert!(report.results.iter().all(|r| r.findings.is_empty()));
}

#[test]
fn a_cut_mp3_frame_is_a_decode_error() {
    let dir = tempfile::tempdir().unwrap();
    let mp3 = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prompt-mp3-renamed.wav"),
    )
    .unwrap();
    let cut = write(dir.path(), "cut.mp3", &mp3[..mp3.len() - 60]);
    let whole = write(dir.path(), "whole.mp3", &mp3);
    let opts = deep().allow_mp3(true);
    assert_eq!(check_file(&whole, &opts).rules(), vec![]);
    let r = check_file(&cut, &opts);
    assert_eq!(r.rules(), vec![Rule::DecodeError]);
    assert!(
        r.findings[0].message.contains("is cut short"),
        "{}",
        r.findings[0].message
    );
    // A frame of garbage in the middle stops the decoder.
    let mut bad = mp3.clone();
    for b in &mut bad[400..420] {
        *b ^= 0xFF;
    }
    let bad = write(dir.path(), "bad.mp3", &bad);
    assert_eq!(check_file(&bad, &opts).rules(), vec![Rule::DecodeError]);
}

#[test]
fn deep_reads_other_wav_codecs_and_the_human_report_has_a_table() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hi-res.wav",
        &sine_wav(48_000, 2, 24, 1.0, 1000.0, -3.0),
    );
    let r = check_paths(&[dir.path()], &deep()).unwrap();
    let a = r.results[0].audio.as_ref().unwrap();
    assert!((a.peak_dbfs.unwrap() + 3.0).abs() < 0.05, "{a:?}");
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["check", "--deep"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().find(|l| l.starts_with("input")).unwrap();
    assert!(
        header.contains("peak dBFS") && header.contains("LUFS") && header.contains("trail ms"),
        "{text}"
    );
    assert!(
        text.contains("hi-res.wav") && text.contains("-3.0"),
        "{text}"
    );
}

/// The `--deep` table lines up when names hold wide characters (CJK takes two columns).
#[test]
fn deep_table_aligns_wide_names() {
    let dir = tempfile::tempdir().unwrap();
    let wav = wav_from(&tone(0.5, 0.5));
    write(dir.path(), "ab.wav", &wav);
    write(dir.path(), "歡迎.wav", &wav);
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--deep", "ab.wav", "歡迎.wav"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let columns = |l: &str| -> usize {
        l.chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    };
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("input"))
        .take(3)
        .collect();
    assert_eq!(table.len(), 3, "{text}");
    assert!(table[0].starts_with("input     peak dBFS"), "{text}");
    assert!(table[1].starts_with("ab.wav    "), "{text}");
    assert!(table[2].starts_with("歡迎.wav  "), "{text}");
    assert!(
        table.iter().all(|l| columns(l) == columns(table[0])),
        "{text}"
    );
}

/// A sine at a quarter of the rate, shifted 45 degrees, with its crests (all between samples)
/// at `crest_db` dBTP; every sample is 3.01 dB lower.
fn between_samples(crest_db: f64) -> Vec<f64> {
    let amp = 10f64.powf(crest_db / 20.0);
    (0..16_000)
        .map(|i| {
            let phase = std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4;
            amp * phase.sin()
        })
        .collect()
}

/// `true-peak` fires above -1 dBTP only, though no sample comes near it; `--true-peak-db` and
/// the config key `true_peak_db` move the ceiling; JSON and the table carry the true peak.
#[test]
fn true_peak_fires_above_the_ceiling_only() {
    let dir = tempfile::tempdir().unwrap();
    let hot = write(dir.path(), "hot.wav", &wav_from(&between_samples(-0.5)));
    let safe = write(dir.path(), "safe.wav", &wav_from(&between_samples(-1.5)));
    let r = check_file(&hot, &deep());
    assert_eq!(r.rules(), vec![Rule::TruePeak], "{:#?}", r.findings);
    let a = r.audio.as_ref().unwrap();
    assert!((a.true_peak_dbtp.unwrap() + 0.5).abs() < 0.15, "{a:?}");
    assert!((a.peak_dbfs.unwrap() + 3.51).abs() < 0.05, "{a:?}");
    assert!(
        r.findings[0]
            .message
            .contains("above the -1.0 dBTP ceiling"),
        "{:?}",
        r.findings
    );
    assert_eq!(r.findings[0].severity, Severity::Warning);
    assert_eq!(r.findings[0].acs, None);
    let r = check_file(&safe, &deep());
    assert_eq!(r.rules(), vec![], "{:#?}", r.findings);
    assert!((r.audio.unwrap().true_peak_dbtp.unwrap() + 1.5).abs() < 0.15);
    assert_eq!(check_file(&hot, &deep().true_peak_db(0.0)).rules(), vec![]);

    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("acs-preflight")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", "--deep", "--format", "json", "hot.wav"])).unwrap();
    let tp = json["results"][0]["audio"]["true_peak_dbtp"]
        .as_f64()
        .unwrap();
    assert!((tp + 0.5).abs() < 0.15, "{json}");
    assert_eq!(json["results"][0]["findings"][0]["rule"], "true-peak");
    let text = run(&["check", "--deep", "hot.wav"]);
    assert!(
        text.contains("true dBTP") && text.contains("true-peak"),
        "{text}"
    );
    assert!(!run(&["check", "--deep", "--true-peak-db", "0", "hot.wav"]).contains("true-peak"));
    assert!(run(&["check", "--deep", "--true-peak-db", "-2", "safe.wav"]).contains("true-peak"));
    std::fs::write(dir.path().join("acs-preflight.toml"), "true_peak_db = 0\n").unwrap();
    assert!(!run(&["check", "--deep", "hot.wav"]).contains("true-peak"));
}

/// A float WAV from a hostile repository: NaN, infinities, huge and subnormal values, mono and
/// stereo. `--deep` (levels, loudness, true peak, the clipping detector) returns a result for
/// each and does not panic.
#[test]
fn hostile_float_samples_are_measured_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut values = vec![
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e30,
        1e-40,
    ];
    values.extend((0..20_000).map(|i| if i % 7 < 4 { f32::MAX } else { -f32::NAN }));
    values.extend((0..20_000).map(|i| (i as f32 * 0.3).sin() * 3.0));
    let mut paths = Vec::new();
    for channels in [1u16, 2] {
        let spec = hound::WavSpec {
            channels,
            sample_rate: 16_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let path = dir.path().join(format!("hostile-{channels}.wav"));
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for &v in values
            .iter()
            .take(values.len() / channels as usize * channels as usize)
        {
            w.write_sample(v).unwrap();
        }
        w.finalize().unwrap();
        paths.push(path);
    }
    for path in &paths {
        let r = check_file(path, &deep());
        assert_eq!(r.status, Status::Fail, "{path:?}: not 16-bit PCM");
        let audio = r.audio.as_ref().expect("measured");
        assert!(audio.peak_dbfs.is_some(), "{path:?}: {audio:?}");
    }
}

/// `fix` on a 44.1 kHz float WAV holding NaN and infinities: converted (NaN read as 0,
/// infinities held at +60 dBFS, so the resampler's FFT never sees them), with no panic.
#[test]
fn fix_converts_hostile_float_samples_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(src.join("nan.wav"), spec).unwrap();
    for i in 0..44_100 {
        let v = match i % 5 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => -1e38,
            _ => (i as f32 * 0.05).sin() * 0.5,
        };
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    let out = assert_cmd::Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["fix", "--out", "out", "src"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r = check_file(dir.path().join("out/nan.wav"), &CheckOptions::default());
    assert_eq!(r.status, Status::Pass);
}
