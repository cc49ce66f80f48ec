//! Conversion bounds: sample rates outside 1 kHz to 768 kHz and outputs past what a WAV holds are
//! refused with a reason; a refused input never stops the run nor leaves a temporary file; the
//! dither decision streams (digital silence stays silent) and output is reproducible.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use acs_preflight::{convert_file, ConvertError};

use crate::support::*;

/// A 16-bit mono PCM WAV at `rate` (any value, even ones hound refuses), `frames` long.
fn wav_at(rate: u32, frames: usize) -> Vec<u8> {
    let mut bytes = wav_int(16_000, 1, 16, frames);
    set_format(&mut bytes, 1, 1, rate, 16);
    bytes
}

/// A CAF of 16-bit mono PCM whose packets each claim `frames_per_packet` frames (its 64 bytes
/// of data are 32 such packets).
fn caf(frames_per_packet: u32) -> Vec<u8> {
    let mut desc = 44_100f64.to_be_bytes().to_vec();
    // lpcm, little-endian, 2 bytes a packet, the frames, 1 channel, 16 bits.
    for v in [u32::from_be_bytes(*b"lpcm"), 2, 2, frames_per_packet, 1, 16] {
        desc.extend_from_slice(&v.to_be_bytes());
    }
    let mut out = b"caff\0\x01\0\0desc".to_vec();
    out.extend_from_slice(&(desc.len() as u64).to_be_bytes());
    out.extend_from_slice(&desc);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&68u64.to_be_bytes());
    out.extend_from_slice(&[0; 68]);
    out
}

fn convert(dir: &Path, name: &str, bytes: &[u8]) -> Result<Vec<u8>, ConvertError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut out = Cursor::new(Vec::new());
    convert_file(&path, &mut out).map(|_| out.into_inner())
}

fn refused(r: Result<Vec<u8>, ConvertError>) -> ConvertError {
    match r {
        Ok(out) => panic!("converted, into {} bytes", out.len()),
        Err(e) => e,
    }
}

#[test]
fn sample_rates_outside_1_khz_to_768_khz_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for rate in [999, 800_000] {
        let e = refused(convert(dir.path(), "odd.wav", &wav_at(rate, 100)));
        assert_eq!(
            e.to_string(),
            format!(
                "the sample rate {rate} Hz is outside what can be converted (1000 to 768000 Hz)"
            )
        );
    }
    for (rate, frames_out) in [(1_000, 1_600), (768_000, 3)] {
        let out = convert(dir.path(), "edge.wav", &wav_at(rate, 100)).unwrap();
        let r = hound::WavReader::new(Cursor::new(out)).unwrap();
        assert_eq!((r.spec().sample_rate, r.len()), (16_000, frames_out));
    }
}

#[test]
fn a_declared_length_past_what_a_wav_holds_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    // 8-bit mono at 1 kHz whose header claims 4 GB of data: 4.29 G frames, 68.7 G at 16 kHz.
    let mut bytes = wav_int(1_000, 1, 8, 1_000);
    let data = find_chunk(&bytes, b"data");
    set_u32(&mut bytes, data + 4, 0xFFFF_0000);
    set_u32(&mut bytes, 4, 0xFFFF_0000 + data as u32);
    let e = refused(convert(dir.path(), "claims-4gb.wav", &bytes));
    assert_eq!(
        e.to_string(),
        "the converted audio would be at least 68718428160 frames long, past the 2147483629 \
         frames (about 37 h 17 min at 16 kHz) a WAV file holds"
    );
}

/// A small file may not become a huge one: output past 1,000 times the input (and past
/// 64 MiB) is refused, from the declared length before anything is written. (A 30 KB FLAC of
/// huge constant blocks became a 4.29 GB WAV before.)
#[test]
fn output_far_larger_than_the_input_is_refused_as_a_decompression_bomb() {
    let dir = tempfile::tempdir().unwrap();
    // 8-bit mono at 1 kHz whose header claims 100 MB of data: 1.6 G frames at 16 kHz, 3.2 GB.
    let mut bytes = wav_int(1_000, 1, 8, 1_000);
    let data = find_chunk(&bytes, b"data");
    set_u32(&mut bytes, data + 4, 100_000_000);
    set_u32(&mut bytes, 4, 100_000_000 + data as u32);
    let len = bytes.len();
    let e = refused(convert(dir.path(), "claims-100mb.wav", &bytes));
    assert_eq!(
        e.to_string(),
        format!(
            "the converted audio would be at least 1600000000 frames (3051 MiB), more than 1000 \
             times the {len} bytes of the file (a decompression bomb?)"
        )
    );
    // Real audio grows far less: 8-bit 1 kHz to 16-bit 16 kHz is 32 times.
    let out = convert(dir.path(), "one-second.wav", &wav_int(1_000, 1, 8, 1_000)).unwrap();
    assert_eq!(
        hound::WavReader::new(Cursor::new(out)).unwrap().len(),
        16_000
    );
}

#[test]
fn packets_too_large_to_decode_are_refused_before_the_decoder_allocates_them() {
    let dir = tempfile::tempdir().unwrap();
    let e = refused(convert(dir.path(), "big-packets.caf", &caf(2_000_000)));
    assert_eq!(
        e.to_string(),
        "it declares packets of 2000000 frames with 1 channel(s), over the 1048576 samples that \
         can be decoded at a time"
    );
    // An ordinary CAF converts.
    let out = convert(dir.path(), "ok.caf", &caf(1)).unwrap();
    assert!(hound::WavReader::new(Cursor::new(out)).unwrap().len() > 0);
}

/// Runs `fix` as its own process with its address space capped, so that a build that lets a
/// header size an allocation aborts at once instead of taking the machine's memory.
fn fix_capped(out: &Path, inputs: &[PathBuf]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 4194304 2>/dev/null; exec "$0" "$@""#)
        .arg(assert_cmd::cargo::cargo_bin("acs-preflight"))
        .args(["fix", "--jobs", "1", "--format", "json", "--out"])
        .arg(out)
        .args(inputs)
        .output()
        .unwrap()
}

#[test]
fn a_hostile_rate_fails_alone_and_the_report_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Converted in this order, one at a time: the hostile ones first. On a build that sized
    // allocations by these headers, the first two abort the process (8 GiB each).
    let files: [(&str, Vec<u8>); 4] = [
        ("huge-rate.wav", wav_at(2_147_483_647, 1_000)),
        ("huge-packets.caf", caf(4_000_000_000)),
        ("one-hz.wav", wav_at(1, 16_000)),
        ("good.wav", wav_int(44_100, 2, 16, 4_410)),
    ];
    let mut inputs = Vec::new();
    for (name, bytes) in files {
        inputs.push(input.join(name));
        std::fs::write(input.join(name), bytes).unwrap();
    }
    let out = dir.path().join("out");
    let o = fix_capped(&out, &inputs);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    let outcome = |name: &str| {
        let r = results
            .iter()
            .find(|r| file_name(r["input"].as_str().unwrap()) == name)
            .unwrap();
        (
            r["action"].as_str().unwrap().to_owned(),
            r["reason"].as_str().unwrap_or_default().to_owned(),
        )
    };
    for (name, rate) in [("huge-rate.wav", 2_147_483_647u32), ("one-hz.wav", 1)] {
        assert_eq!(
            outcome(name),
            (
                "failed".to_owned(),
                format!(
                    "the sample rate {rate} Hz is outside what can be converted (1000 to 768000 Hz)"
                )
            )
        );
    }
    assert_eq!(
        outcome("huge-packets.caf"),
        (
            "failed".to_owned(),
            "the converted audio would be at least 46439909298 frames long, past the 2147483629 \
             frames (about 37 h 17 min at 16 kHz) a WAV file holds"
                .to_owned()
        )
    );
    assert_eq!(outcome("good.wav").0, "converted");
    assert_eq!(v["summary"]["converted"], 1);
    // Only the converted file is there: no temporary file, nothing for the refused inputs.
    assert_eq!(names(&out), vec!["good.wav"]);
}

#[test]
fn digital_silence_stays_silent_and_output_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    // Two seconds at 48 kHz, 24-bit: silence, then a tone (needs dither), then silence.
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut bytes, spec).unwrap();
        for i in 0..96_000i32 {
            let loud = (32_000..64_000).contains(&i);
            w.write_sample(if loud { (i % 97 - 48) * 40_001 } else { 0 })
                .unwrap();
        }
        w.finalize().unwrap();
    }
    let bytes = bytes.into_inner();
    let first = convert(dir.path(), "gap.wav", &bytes).unwrap();
    assert_eq!(convert(dir.path(), "gap.wav", &bytes).unwrap(), first);
    let mut r = hound::WavReader::new(Cursor::new(first)).unwrap();
    let s: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(s.len(), 32_000);
    // Dither is decided per block of 4096 samples (256 ms): the blocks of silence before the
    // tone (0.67 s to 1.33 s) and after it are exact zeros, not dither noise; the blocks the
    // tone reaches were dithered.
    assert!(s[..8_192].iter().all(|&x| x == 0));
    assert!(s[24_576..].iter().all(|&x| x == 0));
    assert!(s[12_000..20_000].iter().any(|&x| x != 0));
}
