//! `fix`: every input kind symphonia decodes round-trips into a valid prompt of the same length
//! and level; identical channels mix down losslessly; nothing is overwritten unasked.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use acs_preflight::{
    check_file, convert_file, fix_paths, CheckOptions, FixAction, FixMode, FixOptions, FixReport,
    Status,
};
use assert_cmd::Command;

use crate::signal::{sine_fit, sine_wav};
use crate::support::*;

fn out_dir(dir: &Path) -> FixOptions {
    FixOptions {
        mode: FixMode::OutDir(dir.to_path_buf()),
        dry_run: false,
        overwrite: false,
    }
}

fn in_place(backup: bool) -> FixOptions {
    FixOptions {
        mode: FixMode::InPlace { backup },
        dry_run: false,
        overwrite: false,
    }
}

fn run(inputs: &[&Path], fix: &FixOptions) -> FixReport {
    fix_paths(inputs, &CheckOptions::default(), fix, &|| {}, &|_| {}).unwrap()
}

fn read_i16(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = r.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec, samples)
}

#[test]
fn a_48k_stereo_24_bit_sine_keeps_its_level_length_and_quality() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tone.wav");
    std::fs::write(&input, sine_wav(48_000, 2, 24, 5.0, 1000.0, -6.0)).unwrap();
    let out = dir.path().join("out");
    let report = run(&[&input], &out_dir(&out));
    let r = &report.results[0];
    assert_eq!(r.action, FixAction::Converted, "{r:#?}");
    let c = r.conversion.as_ref().unwrap();
    assert!(c.resampled && c.dithered);
    let (spec, samples) = read_i16(&out.join("tone.wav"));
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (16_000, 1, 16)
    );
    // Duration: 5 s within 1 ms + 0.1 %.
    let secs = samples.len() as f64 / 16_000.0;
    assert!((secs - 5.0).abs() <= 0.001 + 0.005, "{secs}");
    assert_eq!(samples.len(), 80_000);
    let (rms, snr) = sine_fit(&samples, 16_000.0, 1000.0);
    // A -6 dBFS peak sine has an RMS of -6 - 3.01 dBFS.
    let want = -6.0 - 10.0 * 2f64.log10();
    assert!(
        (rms - want).abs() < 0.1,
        "level {rms:.3} dBFS, want {want:.3}"
    );
    // 16-bit TPDF dither alone allows about 90 dB here; the resampler must not eat into it.
    assert!(snr > 85.0, "SNR {snr:.1} dB");
}

#[test]
fn identical_channels_mix_down_losslessly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("stereo.wav");
    let bytes = sine_wav(16_000, 2, 16, 0.5, 440.0, -3.0);
    std::fs::write(&input, &bytes).unwrap();
    let mut out = Cursor::new(Vec::new());
    let c = convert_file(&input, &mut out).unwrap();
    assert!(!c.resampled && !c.dithered, "{c:?}");
    let mut src = hound::WavReader::new(Cursor::new(bytes)).unwrap();
    let left: Vec<i16> = src
        .samples::<i16>()
        .step_by(2)
        .map(|s| s.unwrap())
        .collect();
    let mut dst = hound::WavReader::new(Cursor::new(out.into_inner())).unwrap();
    let mono: Vec<i16> = dst.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(mono, left);
}

#[test]
fn every_decodable_kind_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/audio");
    let made: Vec<(&str, Vec<u8>, f64)> = vec![
        ("pcm8.wav", wav_int(16_000, 1, 8, 8_000), 0.5),
        ("pcm24-stereo-44k1.wav", wav_int(44_100, 2, 24, 22_050), 0.5),
        ("pcm32-22k05.wav", wav_int(22_050, 1, 32, 11_025), 0.5),
        ("float-48k.wav", wav_float(48_000, 1, 24_000), 0.5),
        ("extensible.wav", to_extensible(&valid(8_000), 1), 0.5),
    ];
    let mut inputs: Vec<(PathBuf, f64)> = Vec::new();
    for (name, bytes, secs) in made {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        inputs.push((p, secs));
    }
    inputs.push((data.join("tone-22k05-stereo.flac"), 0.5));
    inputs.push((data.join("tone-44k1-mono.ogg"), 0.5));
    inputs.push((data.join("tone-32k-mono.aiff"), 0.1));
    for telephony in ["alaw", "mulaw", "ima-adpcm", "ms-adpcm"] {
        inputs.push((data.join(format!("tone-8k-{telephony}.wav")), 0.5));
    }
    let out = dir.path().join("out");
    for (input, secs) in &inputs {
        let report = run(&[input.as_path()], &out_dir(&out));
        let r = &report.results[0];
        assert_eq!(
            r.action,
            FixAction::Converted,
            "{}: {r:#?}",
            input.display()
        );
        let after = r.after.as_ref().unwrap();
        assert_eq!(
            after.status,
            Status::Pass,
            "{}: {:#?}",
            input.display(),
            after.findings
        );
        let ms = after.audio.as_ref().unwrap().duration_ms.unwrap() as f64 / 1000.0;
        assert!(
            (ms - secs).abs() <= 0.001 + secs * 0.001 + 0.001,
            "{}: {ms} s, want {secs}",
            input.display()
        );
    }
    // The MP3 fixture (LAME adds its encoder delay and padding, so only validity is checked).
    let mp3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prompt-mp3-renamed.wav");
    let r = &run(&[mp3.as_path()], &out_dir(&out)).results[0];
    assert_eq!(r.after.as_ref().unwrap().status, Status::Pass);
}

#[test]
fn valid_and_incurable_inputs_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.wav");
    let cut = dir.path().join("cut.wav");
    let page = dir.path().join("page.wav");
    let rifx = dir.path().join("big-endian.wav");
    std::fs::write(&ok, valid(100)).unwrap();
    std::fs::write(&cut, truncated(&valid(1000), 500)).unwrap();
    std::fs::write(&page, "<html><body>Sign in</body></html>").unwrap();
    let mut big = valid(100);
    big[..4].copy_from_slice(b"RIFX");
    std::fs::write(&rifx, &big).unwrap();
    let out = dir.path().join("out");
    let report = run(&[dir.path()], &out_dir(&out));
    let actions: Vec<(String, FixAction)> = report
        .results
        .iter()
        .map(|r| (file_name(&r.input), r.action))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("big-endian.wav".to_owned(), FixAction::Failed),
            ("cut.wav".to_owned(), FixAction::CannotFix),
            ("ok.wav".to_owned(), FixAction::AlreadyValid),
            ("page.wav".to_owned(), FixAction::CannotFix),
        ]
    );
    assert!(report.results[0]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("cannot decode it"));
    assert!(report.results[1]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("malformed: "));
    assert!(!report.is_ok());
    // Nothing was written, not even a temporary file.
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}

#[test]
fn in_place_keeps_a_backup_and_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("loud.wav");
    let original = wav_int(44_100, 2, 16, 4_410);
    std::fs::write(&p, &original).unwrap();
    let report = run(&[&p], &in_place(true));
    assert_eq!(report.results[0].action, FixAction::Converted);
    assert_eq!(
        std::fs::read(dir.path().join("loud.wav.orig")).unwrap(),
        original
    );
    assert_eq!(
        check_file(&p, &CheckOptions::default()).status,
        Status::Pass
    );
    assert_eq!(
        names(dir.path()),
        vec!["loud.wav", "loud.wav.orig"],
        "no temporary file left"
    );

    // A second backup is never overwritten: with loud.wav.orig present, a failing file there
    // is refused.
    std::fs::write(&p, &original).unwrap();
    let report = run(&[&p], &in_place(true));
    assert_eq!(report.results[0].action, FixAction::Refused);
    assert_eq!(
        std::fs::read(&p).unwrap(),
        original,
        "refused means untouched"
    );

    // Without a backup; an MP3 in place becomes NAME.wav and the MP3 goes.
    let mp3 = dir.path().join("hold.mp3");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prompt-mp3-renamed.wav"),
        &mp3,
    )
    .unwrap();
    let report = run(&[&mp3], &in_place(false));
    assert_eq!(
        report.results[0].action,
        FixAction::Converted,
        "{:#?}",
        report.results[0]
    );
    assert!(!mp3.exists());
    assert_eq!(
        check_file(dir.path().join("hold.wav"), &CheckOptions::default()).status,
        Status::Pass
    );
}

#[test]
fn existing_outputs_are_refused_unless_overwrite_and_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("menu")).unwrap();
    std::fs::write(input.join("menu/main.wav"), wav_int(8_000, 1, 16, 800)).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("menu")).unwrap();
    std::fs::write(out.join("menu/main.wav"), b"keep me").unwrap();

    let dry = FixOptions {
        dry_run: true,
        ..out_dir(&out)
    };
    assert_eq!(run(&[&input], &dry).results[0].action, FixAction::Refused);
    let report = run(&[&input], &out_dir(&out));
    assert_eq!(report.results[0].action, FixAction::Refused);
    assert!(report.results[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("already exists"));
    assert_eq!(
        std::fs::read(out.join("menu/main.wav")).unwrap(),
        b"keep me"
    );

    std::fs::remove_file(out.join("menu/main.wav")).unwrap();
    let report = run(&[&input], &dry);
    assert_eq!(report.results[0].action, FixAction::WouldConvert);
    assert!(!out.join("menu/main.wav").exists());

    let overwrite = FixOptions {
        overwrite: true,
        ..out_dir(&out)
    };
    std::fs::write(out.join("menu/main.wav"), b"replace me").unwrap();
    let report = run(&[&input], &overwrite);
    assert_eq!(report.results[0].action, FixAction::Converted);
    assert_eq!(
        report.results[0].output.as_deref(),
        Some(&*out.join("menu/main.wav").to_string_lossy())
    );
    assert_eq!(
        check_file(out.join("menu/main.wav"), &CheckOptions::default()).status,
        Status::Pass
    );
}

#[test]
fn cli_fix_reports_and_exits_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["fix", "--out"])
        .arg(&out)
        .arg("fixtures")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "the truncated fixture cannot be fixed"
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("fixtures/prompt-16khz-stereo-16bit.wav: converted -> "),
        "{text}"
    );
    assert!(text.contains("fixtures/prompt-truncated.wav: cannot fix: malformed: "));
    assert!(text.contains("fixtures/valid/prompt-16khz-mono-16bit.wav: already valid, left alone"));
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("FAIL 9 inputs: 6 converted, 2 already valid, 1 not fixed in "));
    let o = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["fix", "--format", "json", "--dry-run", "--out"])
        .arg(dir.path().join("out2"))
        .arg("fixtures/prompt-44k1hz-mono-16bit.wav")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["results"][0]["action"], "would-convert");
    assert!(!dir.path().join("out2").exists());
    // Neither --out nor --in-place: a usage error.
    let o = Command::cargo_bin("acs-preflight")
        .unwrap()
        .args(["fix", "fixtures"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// --- Writing safely (issue 11): names that are taken, symlinks, permissions, collisions. ---

/// A prompt `fix` converts (44.1 kHz stereo).
fn failing() -> Vec<u8> {
    wav_int(44_100, 2, 16, 4_410)
}

fn fix_cmd(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acs-preflight").unwrap();
    c.current_dir(dir).arg("fix");
    c
}

#[cfg(unix)]
#[test]
fn a_symlink_or_folder_at_the_backup_name_is_refused_and_nothing_is_written_through_it() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(prompts.join("welcome.wav"), failing()).unwrap();
    std::fs::write(prompts.join("menu.wav"), failing()).unwrap();
    std::fs::write(prompts.join("bye.wav"), failing()).unwrap();
    std::fs::write(home.join(".profile"), "keep me").unwrap();
    // Dangling, to a file that exists, and a folder.
    symlink("../home/.bash_profile", prompts.join("welcome.wav.orig")).unwrap();
    symlink("../home/.profile", prompts.join("menu.wav.orig")).unwrap();
    std::fs::create_dir(prompts.join("bye.wav.orig")).unwrap();

    let report = run(&[&prompts], &in_place(true));
    for r in &report.results {
        assert_eq!(r.action, FixAction::Refused, "{r:#?}");
    }
    let reasons: Vec<(String, String)> = report
        .results
        .iter()
        .map(|r| (file_name(&r.input), r.reason.clone().unwrap()))
        .collect();
    let p = prompts.to_string_lossy();
    assert_eq!(
        reasons,
        vec![
            (
                "bye.wav".to_owned(),
                format!("{p}/bye.wav.orig is a folder")
            ),
            (
                "menu.wav".to_owned(),
                format!("{p}/menu.wav.orig is a symlink (never written through or replaced)")
            ),
            (
                "welcome.wav".to_owned(),
                format!("{p}/welcome.wav.orig is a symlink (never written through or replaced)")
            ),
        ]
    );
    assert!(
        !home.join(".bash_profile").exists(),
        "nothing written through the link"
    );
    assert_eq!(std::fs::read(home.join(".profile")).unwrap(), b"keep me");
    for name in ["welcome.wav", "menu.wav", "bye.wav"] {
        assert_eq!(std::fs::read(prompts.join(name)).unwrap(), failing());
    }
    assert_eq!(
        names(&prompts),
        vec![
            "bye.wav",
            "bye.wav.orig",
            "menu.wav",
            "menu.wav.orig",
            "welcome.wav",
            "welcome.wav.orig"
        ],
        "no temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn in_place_never_rewrites_a_file_reached_through_a_symlink_leaving_the_named_folder() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("outside/music");
    std::fs::create_dir_all(&music).unwrap();
    std::fs::create_dir_all(dir.path().join("prompts")).unwrap();
    std::fs::write(music.join("song.wav"), failing()).unwrap();
    std::fs::write(dir.path().join("prompts/hello.wav"), failing()).unwrap();
    symlink("../outside/music", dir.path().join("prompts/shared")).unwrap();

    let out = fix_cmd(dir.path())
        .args(["--in-place", "prompts"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "prompts/shared/song.wav: refused: reached through a symlink outside prompts\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("prompts/hello.wav: converted -> prompts/hello.wav"),
        "{text}"
    );
    assert_eq!(std::fs::read(music.join("song.wav")).unwrap(), failing());
    assert_eq!(
        names(&music),
        vec!["song.wav"],
        "no backup or temporary file outside"
    );
    // `check` still reads it.
    let out = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "prompts"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("prompts/shared/song.wav: error[sample-rate]"));
}

#[cfg(unix)]
#[test]
fn the_backup_of_a_symlinked_input_is_a_copy_of_what_it_points_to() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(dir.path().join("real.wav"), failing()).unwrap();
    symlink("../real.wav", prompts.join("alias.wav")).unwrap();

    let report = run(&[&prompts], &in_place(true));
    assert_eq!(
        report.results[0].action,
        FixAction::Converted,
        "{report:#?}"
    );
    let backup = prompts.join("alias.wav.orig");
    assert!(
        std::fs::symlink_metadata(&backup).unwrap().is_file(),
        "a copy, not a link"
    );
    assert_eq!(std::fs::read(&backup).unwrap(), failing());
    // The link itself was replaced; what it pointed to is untouched.
    assert!(std::fs::symlink_metadata(prompts.join("alias.wav"))
        .unwrap()
        .is_file());
    assert_eq!(
        std::fs::read(dir.path().join("real.wav")).unwrap(),
        failing()
    );
}

#[cfg(unix)]
#[test]
fn in_place_keeps_the_permission_bits_of_the_original() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let modes = [
        ("a.wav", 0o644),
        ("b.wav", 0o664),
        ("c.wav", 0o444),
        ("d.wav", 0o600),
    ];
    for (name, m) in modes {
        let p = dir.path().join(name);
        std::fs::write(&p, failing()).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
    }
    // An MP3 in place becomes NAME.wav: the replacement of the original keeps its bits too.
    let mp3 = dir.path().join("e.mp3");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prompt-mp3-renamed.wav"),
        &mp3,
    )
    .unwrap();
    std::fs::set_permissions(&mp3, std::fs::Permissions::from_mode(0o640)).unwrap();

    let report = run(&[dir.path()], &in_place(true));
    assert!(
        report
            .results
            .iter()
            .all(|r| r.action == FixAction::Converted),
        "{report:#?}"
    );
    let got: Vec<(&str, u32, u32)> = modes
        .iter()
        .map(|&(name, _)| {
            let p = dir.path().join(name);
            (
                name,
                mode(&p),
                mode(&dir.path().join(format!("{name}.orig"))),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a.wav", 0o644, 0o644),
            ("b.wav", 0o664, 0o664),
            ("c.wav", 0o444, 0o444),
            ("d.wav", 0o600, 0o600),
        ]
    );
    assert_eq!(mode(&dir.path().join("e.wav")), 0o640);
}

#[test]
fn two_inputs_with_one_output_are_both_refused_naming_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["x", "y", "p", "q"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    std::fs::write(d.join("x/hello.wav"), failing()).unwrap();
    std::fs::write(d.join("y/hello.wav"), failing()).unwrap();
    std::fs::write(d.join("p/a.wav"), failing()).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/audio/tone-22k05-stereo.flac"),
        d.join("p/a.flac"),
    )
    .unwrap();
    let reasons = |report: &FixReport| -> Vec<(String, FixAction, String)> {
        report
            .results
            .iter()
            .map(|r| {
                let input = r
                    .input
                    .strip_prefix(&*d.to_string_lossy())
                    .unwrap()
                    .to_owned();
                (input, r.action, r.reason.clone().unwrap_or_default())
            })
            .collect()
    };
    let out = d.join("fixed");
    let shown = out.to_string_lossy();
    let other = |p: &str| d.join(p).to_string_lossy().into_owned();
    for overwrite in [true, false] {
        let fix = FixOptions {
            overwrite,
            ..out_dir(&out)
        };
        let report = run(
            &[&d.join("x/hello.wav"), &d.join("y/hello.wav"), &d.join("p")],
            &fix,
        );
        let also = |output: &str, of: &str| {
            format!(
                "{} would be converted to the same output {shown}/{output}; rename one of them",
                other(of)
            )
        };
        assert_eq!(
            reasons(&report),
            vec![
                (
                    "/x/hello.wav".to_owned(),
                    FixAction::Refused,
                    also("hello.wav", "y/hello.wav")
                ),
                (
                    "/y/hello.wav".to_owned(),
                    FixAction::Refused,
                    also("hello.wav", "x/hello.wav")
                ),
                (
                    "/p/a.flac".to_owned(),
                    FixAction::Refused,
                    also("a.wav", "p/a.wav")
                ),
                (
                    "/p/a.wav".to_owned(),
                    FixAction::Refused,
                    also("a.wav", "p/a.flac")
                ),
            ],
            "--overwrite: {overwrite}"
        );
        assert!(!out.exists(), "nothing written");
    }
    // In place: a.flac and a.wav would both become p/a.wav.
    let report = run(&[&d.join("p")], &in_place(true));
    let refused: Vec<FixAction> = report.results.iter().map(|r| r.action).collect();
    assert_eq!(refused, vec![FixAction::Refused, FixAction::Refused]);
    assert_eq!(
        report.results[0].reason.as_deref(),
        Some(&*format!(
            "{} would be converted to the same output {}; rename one of them",
            other("p/a.wav"),
            other("p/a.wav")
        ))
    );
    assert_eq!(
        names(&d.join("p")),
        vec!["a.flac", "a.wav"],
        "nothing written"
    );
    assert_eq!(std::fs::read(d.join("p/a.wav")).unwrap(), failing());
    // When a.wav is valid already, a.flac is refused naming it.
    std::fs::write(d.join("p/a.wav"), valid(100)).unwrap();
    let report = run(&[&d.join("p")], &in_place(true));
    assert_eq!(report.results[0].action, FixAction::Refused);
    assert_eq!(
        report.results[0].reason.as_deref(),
        Some(&*format!(
            "{} already exists: it is another input",
            other("p/a.wav")
        ))
    );
}

#[cfg(unix)]
#[test]
fn out_refuses_a_folder_or_symlink_at_the_output_and_symlinked_folders_inside_it() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("in/sub")).unwrap();
    std::fs::create_dir_all(d.join("etc")).unwrap();
    for name in [
        "in/folder.wav",
        "in/link.wav",
        "in/sub/deep.wav",
        "in/file.wav",
    ] {
        std::fs::write(d.join(name), failing()).unwrap();
    }
    let out = d.join("out");
    std::fs::create_dir_all(out.join("folder.wav")).unwrap();
    std::fs::write(d.join("victim.txt"), "keep me").unwrap();
    symlink("../victim.txt", out.join("link.wav")).unwrap();
    symlink("../etc", out.join("sub")).unwrap();
    std::fs::write(out.join("file.wav"), "old output").unwrap();
    let fix = FixOptions {
        overwrite: true,
        ..out_dir(&out)
    };
    let report = run(&[&d.join("in")], &fix);
    let o = out.to_string_lossy();
    let got: Vec<(String, FixAction, Option<String>)> = report
        .results
        .iter()
        .map(|r| (file_name(&r.input), r.action, r.reason.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("file.wav".to_owned(), FixAction::Converted, None),
            (
                "folder.wav".to_owned(),
                FixAction::Refused,
                Some(format!("{o}/folder.wav is a folder"))
            ),
            (
                "link.wav".to_owned(),
                FixAction::Refused,
                Some(format!(
                    "{o}/link.wav is a symlink (never written through or replaced)"
                ))
            ),
            (
                "deep.wav".to_owned(),
                FixAction::Refused,
                Some(format!(
                    "{o}/sub is a symlink: writes are never carried through one"
                ))
            ),
        ]
    );
    assert_eq!(std::fs::read(d.join("victim.txt")).unwrap(), b"keep me");
    assert!(std::fs::symlink_metadata(out.join("link.wav"))
        .unwrap()
        .is_symlink());
    assert!(
        names(&d.join("etc")).is_empty(),
        "nothing written outside DIR"
    );
    assert_eq!(
        names(&out),
        vec!["file.wav", "folder.wav", "link.wav", "sub"]
    );
}

#[test]
fn a_leftover_temporary_file_is_named_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("loud.wav");
    std::fs::write(&p, failing()).unwrap();
    let leftover = dir.path().join(".loud.wav.acs-preflight-tmp");
    std::fs::write(&leftover, "partial").unwrap();
    for dry_run in [true, false] {
        let fix = FixOptions {
            dry_run,
            ..in_place(true)
        };
        let r = &run(&[&p], &fix).results[0];
        assert_eq!(r.action, FixAction::Refused);
        assert_eq!(
            r.reason.as_deref(),
            Some(&*format!(
                "{} is in the way: a temporary file left by a killed run, or one a run under way is writing; remove it if no acs-preflight is running",
                leftover.to_string_lossy()
            ))
        );
    }
    assert_eq!(std::fs::read(&leftover).unwrap(), b"partial");
    assert_eq!(std::fs::read(&p).unwrap(), failing());
    assert_eq!(
        names(dir.path()),
        vec![".loud.wav.acs-preflight-tmp", "loud.wav"]
    );
}

#[test]
fn a_failed_conversion_in_place_leaves_no_temporary_file_or_backup() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big-endian.wav");
    let mut big = wav_int(44_100, 1, 16, 100);
    big[..4].copy_from_slice(b"RIFX");
    std::fs::write(&p, &big).unwrap();
    let r = &run(&[&p], &in_place(true)).results[0];
    assert_eq!(r.action, FixAction::Failed, "{r:#?}");
    assert_eq!(r.backup, None);
    assert_eq!(names(dir.path()), vec!["big-endian.wav"]);
    assert_eq!(std::fs::read(&p).unwrap(), big);
}
