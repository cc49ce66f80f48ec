//! `fix`'s sound cures: loudness to a target under a true-peak ceiling, the set's median,
//! silence trimmed, DC removed; each output measured again with `--deep`'s meters.

use std::path::{Path, PathBuf};

use acs_preflight::{
    check_file, fix_paths, AudioFixes, Backup, CheckOptions, FixAction, FixMode, FixOptions,
    FixReport, Status,
};
use assert_cmd::Command;

fn cmd_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

/// Speech-like sound: low-passed noise in 200 ms syllables with 100 ms gaps and a pause every
/// second, plus, with `plosives`, a sharp pop every 0.7 s (a crest far above the rest: the
/// gain to a loud target pushes it over the ceiling).
fn speech(secs: f64, rate: u32, seed: u64, plosives: bool) -> Vec<f64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let n = (secs * f64::from(rate)) as usize;
    let syl = rate as usize / 5;
    let (mut lp1, mut lp2) = (0.0, 0.0);
    (0..n)
        .map(|i| {
            let k = i % (syl + syl / 2);
            let pause = (i / rate as usize) % 3 == 2 && i % rate as usize > rate as usize / 2;
            let env = if k < syl && !pause {
                (std::f64::consts::PI * k as f64 / syl as f64).sin()
            } else {
                0.0
            };
            lp1 = 0.8 * lp1 + 0.2 * (rng.f64() * 2.0 - 1.0);
            lp2 = 0.7 * lp2 + 0.3 * lp1;
            let voice =
                0.5 * (2.0 * std::f64::consts::PI * 150.0 * i as f64 / f64::from(rate)).sin();
            let mut x = env * (lp2 * 2.0 + voice * 0.3);
            // A 3 ms pop, low enough to pass any resampler.
            let pop = rate as usize * 3 / 1000;
            let k = i % (rate as usize * 7 / 10);
            if plosives && k < pop {
                x += 3.0 * (std::f64::consts::PI * k as f64 / pop as f64).sin();
            }
            x
        })
        .collect()
}

/// Integrated loudness by the reference crate.
fn lufs(x: &[f64], rate: u32) -> f64 {
    let mut m = ebur128::EbuR128::new(1, rate, ebur128::Mode::I).unwrap();
    m.add_frames_f64(x).unwrap();
    m.loudness_global().unwrap()
}

/// Scales `x` to `target` LUFS (by the reference meter).
fn at_lufs(mut x: Vec<f64>, rate: u32, target: f64) -> Vec<f64> {
    let g = 10f64.powf((target - lufs(&x, rate)) / 20.0);
    x.iter_mut().for_each(|v| *v *= g);
    x
}

fn write_wav(path: &Path, x: &[f64], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in x {
        w.write_sample((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

/// 32-bit float: a master louder than full scale in places, which 16 bits would clip.
fn write_float_wav(path: &Path, x: &[f64], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in x {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
}

fn read(path: &Path) -> Vec<f64> {
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<i16>()
        .map(|s| f64::from(s.unwrap()) / 32768.0)
        .collect()
}

fn deep() -> CheckOptions {
    CheckOptions::default().deep(true)
}

/// The set: -30, -20 and -10 LUFS, 4 s of leading silence, a DC offset, and speech
/// whose crests go over the ceiling after the gain (one at 44.1 kHz, to go through the
/// resampler too).
fn the_set(dir: &Path) -> Vec<PathBuf> {
    let mut names = Vec::new();
    let mut put = |name: &str, x: Vec<f64>, rate: u32| {
        let p = dir.join(name);
        write_wav(&p, &x, rate);
        names.push(p);
    };
    put(
        "quiet.wav",
        at_lufs(speech(3.0, 16_000, 1, false), 16_000, -30.0),
        16_000,
    );
    put(
        "mid.wav",
        at_lufs(speech(3.0, 16_000, 2, false), 16_000, -20.0),
        16_000,
    );
    // -10 LUFS of this speech peaks above full scale: a float master at 48 kHz.
    let loud = dir.join("loud.wav");
    write_float_wav(
        &loud,
        &at_lufs(speech(3.0, 48_000, 3, false), 48_000, -10.0),
        48_000,
    );
    let mut lead = vec![0.0; 4 * 16_000];
    lead.extend(at_lufs(speech(3.0, 16_000, 4, false), 16_000, -20.0));
    put("lead.wav", lead, 16_000);
    let dc: Vec<f64> = at_lufs(speech(3.0, 16_000, 5, false), 16_000, -22.0)
        .iter()
        .map(|v| v + 0.05)
        .collect();
    put("dc.wav", dc, 16_000);
    put(
        "peaky.wav",
        at_lufs(speech(3.0, 44_100, 6, true), 44_100, -30.0),
        44_100,
    );
    names.insert(2, loud);
    names
}

fn cures() -> AudioFixes {
    let mut a = AudioFixes::default();
    a.loudness = Some(-16.0);
    a.trim_silence = Some(0.3);
    a.remove_dc = true;
    a
}

fn run(inputs: &[PathBuf], fix: &FixOptions) -> FixReport {
    fix_paths(inputs, &CheckOptions::default(), fix, &|| {}, &|_| {}).unwrap()
}

#[test]
fn loudness_silence_and_dc_are_cured_and_deep_finds_nothing_after() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = the_set(dir.path());
    // Before: --deep finds what is to be cured.
    let peaky = check_file(&inputs[5], &deep());
    let tp_in = peaky.audio.as_ref().unwrap().true_peak_dbtp.unwrap();
    assert!(
        tp_in + 14.0 > 3.0,
        "the crests go over the ceiling: {tp_in}"
    );
    let out = dir.path().join("out");
    let mut fix = FixOptions::new(FixMode::OutDir(out.clone()));
    fix.audio = cures();
    let report = run(&inputs, &fix);
    assert!(report.is_ok(), "{report:#?}");
    for r in &report.results {
        assert_eq!(r.action, FixAction::Converted, "{}", r.input);
        let l = r.leveling.as_ref().unwrap();
        let output = PathBuf::from(r.output.as_ref().unwrap());
        // Measured again with --deep's meters, on the file written.
        let after = check_file(&output, &deep());
        let a = after.audio.as_ref().unwrap();
        let loudness = a.loudness_lufs.unwrap();
        assert!(
            (loudness + 16.0).abs() <= 0.5,
            "{}: {loudness} LUFS",
            r.input
        );
        let tp = a.true_peak_dbtp.unwrap();
        assert!(tp <= -1.0, "{}: {tp} dBTP", r.input);
        assert!(a.leading_silence_ms.unwrap() <= 300, "{}: {a:?}", r.input);
        assert!(
            after.findings.is_empty(),
            "{}: {:?}",
            r.input,
            after.findings
        );
        // And by the reference meter.
        let x = read(&output);
        assert!((lufs(&x, 16_000) + 16.0).abs() <= 0.5, "{}", r.input);
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let most = if r.input.ends_with("dc.wav") {
            0.001
        } else {
            0.005
        };
        assert!(mean.abs() < most, "{}: mean {mean}", r.input);
        // What the report says.
        assert_eq!(l.target_lufs, Some(-16.0));
        if r.input.ends_with("quiet.wav") {
            assert!((14.0..15.0).contains(&l.gain_db), "{l:?}");
        }
        if r.input.ends_with("lead.wav") {
            assert!((3650..=3750).contains(&l.trimmed_start_ms), "{l:?}");
        }
        if r.input.ends_with("dc.wav") {
            assert!((l.dc_removed_percent.unwrap() - 5.0).abs() < 0.1, "{l:?}");
        }
        if r.input.ends_with("peaky.wav") {
            assert!(l.limited_db > 3.0, "{l:?}");
        }
    }
    // The whole set, as `check --deep` sees it (loudness-outlier included): nothing.
    let (code, json, err) = crate::support::run(
        cmd_in(dir.path()).args(["check", "--deep", "--format", "json", "out"]),
    );
    assert_eq!(code, 0, "{json}{err}");
    for r in crate::support::report_results(&json) {
        assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r}");
    }
}

#[test]
fn a_prompt_needing_no_change_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.wav");
    // At -24 LUFS this speech peaks near -8 dBTP: nothing to do for a -24 target.
    write_wav(
        &p,
        &at_lufs(speech(3.0, 16_000, 9, false), 16_000, -24.0),
        16_000,
    );
    let before = std::fs::read(&p).unwrap();
    let mut fix = FixOptions::new(FixMode::InPlace {
        backup: Backup::Beside,
    });
    fix.audio = cures();
    fix.audio.loudness = Some(-24.0);
    // It ends with half a second of pause.
    fix.audio.trim_silence = Some(1.0);
    let report = run(std::slice::from_ref(&p), &fix);
    let r = &report.results[0];
    assert_eq!(r.action, FixAction::AlreadyValid, "{r:?}");
    assert_eq!(r.output, None);
    assert_eq!(r.leveling.as_ref().unwrap().gain_db, 0.0);
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert!(!dir.path().join("ok.wav.orig").exists());
    // The same prompt 6 LU quieter is cured in place, its original kept.
    write_wav(
        &p,
        &at_lufs(speech(3.0, 16_000, 9, false), 16_000, -22.0),
        16_000,
    );
    let report = run(std::slice::from_ref(&p), &fix);
    assert_eq!(report.results[0].action, FixAction::Converted);
    let l = check_file(&p, &deep())
        .audio
        .unwrap()
        .loudness_lufs
        .unwrap();
    assert!((l + 24.0).abs() <= 0.5, "{l}");
    assert!(dir.path().join("ok.wav.orig").exists());
}

#[test]
fn match_set_brings_every_prompt_to_the_median() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for (i, level) in [-30.0, -24.0, -19.0].into_iter().enumerate() {
        let p = dir.path().join(format!("p{i}.wav"));
        write_wav(
            &p,
            &at_lufs(speech(3.0, 16_000, 20 + i as u64, false), 16_000, level),
            16_000,
        );
        inputs.push(p);
    }
    let out = dir.path().join("out");
    let mut fix = FixOptions::new(FixMode::OutDir(out.clone()));
    fix.audio.match_set = true;
    let report = run(&inputs, &fix);
    // The median prompt needs nothing: copied unchanged.
    let actions: Vec<FixAction> = report.results.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        vec![
            FixAction::Converted,
            FixAction::Copied,
            FixAction::Converted
        ]
    );
    for i in 0..3 {
        let l = check_file(out.join(format!("p{i}.wav")), &deep())
            .audio
            .unwrap()
            .loudness_lufs
            .unwrap();
        assert!((l + 24.0).abs() <= 0.5, "p{i}: {l}");
    }
}

#[test]
fn dry_run_says_the_gain_and_the_silence_cut_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = the_set(dir.path());
    let (code, text, err) = crate::support::run(cmd_in(dir.path()).args([
        "fix",
        "--dry-run",
        "--loudness",
        "-16",
        "--trim-silence",
        "0.3",
        "--remove-dc",
        "--out",
        "out",
        "quiet.wav",
        "lead.wav",
        "dc.wav",
    ]));
    assert_eq!(code, 0, "{text}{err}");
    assert!(
        text.contains("quiet.wav: would convert -> out/quiet.wav (-30.0 -> -16.0 LUFS (+14."),
        "{text}"
    );
    assert!(
        text.contains("ms of silence trimmed at the start"),
        "{text}"
    );
    assert!(text.contains("DC offset +5.0% removed"), "{text}");
    assert!(!dir.path().join("out").exists());
    let (_, json, _) = crate::support::run(cmd_in(dir.path()).args([
        "fix",
        "--dry-run",
        "--format",
        "json",
        "--loudness",
        "-16",
        "--out",
        "out",
        "quiet.wav",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let gain = v["results"][0]["leveling"]["gain_db"].as_f64().unwrap();
    // 14 dB, and what the limiter takes made up.
    assert!((14.0..15.0).contains(&gain), "{gain}");
    drop(inputs);
}

#[test]
fn the_config_file_sets_the_cures_within_their_ranges() {
    let dir = tempfile::tempdir().unwrap();
    write_wav(
        &dir.path().join("quiet.wav"),
        &at_lufs(speech(3.0, 16_000, 31, false), 16_000, -28.0),
        16_000,
    );
    std::fs::write(
        dir.path().join("acs-preflight.toml"),
        "loudness = -18\ntrue_peak_db = -2\ntrim_silence = 0.5\nremove_dc = true\n",
    )
    .unwrap();
    let (code, text, err) =
        crate::support::run(cmd_in(dir.path()).args(["fix", "--out", "out", "quiet.wav"]));
    assert_eq!(code, 0, "{text}{err}");
    let a = check_file(dir.path().join("out/quiet.wav"), &deep())
        .audio
        .unwrap();
    assert!((a.loudness_lufs.unwrap() + 18.0).abs() <= 0.5, "{a:?}");
    assert!(a.true_peak_dbtp.unwrap() <= -2.0, "{a:?}");
    // The command line wins over the file.
    let (code, _, _) = crate::support::run(cmd_in(dir.path()).args([
        "fix",
        "--overwrite",
        "--loudness",
        "-20",
        "--out",
        "out",
        "quiet.wav",
    ]));
    assert_eq!(code, 0);
    let l = check_file(dir.path().join("out/quiet.wav"), &deep())
        .audio
        .unwrap()
        .loudness_lufs
        .unwrap();
    assert!((l + 20.0).abs() <= 0.5, "{l}");
    // Out of range: refused, naming the key and the range.
    std::fs::write(dir.path().join("acs-preflight.toml"), "loudness = 5\n").unwrap();
    let (code, _, err) =
        crate::support::run(cmd_in(dir.path()).args(["fix", "--out", "out2", "quiet.wav"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("loudness = 5 is out of range: it must be a loudness in LUFS from -60 to 0"),
        "{err}"
    );
    assert!(!dir.path().join("out2").exists());
    // The flags say the same range in the same words.
    std::fs::write(dir.path().join("acs-preflight.toml"), "").unwrap();
    for (flag, value, range) in [
        ("--loudness", "5", "a loudness in LUFS from -60 to 0"),
        (
            "--trim-silence",
            "3601",
            "a number of seconds from 0 to 3600",
        ),
        ("--true-peak-db", "7", "a level in dBTP from -60 to 6"),
    ] {
        let (code, _, err) = crate::support::run(cmd_in(dir.path()).args([
            "fix",
            flag,
            value,
            "--out",
            "out2",
            "quiet.wav",
        ]));
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains(&format!("must be {range}")), "{flag}: {err}");
    }
}

/// Cures apply to audio only, and every prompt `check` passes can be measured: a valid SSML
/// prompt and a valid WAV whose `LIST` chunk symphonia refuses are copied unchanged to `--out`,
/// not failed, and a quiet WAV with that chunk is cured (its samples read by our RIFF walk).
#[test]
fn ssml_and_wavs_symphonia_refuses_are_not_failed_by_the_cures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dir = tempfile::tempdir().unwrap();
    let inputs = vec![
        root.join("ssml/welcome.ssml"),
        root.join("valid/prompt-16khz-mono-16bit-list-chunk.wav"),
    ];
    let mut fix = FixOptions::new(FixMode::OutDir(dir.path().join("out")));
    fix.audio = cures();
    let report = run(&inputs, &fix);
    let actions: Vec<FixAction> = report.results.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [FixAction::Copied, FixAction::Copied],
        "{report:?}"
    );
    // The LIST chunk's file, made quiet and long enough to measure: converted, not failed.
    let mut bytes = std::fs::read(&inputs[1]).unwrap();
    let data = bytes.windows(4).rposition(|w| w == b"data").unwrap();
    let samples = at_lufs(speech(2.0, 16_000, 3, false), 16_000, -30.0);
    let pcm: Vec<u8> = samples
        .iter()
        .flat_map(|x| ((x * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
        .collect();
    bytes.truncate(data + 4);
    bytes.extend((pcm.len() as u32).to_le_bytes());
    bytes.extend(&pcm);
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    let quiet = dir.path().join("quiet-list-chunk.wav");
    std::fs::write(&quiet, &bytes).unwrap();
    assert_eq!(
        check_file(&quiet, &CheckOptions::default()).status,
        Status::Pass
    );
    let report = run(std::slice::from_ref(&quiet), &fix);
    assert_eq!(report.results[0].action, FixAction::Converted, "{report:?}");
}

/// `fix` run again on its own output changes nothing: an output within 0.5 LU of the target
/// (the accuracy outputs are held to) needs no gain.
#[test]
fn fix_run_on_its_own_output_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for (i, level) in [-31.0, -22.5, -12.0].iter().enumerate() {
        write_wav(
            &src.join(format!("p{i}.wav")),
            &at_lufs(speech(3.0, 16_000, 20 + i as u64, i == 2), 16_000, *level),
            16_000,
        );
    }
    let mut fix = FixOptions::new(FixMode::OutDir(dir.path().join("out")));
    fix.audio = cures();
    let first = run(std::slice::from_ref(&src), &fix);
    assert!(
        first
            .results
            .iter()
            .all(|r| r.action == FixAction::Converted),
        "{first:?}"
    );
    let mut again = FixOptions::new(FixMode::OutDir(dir.path().join("again")));
    again.audio = cures();
    let second = run(&[dir.path().join("out")], &again);
    let actions: Vec<FixAction> = second.results.iter().map(|r| r.action).collect();
    assert_eq!(actions, [FixAction::Copied; 3], "{second:?}");
}
