//! MP3 gapless: a LAME/Xing tag's encoder delay and padding are trimmed wherever samples are
//! counted: `check`'s `duration_ms`, the samples `fix` writes, `--deep`'s silence.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use acs_preflight::{check_file, convert_file, CheckOptions, Status};

use crate::support::wav_int;

/// The committed LAME-made MP3s (tests/data/README.md): name, length in ms, samples at 16 kHz.
const COMMITTED: [(&str, u64, u32); 2] = [
    ("lame-1250ms-16k.mp3", 1250, 20_000),
    ("lame-1000ms-44k1-vbr.mp3", 1000, 16_000),
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/audio")
        .join(name)
}

/// Asserts what check, --deep and fix say of `path`, a tone of `ms` milliseconds.
fn assert_trimmed(path: &Path, ms: u64, samples: u32) {
    let name = path.display();
    let r = check_file(path, &CheckOptions::default().allow_mp3(true));
    assert_eq!(r.status, Status::Pass, "{name}: {:?}", r.findings);
    assert_eq!(
        r.audio.unwrap().duration_ms,
        Some(ms),
        "{name}: duration_ms"
    );

    let r = check_file(path, &CheckOptions::default().allow_mp3(true).deep(true));
    let audio = r.audio.unwrap();
    assert_eq!(
        audio.duration_ms,
        Some(ms),
        "{name}: duration_ms with --deep"
    );
    // The tone starts at the first sample and ends at the last: the encoder's delay and
    // padding (over 60 ms here) would otherwise be counted as silence.
    assert_eq!(audio.leading_silence_ms, Some(0), "{name}: leading silence");
    assert_eq!(
        audio.trailing_silence_ms,
        Some(0),
        "{name}: trailing silence"
    );

    let mut out = Cursor::new(Vec::new());
    convert_file(path, &mut out).unwrap();
    let wav = hound::WavReader::new(Cursor::new(out.into_inner())).unwrap();
    assert_eq!(wav.spec().sample_rate, 16_000);
    assert_eq!(wav.duration(), samples, "{name}: samples written by fix");
    // And they are the tone's samples, not the delay's near-silence shifted in at the start.
    let out: Vec<i16> = wav.into_samples().map(Result::unwrap).collect();
    let peak = |s: &[i16]| s.iter().map(|v| v.unsigned_abs()).max().unwrap();
    let ten_ms = 160;
    assert!(peak(&out[..ten_ms]) > 4000, "{name}: first 10 ms of fix");
    assert!(
        peak(&out[out.len() - ten_ms..]) > 4000,
        "{name}: last 10 ms of fix"
    );
}

#[test]
fn committed_lame_mp3s_are_trimmed_in_check_deep_and_fix() {
    for (name, ms, samples) in COMMITTED {
        assert_trimmed(&data(name), ms, samples);
    }
}

/// Each layer III version: MPEG-1 (1152 samples a frame), MPEG-2 and MPEG-2.5 (576), CBR and VBR.
#[test]
fn lame_mp3s_made_here_are_trimmed_in_check_deep_and_fix() {
    if std::process::Command::new("lame")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("lame is not installed: skipping (the committed LAME MP3s are still checked)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (rate, mode) in [
        (44_100, ["-b", "64"]),
        (16_000, ["-b", "64"]),
        (8_000, ["-b", "32"]),
        (48_000, ["-V", "5"]),
        (24_000, ["-V", "5"]),
    ] {
        // 1.250 s of a tone that starts and ends at full level.
        let wav = dir.path().join(format!("in-{rate}.wav"));
        std::fs::write(&wav, wav_int(rate, 1, 16, rate as usize * 5 / 4)).unwrap();
        let mp3 = dir.path().join(format!("in-{rate}-{}.mp3", mode[0]));
        let status = std::process::Command::new("lame")
            .args(["--quiet", "--id3v2-only", "--tt", "prompt"])
            .args(mode)
            .arg(&wav)
            .arg(&mp3)
            .status()
            .unwrap();
        assert!(status.success(), "lame failed on {rate} Hz");
        assert_trimmed(&mp3, 1250, 20_000);
    }
}
