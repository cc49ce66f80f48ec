//! `fix`: every input kind symphonia decodes round-trips into a valid prompt of the same length
//! and level; identical channels mix down losslessly; nothing is overwritten unasked.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use acs_preflight::{
    check_file, convert_file, fix_paths, Backup, Change, CheckOptions, FixAction, FixMode,
    FixOptions, FixReport, Status,
};
use assert_cmd::Command;

use crate::signal::{sine_fit, sine_wav};
use crate::support::*;

fn out_dir(dir: &Path) -> FixOptions {
    FixOptions::new(FixMode::OutDir(dir.to_path_buf()))
}

fn in_place(backup: bool) -> FixOptions {
    FixOptions::new(FixMode::InPlace {
        backup: if backup { Backup::Beside } else { Backup::Off },
    })
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
    let only_changed = FixOptions {
        copy_valid: false,
        ..out_dir(&out)
    };
    let report = run(&[dir.path()], &only_changed);
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
    assert!(text.contains(&format!(
        "fixtures/valid/prompt-16khz-mono-16bit.wav: already valid, copied unchanged -> {}/valid/prompt-16khz-mono-16bit.wav\n",
        out.display()
    )));
    assert!(text.lines().last().unwrap().starts_with(
        "FAIL 17 inputs: 6 converted, 5 copied unchanged, 6 not fixed (not copied) in "
    ));
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

    // The walk does not follow a link to a folder outside the folder named: a repository
    // cannot send `fix` (or `check`) across the machine.
    let out = fix_cmd(dir.path())
        .args(["--in-place", "prompts"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("song.wav"), "{text}");
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
    // `check --verbose` says why it was passed over; naming the folder checks it.
    let out = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--verbose", "prompts"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "prompts/shared: skipped (a link to a folder outside the folder named; not followed: \
             name that folder to check it)"
        ),
        "{text}"
    );
    let out = Command::cargo_bin("acs-preflight")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "prompts/shared"])
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
                "{} would be written to the same output {shown}/{output}; rename one of them",
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
            "{} would be written to the same output {}; rename one of them",
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
            "{} already exists: it is another input; rename one of them",
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

// --- The first hour (issue 13): remedies that work, a deployable --out, renames, changes. ---

/// Runs `acs-preflight fix ARGS` in `dir`: exit code, stdout, stderr.
fn fix_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    crate::support::run(fix_cmd(dir).args(args))
}

fn hold_music_mp3() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prompt-mp3-renamed.wav"))
        .unwrap()
}

#[test]
fn in_place_refusals_name_remedies_that_work_in_place_and_following_them_twice_never_sticks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("prompts")).unwrap();
    std::fs::write(d.join("prompts/loud.wav"), failing()).unwrap();
    // First run: converted, the original kept as loud.wav.orig (the full name plus .orig).
    let (code, text, _) = fix_in(d, &["--in-place", "prompts"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("original kept as prompts/loud.wav.orig"),
        "{text}"
    );
    // The prompt comes back broken (a revert): the old backup is in the way.
    std::fs::write(d.join("prompts/loud.wav"), failing()).unwrap();
    let (code, text, _) = fix_in(d, &["--in-place", "prompts"]);
    assert_eq!(code, 1);
    assert_eq!(
        text.lines().next().unwrap(),
        "prompts/loud.wav: refused: prompts/loud.wav.orig already exists (a backup kept by an \
         earlier run?); the backup is never replaced: move or delete it, or run with \
         --backup-dir DIR or --no-backup"
    );
    // The remedies named work: --backup-dir, and running it again after another revert names
    // what to do there; then --no-backup.
    let (code, text, _) = fix_in(d, &["--in-place", "--backup-dir", "bk", "prompts"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read(d.join("bk/loud.wav.orig")).unwrap(),
        failing()
    );
    std::fs::write(d.join("prompts/loud.wav"), failing()).unwrap();
    let (code, text, _) = fix_in(d, &["--in-place", "--backup-dir", "bk", "prompts"]);
    assert_eq!(code, 1);
    assert_eq!(
        text.lines().next().unwrap(),
        "prompts/loud.wav: refused: bk/loud.wav.orig already exists (a backup kept by an \
         earlier run?); the backup is never replaced: move or delete it, choose another \
         --backup-dir, or run with --no-backup"
    );
    let (code, text, _) = fix_in(d, &["--in-place", "--no-backup", "prompts"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        check_file(d.join("prompts/loud.wav"), &CheckOptions::default()).status,
        Status::Pass
    );
    // An output name taken by a file that is not an input: --overwrite does not apply in place
    // and is never suggested.
    std::fs::write(d.join("prompts/hold.mp3"), hold_music_mp3()).unwrap();
    std::fs::write(d.join("prompts/hold.wav"), b"someone else's").unwrap();
    let (code, text, _) = fix_in(d, &["--in-place", "prompts/hold.mp3"]);
    assert_eq!(code, 1);
    assert_eq!(
        text.lines().next().unwrap(),
        "prompts/hold.mp3: refused: prompts/hold.wav already exists; --in-place never replaces \
         a file it did not convert: move or delete it, or write the converted files into a \
         folder with --out DIR"
    );
    assert!(!text.contains("--overwrite"), "{text}");
    assert_eq!(
        std::fs::read(d.join("prompts/hold.wav")).unwrap(),
        b"someone else's"
    );
}

#[test]
fn out_writes_a_deployable_folder_copying_valid_prompts_unless_only_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("prompts/menu")).unwrap();
    std::fs::create_dir_all(d.join("prompts/drafts")).unwrap();
    std::fs::write(d.join("prompts/welcome.wav"), failing()).unwrap();
    std::fs::write(d.join("prompts/menu/main.wav"), valid(1_600)).unwrap();
    std::fs::write(d.join("prompts/menu/bye.wav"), valid(800)).unwrap();
    std::fs::write(d.join("prompts/cut.wav"), truncated(&valid(1000), 500)).unwrap();
    std::fs::write(d.join("prompts/drafts/new.wav"), valid(100)).unwrap();

    // A dry run says what it would do and writes nothing.
    let (code, text, _) = fix_in(
        d,
        &[
            "--out",
            "fixed",
            "--exclude",
            "drafts",
            "--dry-run",
            "prompts",
        ],
    );
    assert_eq!(code, 1, "cut.wav cannot be fixed: {text}");
    assert!(
        text.contains(
            "prompts/menu/main.wav: already valid, would copy unchanged -> fixed/menu/main.wav\n"
        ),
        "{text}"
    );
    assert!(text.lines().last().unwrap().starts_with(
        "FAIL 4 inputs: 1 would be converted, 2 would be copied unchanged, 1 not fixed (not copied) in "
    ));
    assert!(!d.join("fixed").exists());

    let (code, text, _) = fix_in(d, &["--out", "fixed", "--exclude", "drafts", "prompts"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "prompts/menu/bye.wav: already valid, copied unchanged -> fixed/menu/bye.wav\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("prompts/cut.wav: cannot fix: malformed: "),
        "{text}"
    );
    assert!(text.contains("; left alone, not copied\n"), "{text}");
    assert!(text.lines().last().unwrap().starts_with(
        "FAIL 4 inputs: 1 converted, 2 copied unchanged, 1 not fixed (not copied) in "
    ));
    // The folder holds every deployable prompt in the same layout: no broken or excluded one.
    assert_eq!(names(&d.join("fixed")), vec!["menu", "welcome.wav"]);
    assert_eq!(names(&d.join("fixed/menu")), vec!["bye.wav", "main.wav"]);
    assert_eq!(
        std::fs::read(d.join("fixed/menu/main.wav")).unwrap(),
        valid(1_600)
    );
    assert_eq!(
        check_file(d.join("fixed/welcome.wav"), &CheckOptions::default()).status,
        Status::Pass
    );

    // A copy never replaces a file there unasked; --overwrite does.
    std::fs::write(d.join("fixed/menu/main.wav"), b"edited by hand").unwrap();
    let (_, text, _) = fix_in(d, &["--out", "fixed", "--exclude", "drafts", "prompts"]);
    assert!(
        text.contains("prompts/menu/main.wav: refused: fixed/menu/main.wav already exists (--overwrite replaces it)\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(d.join("fixed/menu/main.wav")).unwrap(),
        b"edited by hand"
    );
    let (code, text, _) = fix_in(
        d,
        &[
            "--out",
            "fixed",
            "--exclude",
            "drafts",
            "--overwrite",
            "prompts/menu",
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read(d.join("fixed/main.wav")).unwrap(),
        valid(1_600),
        "a folder named is the top of the out folder"
    );

    // --only-changed: the converted prompts only.
    let (code, text, _) = fix_in(
        d,
        &[
            "--out",
            "changed",
            "--only-changed",
            "--exclude",
            "drafts",
            "prompts",
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("FAIL 4 inputs: 1 converted, 2 already valid, 1 not fixed in "));
    assert_eq!(names(&d.join("changed")), vec!["welcome.wav"]);

    // JSON: actions and counts a script can read.
    let (_, json, _) = fix_in(
        d,
        &[
            "--out",
            "again",
            "--format",
            "json",
            "--exclude",
            "drafts",
            "prompts",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["copied"], 2);
    assert_eq!(v["summary"]["converted"], 1);
    assert_eq!(v["summary"]["already_valid"], 0);
    let main = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"] == "prompts/menu/main.wav")
        .unwrap();
    assert_eq!(main["action"], "copied");
    assert_eq!(main["output"], "again/menu/main.wav");
}

#[cfg(unix)]
#[test]
fn a_copy_into_out_never_follows_a_planted_symlink_out() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("repo/prompts/menu")).unwrap();
    std::fs::create_dir_all(d.join("home/.config")).unwrap();
    std::fs::write(d.join("home/.bashrc"), "keep me").unwrap();
    std::fs::write(d.join("repo/prompts/welcome.wav"), valid(100)).unwrap();
    std::fs::write(d.join("repo/prompts/bashrc.wav"), valid(100)).unwrap();
    std::fs::write(d.join("repo/prompts/menu/main.wav"), valid(100)).unwrap();
    // The repository ships its own "fixed" folder with links out of it: to a file that exists,
    // dangling, and a folder.
    std::fs::create_dir_all(d.join("repo/fixed")).unwrap();
    symlink("../../home/.bashrc", d.join("repo/fixed/bashrc.wav")).unwrap();
    symlink("../../home/.profile", d.join("repo/fixed/welcome.wav")).unwrap();
    symlink("../../home/.config", d.join("repo/fixed/menu")).unwrap();

    let (code, text, _) = fix_in(
        &d.join("repo"),
        &["--out", "fixed", "--overwrite", "prompts"],
    );
    assert_eq!(code, 1, "{text}");
    for line in [
        "prompts/bashrc.wav: refused: fixed/bashrc.wav is a symlink (never written through or replaced)\n",
        "prompts/welcome.wav: refused: fixed/welcome.wav is a symlink (never written through or replaced)\n",
        "prompts/menu/main.wav: refused: fixed/menu is a symlink: writes are never carried through one\n",
    ] {
        assert!(text.contains(line), "{line}{text}");
    }
    assert_eq!(std::fs::read(d.join("home/.bashrc")).unwrap(), b"keep me");
    assert_eq!(names(&d.join("home")), vec![".bashrc", ".config"]);
    assert!(names(&d.join("home/.config")).is_empty());
    assert_eq!(
        names(&d.join("repo/fixed")),
        vec!["bashrc.wav", "menu", "welcome.wav"],
        "no temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn backup_dir_keeps_the_layout_and_never_follows_a_planted_symlink_out() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("prompts/menu")).unwrap();
    std::fs::create_dir_all(d.join("prompts/ivr")).unwrap();
    std::fs::create_dir_all(d.join("outside")).unwrap();
    std::fs::write(d.join("outside/keep.txt"), "keep me").unwrap();
    for name in ["welcome.wav", "menu/main.wav", "ivr/one.wav", "ivr/two.wav"] {
        std::fs::write(d.join("prompts").join(name), failing()).unwrap();
    }
    std::fs::write(d.join("prompts/hold.mp3"), hold_music_mp3()).unwrap();
    // The backup folder is created if missing, with the prompts' layout.
    let report = run(
        &[&d.join("prompts/welcome.wav"), &d.join("prompts/menu")],
        &FixOptions::new(FixMode::InPlace {
            backup: Backup::Into(d.join("bk/new")),
        }),
    );
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(
        names(&d.join("bk/new")),
        vec!["main.wav.orig", "welcome.wav.orig"]
    );
    assert_eq!(
        std::fs::read(d.join("bk/new/main.wav.orig")).unwrap(),
        failing()
    );
    assert_eq!(
        names(&d.join("prompts")),
        vec!["hold.mp3", "ivr", "menu", "welcome.wav"]
    );

    // Planted: a symlinked subfolder and symlinks at backup names.
    std::fs::create_dir_all(d.join("bk/planted")).unwrap();
    symlink("../../outside", d.join("bk/planted/ivr")).unwrap();
    symlink("../../outside/keep.txt", d.join("bk/planted/hold.mp3.orig")).unwrap();
    let planted = FixOptions::new(FixMode::InPlace {
        backup: Backup::Into(d.join("bk/planted")),
    });
    let report = run(&[&d.join("prompts")], &planted);
    let b = d.join("bk/planted").to_string_lossy().into_owned();
    let got: Vec<(String, FixAction, Option<String>)> = report
        .results
        .iter()
        .map(|r| (file_name(&r.input), r.action, r.reason.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "hold.mp3".to_owned(),
                FixAction::Refused,
                Some(format!(
                    "{b}/hold.mp3.orig is a symlink (never written through or replaced)"
                ))
            ),
            (
                "one.wav".to_owned(),
                FixAction::Refused,
                Some(format!(
                    "{b}/ivr is a symlink: writes are never carried through one"
                ))
            ),
            (
                "two.wav".to_owned(),
                FixAction::Refused,
                Some(format!(
                    "{b}/ivr is a symlink: writes are never carried through one"
                ))
            ),
            ("main.wav".to_owned(), FixAction::AlreadyValid, None),
            ("welcome.wav".to_owned(), FixAction::AlreadyValid, None),
        ]
    );
    assert_eq!(names(&d.join("outside")), vec!["keep.txt"]);
    assert_eq!(
        std::fs::read(d.join("outside/keep.txt")).unwrap(),
        b"keep me"
    );
    assert_eq!(
        std::fs::read(d.join("prompts/ivr/one.wav")).unwrap(),
        failing()
    );
    assert_eq!(
        std::fs::read(d.join("prompts/hold.mp3")).unwrap(),
        hold_music_mp3()
    );

    // Two files named directly would share a backup name: both refused, naming each other.
    std::fs::create_dir_all(d.join("x")).unwrap();
    std::fs::write(d.join("x/one.wav"), failing()).unwrap();
    let report = run(
        &[&d.join("prompts/ivr/one.wav"), &d.join("x/one.wav")],
        &FixOptions::new(FixMode::InPlace {
            backup: Backup::Into(d.join("bk/flat")),
        }),
    );
    assert_eq!(
        report.results[0].reason.as_deref(),
        Some(&*format!(
            "{} would be backed up to the same {}; name their folder instead of the files, or \
             rename one of them",
            d.join("x/one.wav").display(),
            d.join("bk/flat/one.wav.orig").display()
        ))
    );
    assert_eq!(report.results[1].action, FixAction::Refused);
    assert!(!d.join("bk/flat").exists());
}

#[test]
fn in_place_renames_are_said_loudly_listed_in_the_summary_and_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("prompts")).unwrap();
    std::fs::write(d.join("prompts/hold-music.mp3"), hold_music_mp3()).unwrap();
    std::fs::write(d.join("prompts/welcome.wav"), failing()).unwrap();

    let (code, json, _) = fix_in(
        d,
        &["--in-place", "--dry-run", "--format", "json", "prompts"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["renamed"],
        serde_json::json!([{"from": "prompts/hold-music.mp3", "to": "prompts/hold-music.wav"}])
    );

    let (code, text, _) = fix_in(d, &["--in-place", "prompts"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0]
        .starts_with("prompts/hold-music.mp3: converted -> prompts/hold-music.wav (MP3 -> WAV"));
    assert_eq!(
        lines[1],
        "  RENAMED: prompts/hold-music.mp3 is now prompts/hold-music.wav; update every config \
         and code that names it"
    );
    assert!(lines[2].starts_with("prompts/welcome.wav: converted -> prompts/welcome.wav ("));
    assert_eq!(
        lines[3..5],
        [
            "Renamed 1 file (update every reference to the old name):",
            "  prompts/hold-music.mp3 -> prompts/hold-music.wav"
        ]
    );
    assert!(lines[5]
        .starts_with("OK 2 inputs: 2 converted (1 renamed), 0 already valid, 0 not fixed in "));
    assert!(!d.join("prompts/hold-music.mp3").exists());

    // JSON after a real run: the list, the count, and the flag on the result.
    std::fs::write(d.join("prompts/intro.mp3"), hold_music_mp3()).unwrap();
    let (_, json, _) = fix_in(
        d,
        &["--in-place", "--no-backup", "--format", "json", "prompts"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["renamed"],
        serde_json::json!([{"from": "prompts/intro.mp3", "to": "prompts/intro.wav"}])
    );
    assert_eq!(v["summary"]["renamed"], 1);
    let intro = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"] == "prompts/intro.mp3")
        .unwrap();
    assert_eq!(intro["renamed"], true);
}

/// `fix --out` is a folder to deploy: a prompt whose name changes there (`.mp3` -> `.wav`) is
/// flagged as in place, since the app still names the old file.
#[test]
fn out_folder_renames_are_said_loudly_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("prompts")).unwrap();
    std::fs::write(d.join("prompts/hold-music.mp3"), hold_music_mp3()).unwrap();
    std::fs::write(d.join("prompts/welcome.wav"), failing()).unwrap();
    let (code, text, _) = fix_in(d, &["--out", "deploy", "prompts"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "  RENAMED: prompts/hold-music.mp3 is now deploy/hold-music.wav; update every config and \
         code that names it"
    );
    assert!(lines[2].starts_with("prompts/welcome.wav: converted -> deploy/welcome.wav ("));
    assert!(text.contains("(1 renamed)"), "{text}");
    let (_, json, _) = fix_in(
        d,
        &[
            "--out",
            "deploy2",
            "--dry-run",
            "--format",
            "json",
            "prompts",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["renamed"],
        serde_json::json!([{"from": "prompts/hold-music.mp3", "to": "deploy2/hold-music.wav"}])
    );
    assert_eq!(v["summary"]["renamed"], 1);
}

#[test]
fn the_report_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/audio");
    std::fs::write(d.join("hifi.wav"), wav_int(44_100, 2, 24, 4_410)).unwrap();
    std::fs::copy(data.join("tone-8k-mulaw.wav"), d.join("phone.wav")).unwrap();
    std::fs::write(d.join("float.wav"), wav_float(16_000, 1, 1_600)).unwrap();
    std::fs::write(d.join("ext.wav"), to_extensible(&valid(1_600), 1)).unwrap();
    let report = run(&[d], &out_dir(&d.join("out")));
    let got: Vec<(String, Vec<Change>)> = report
        .results
        .iter()
        .map(|r| (file_name(&r.input), r.changes.clone()))
        .collect();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        got,
        vec![
            (
                s("ext.wav"),
                vec![Change::Header {
                    from: s("extensible"),
                    to: s("plain")
                }]
            ),
            (
                s("float.wav"),
                vec![
                    Change::Codec {
                        from: s("pcm_f32le"),
                        to: s("pcm_s16le")
                    },
                    Change::BitDepth { from: 32, to: 16 }
                ]
            ),
            (
                s("hifi.wav"),
                vec![
                    Change::BitDepth { from: 24, to: 16 },
                    Change::SampleRate {
                        from: 44_100,
                        to: 16_000
                    },
                    Change::Channels { from: 2, to: 1 },
                    // hound writes WAVE_FORMAT_EXTENSIBLE for 24 bits.
                    Change::Header {
                        from: s("extensible"),
                        to: s("plain")
                    }
                ]
            ),
            (
                s("phone.wav"),
                vec![
                    Change::Codec {
                        from: s("pcm_mulaw"),
                        to: s("pcm_s16le")
                    },
                    Change::SampleRate {
                        from: 8_000,
                        to: 16_000
                    }
                ]
            ),
        ]
    );
    let (_, text, _) = fix_in(d, &["--out", "out2", "hifi.wav", "phone.wav"]);
    assert!(
        text.contains(
            "hifi.wav: converted -> out2/hifi.wav (24-bit -> 16-bit, 44.1 kHz -> 16 kHz, stereo -> mono, extensible header -> plain header, dithered, 100 ms)"
        ),
        "{text}"
    );
    assert!(
        text.contains("phone.wav: converted -> out2/phone.wav (mu-law -> PCM, 8 kHz -> 16 kHz, "),
        "{text}"
    );
    let (_, json, _) = fix_in(
        d,
        &[
            "--out",
            "out3",
            "--dry-run",
            "--format",
            "json",
            "phone.wav",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["results"][0]["changes"],
        serde_json::json!([
            {"what": "codec", "from": "pcm_mulaw", "to": "pcm_s16le"},
            {"what": "sample-rate", "from": 8000, "to": 16000}
        ])
    );
}

#[test]
fn flags_that_do_not_apply_to_the_mode_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.wav"), failing()).unwrap();
    for (args, says) in [
        (
            &["--in-place", "--overwrite"][..],
            "'--in-place' cannot be used with '--overwrite'",
        ),
        (
            &["--out", "o", "--no-backup"],
            "'--out <DIR>' cannot be used with '--no-backup'",
        ),
        (
            &["--out", "o", "--backup-dir", "b"],
            "'--out <DIR>' cannot be used with '--backup-dir <DIR>'",
        ),
        (
            &["--in-place", "--only-changed"],
            "'--in-place' cannot be used with '--only-changed'",
        ),
        (
            &["--in-place", "--no-backup", "--backup-dir", "b"],
            "'--no-backup' cannot be used with '--backup-dir <DIR>'",
        ),
    ] {
        let mut all = args.to_vec();
        all.push("a.wav");
        let (code, _, err) = fix_in(d, &all);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(names(d), vec!["a.wav"], "nothing written");
    assert_eq!(std::fs::read(d.join("a.wav")).unwrap(), failing());
}

#[test]
fn an_out_folder_inside_the_input_folder_is_not_fixed_again_on_the_next_run() {
    // `fix --out prompts/deploy prompts`, run twice: the second run must not take what the first
    // wrote (prompts/deploy/...) as prompts, copying it to prompts/deploy/deploy/... and
    // refusing the files it copied before.
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    std::fs::create_dir_all(prompts.join("menu")).unwrap();
    std::fs::write(prompts.join("menu/ok.wav"), valid(1600)).unwrap();
    std::fs::write(prompts.join("loud.wav"), wav_int(44_100, 2, 24, 4410)).unwrap();
    let deploy = prompts.join("deploy");
    let fix = FixOptions {
        overwrite: true,
        ..out_dir(&deploy)
    };
    for round in 0..2 {
        let report = run(&[&prompts], &fix);
        let actions: Vec<_> = report
            .results
            .iter()
            .map(|r| (r.input.clone(), r.action))
            .collect();
        let loud = prompts.join("loud.wav").display().to_string();
        let ok = prompts.join("menu/ok.wav").display().to_string();
        assert_eq!(
            actions,
            [(loud, FixAction::Converted), (ok, FixAction::Copied)],
            "round {round}"
        );
    }
    assert!(!deploy.join("deploy").exists());
    assert_eq!(names(&deploy), ["loud.wav", "menu"]);
    // An out folder that holds the input folder (or is it) is still read as before.
    let report = run(&[&prompts], &out_dir(&prompts));
    assert!(report
        .results
        .iter()
        .all(|r| r.action == FixAction::Refused));
}

/// What differs on Windows (run by `.ci/windows.sh` under wine, and on Windows).
#[cfg(windows)]
mod windows {
    use super::*;

    #[test]
    fn a_read_only_prompt_is_refused_in_place_with_the_remedy_and_left_whole() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("prompts")).unwrap();
        let file = d.join("prompts").join("loud.wav");
        std::fs::write(&file, failing()).unwrap();
        let mut perms = std::fs::metadata(&file).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&file, perms).unwrap();
        let (code, text, _) = fix_in(d, &["--in-place", "--no-backup", "prompts"]);
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains(
                "prompts\\loud.wav is read-only, and Windows does not let it be replaced: clear \
                 the attribute (`attrib -R prompts\\loud.wav`) or write elsewhere with --out"
            ),
            "{text}"
        );
        assert_eq!(std::fs::read(&file).unwrap(), failing());
        assert_eq!(names(&d.join("prompts")), ["loud.wav"]);
    }

    #[test]
    fn in_place_replaces_an_existing_file_and_shows_backslashes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("prompts").join("sub")).unwrap();
        let file = d.join("prompts").join("sub").join("loud.wav");
        std::fs::write(&file, failing()).unwrap();
        // The named folder with `/`, as many write it: shown with `\` throughout.
        let (code, text, _) = fix_in(d, &["--in-place", "prompts/sub"]);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("original kept as prompts\\sub\\loud.wav.orig"),
            "{text}"
        );
        assert_ne!(std::fs::read(&file).unwrap(), failing());
        assert_eq!(
            std::fs::read(d.join("prompts/sub/loud.wav.orig")).unwrap(),
            failing()
        );
    }
}
