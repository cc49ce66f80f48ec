//! Test audio made in the tests: hound writes the WAV files, byte surgery breaks them.

#![allow(dead_code)]

use std::io::Cursor;

/// A deterministic test tone (integer triangle wave, so the bytes are the same on every machine).
fn tone(i: usize, period: usize, amplitude: i64) -> i32 {
    let phase = (i % period) as i64;
    let half = period as i64 / 2;
    let tri = if phase < half {
        phase
    } else {
        period as i64 - phase
    };
    ((tri * 4 * amplitude) / period as i64 - amplitude) as i32
}

/// A WAV written by hound: `frames` frames of a tone in the given integer format.
pub fn wav_int(rate: u32, channels: u16, bits: u16, frames: usize) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut buf = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
        let amplitude = (1i64 << (bits - 1)) / 3;
        for i in 0..frames {
            for _ in 0..channels {
                w.write_sample(tone(i, 40, amplitude)).unwrap();
            }
        }
        w.finalize().unwrap();
    }
    buf.into_inner()
}

/// A 32-bit float WAV written by hound (hound uses WAVE_FORMAT_EXTENSIBLE for it).
pub fn wav_float(rate: u32, channels: u16, frames: usize) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut buf = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
        for i in 0..frames {
            for _ in 0..channels {
                w.write_sample(tone(i, 40, 1000) as f32 / 3000.0).unwrap();
            }
        }
        w.finalize().unwrap();
    }
    buf.into_inner()
}

/// The valid prompt: 16 kHz, mono, 16-bit PCM.
pub fn valid(frames: usize) -> Vec<u8> {
    wav_int(16_000, 1, 16, frames)
}

/// The file name of a result's input path.
pub fn file_name(input: &str) -> String {
    std::path::Path::new(input)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Offset of the first chunk with this id (the chunk header's start).
pub fn find_chunk(bytes: &[u8], id: &[u8; 4]) -> usize {
    let mut off = 12;
    while off + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap()) as usize;
        if &bytes[off..off + 4] == id {
            return off;
        }
        off += 8 + size + (size & 1);
    }
    panic!("no {:?} chunk", std::str::from_utf8(id));
}

pub fn set_u16(bytes: &mut [u8], at: usize, v: u16) {
    bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub fn set_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn get_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Recomputes the RIFF size from the length.
pub fn fix_riff_size(bytes: &mut [u8]) {
    let n = bytes.len() as u32 - 8;
    set_u32(bytes, 4, n);
}

/// Inserts a chunk right before the data chunk (padding odd sizes) and fixes the RIFF size.
pub fn insert_before_data(bytes: &[u8], id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let at = find_chunk(bytes, b"data");
    let mut chunk = id.to_vec();
    chunk.extend_from_slice(&(body.len() as u32).to_le_bytes());
    chunk.extend_from_slice(body);
    if body.len() % 2 == 1 {
        chunk.push(0);
    }
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&bytes[at..]);
    fix_riff_size(&mut out);
    out
}

/// Rewrites the fmt chunk of a 16-bit PCM file as WAVE_FORMAT_EXTENSIBLE with the given
/// sub-format tag (1 = PCM), keeping the samples.
pub fn to_extensible(bytes: &[u8], sub_format: u16) -> Vec<u8> {
    let fmt = find_chunk(bytes, b"fmt ");
    let size = get_u32(bytes, fmt + 4) as usize;
    let basic = &bytes[fmt + 8..fmt + 24];
    let mut body = basic.to_vec();
    set_u16(&mut body, 0, 0xFFFE);
    let bits = u16::from_le_bytes([basic[14], basic[15]]);
    body.extend_from_slice(&22u16.to_le_bytes());
    body.extend_from_slice(&bits.to_le_bytes());
    body.extend_from_slice(&4u32.to_le_bytes()); // front centre
    body.extend_from_slice(&sub_format.to_le_bytes());
    body.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]);
    let mut out = bytes[..fmt].to_vec();
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&bytes[fmt + 8 + size..]);
    fix_riff_size(&mut out);
    out
}

/// Sets the fmt chunk's fields in place: (tag, channels, rate, bits); block_align and byte_rate
/// are made consistent.
pub fn set_format(bytes: &mut [u8], tag: u16, channels: u16, rate: u32, bits: u16) {
    let f = find_chunk(bytes, b"fmt ") + 8;
    let align = channels * bits.div_ceil(8);
    set_u16(bytes, f, tag);
    set_u16(bytes, f + 2, channels);
    set_u32(bytes, f + 4, rate);
    set_u32(bytes, f + 8, rate * u32::from(align));
    set_u16(bytes, f + 12, align);
    set_u16(bytes, f + 14, bits);
}

/// Cuts the file to `keep` bytes (headers untouched, so sizes now run past the end).
pub fn truncated(bytes: &[u8], keep: usize) -> Vec<u8> {
    bytes[..keep].to_vec()
}

/// A synthetic MPEG-1 Layer III stream: `frames` frames of 128 kbit/s, 44.1 kHz, stereo
/// (headers with silent bodies), optionally behind an ID3v2.4 tag.
pub fn mp3(id3v2: bool, frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if id3v2 {
        // Tag with one TIT2 frame.
        let mut frame = b"TIT2".to_vec();
        let text = b"\x03Welcome";
        frame.extend_from_slice(&(text.len() as u32).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(text);
        out.extend_from_slice(b"ID3\x04\x00\x00");
        let n = frame.len() as u32;
        out.extend_from_slice(&[
            ((n >> 21) & 0x7F) as u8,
            ((n >> 14) & 0x7F) as u8,
            ((n >> 7) & 0x7F) as u8,
            (n & 0x7F) as u8,
        ]);
        out.extend_from_slice(&frame);
    }
    // 144 * 128000 / 44100 = 417 bytes per frame without padding.
    for _ in 0..frames {
        let mut f = vec![0u8; 417];
        f[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x04]);
        out.extend_from_slice(&f);
    }
    out
}

/// The names in a folder, sorted.
pub fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs a command: its exit code (-1 when killed), stdout and stderr.
pub fn run(c: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The `results` array of a JSON report.
pub fn report_results(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["results"].as_array().unwrap().clone()
}
