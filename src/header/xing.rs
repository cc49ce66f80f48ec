//! The length of an MP3 from its Xing/Info tag (and the LAME extension's encoder delay and
//! padding), read from the first frame without decoding.
//!
//! The arithmetic is symphonia's (the demuxer `fix` and `--deep` decode with), so `check`'s
//! `duration_ms` and the sample count `fix` writes agree: frames × samples per frame, less the
//! decoder delay (LAME's `enc_delay` + 529) and the padding (`enc_padding` − 529). Every read is
//! bounds-checked: any bytes give a length or `None`, never a panic.

use crate::header::sniff::id3v2_len;

/// Where the tag's delay and padding fields sit in the LAME extension.
const LAME_TRIM_OFFSET: usize = 21;
/// How many bytes of the LAME extension must be present for the delay and padding fields.
const MIN_LAME_EXT_LEN: usize = 24;
/// The full LAME extension, up to and including its CRC.
const LAME_EXT_LEN: usize = 36;
/// The MPEG layer III decoder's own delay, which LAME's fields leave out.
const DECODER_DELAY: u64 = 529;

/// MPEG-1 layer III bit rates (kbit/s) by index; 0 is free format.
const BITRATES_V1: [u32; 15] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];
/// MPEG-2 and 2.5 layer III bit rates (kbit/s) by index.
const BITRATES_V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/// The audio length in samples per channel and the sample rate an MP3 declares in a Xing/Info
/// tag, given the file's first bytes (an ID3v2 tag, if any, then the first frame).
pub(crate) fn declared_length(bytes: &[u8]) -> Option<(u64, u32)> {
    let start = match id3v2_len(bytes) {
        Some(n) => usize::try_from(n).ok()?,
        None => 0,
    };
    let rest = bytes.get(start..)?;
    // Some taggers pad with zeros after the tag.
    let frame = &rest[rest.iter().take_while(|&&b| b == 0).count()..];
    frame_length(frame)
}

/// The length in milliseconds (rounded down, as for WAV) that [`declared_length`] gives.
pub(crate) fn duration_ms(bytes: &[u8]) -> Option<u64> {
    let (samples, rate) = declared_length(bytes)?;
    Some(samples.checked_mul(1000)? / u64::from(rate))
}

/// Reads the Xing/Info tag of `frame`, which starts with a layer III frame header.
fn frame_length(frame: &[u8]) -> Option<(u64, u32)> {
    let header = frame.get(..4)?;
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (header[1] >> 3) & 3; // 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
    let layer = (header[1] >> 1) & 3; // 1: layer III
    let bitrate_index = usize::from(header[2] >> 4);
    let rate_index = usize::from((header[2] >> 2) & 3);
    let padded = u32::from((header[2] >> 1) & 1);
    let mono = header[3] >> 6 == 3;
    if version == 1 || layer != 1 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let base_rate = [44_100u32, 48_000, 32_000][rate_index];
    let rate = match version {
        3 => base_rate,
        2 => base_rate / 2,
        _ => base_rate / 4,
    };
    let kbps = *if mpeg1 { &BITRATES_V1 } else { &BITRATES_V2 }.get(bitrate_index)?;
    if kbps == 0 {
        return None; // free format: no frame length to bound the tag by
    }
    let (samples_per_frame, frame_len) = if mpeg1 {
        (1152u64, 144_000 * kbps / rate + padded)
    } else {
        (576u64, 72_000 * kbps / rate + padded)
    };
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    // Only the bytes of this frame belong to the tag.
    let frame = frame
        .get(..usize::try_from(frame_len).ok()?)
        .unwrap_or(frame);
    let tag_at = 4 + side_info;
    let id = frame.get(tag_at..tag_at + 4)?;
    if id != b"Xing" && id != b"Info" {
        return None;
    }
    let flags = be_u32(frame, tag_at + 4)?;
    let mut at = tag_at + 8;
    if flags & 1 == 0 {
        return None; // no frame count
    }
    let frames = u64::from(be_u32(frame, at)?);
    at += 4;
    if flags & 2 != 0 {
        at += 4;
    }
    if flags & 4 != 0 {
        at += 100;
    }
    if flags & 8 != 0 {
        at += 4;
    }
    let total = frames.checked_mul(samples_per_frame)?;
    let (delay, padding) = lame_trim(frame, at).unwrap_or((0, 0));
    Some((total.saturating_sub(delay + padding), rate))
}

/// The decoder delay and padding from the LAME extension at `at`, as symphonia reads them: only
/// for encoders that write LAME's fields, and only when the tag's CRC (if any) matches.
fn lame_trim(frame: &[u8], at: usize) -> Option<(u64, u64)> {
    let ext = frame.get(at..)?;
    if ext.len() < MIN_LAME_EXT_LEN {
        return None;
    }
    let encoder = ext.get(..4)?;
    if encoder != b"LAME" && encoder != b"Lavf" && encoder != b"Lavc" {
        return None;
    }
    let trim = ext.get(LAME_TRIM_OFFSET..LAME_TRIM_OFFSET + 3)?;
    let trim = (u32::from(trim[0]) << 16) | (u32::from(trim[1]) << 8) | u32::from(trim[2]);
    let delay = DECODER_DELAY + u64::from(trim >> 12);
    let padding = u64::from(trim & 0xFFF).saturating_sub(DECODER_DELAY);
    // LAME's tag CRC covers the frame up to the CRC itself (other encoders write one only in a
    // frame with CRC protection, whose bit is 0). A mismatch means this is not a LAME tag.
    let protected = frame.get(1).is_some_and(|b| b & 1 == 0);
    if ext.len() >= LAME_EXT_LEN && (encoder == b"LAME" || protected) {
        let crc_at = at + LAME_EXT_LEN - 2;
        let written = u16::from_be_bytes([*frame.get(crc_at)?, *frame.get(crc_at + 1)?]);
        if written != 0 && written != crc16(frame.get(..crc_at)?) {
            return None;
        }
    }
    Some((delay, padding))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// CRC-16/ARC (polynomial 0x8005 reflected, initial value 0), the LAME tag's checksum.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A first frame as LAME writes it for 16 kHz mono at 64 kbit/s (MPEG-2, 576 samples per
    /// frame, 9 bytes of side information): an Info tag with frame count, the LAME extension
    /// with `enc_delay` and `enc_padding`, and its CRC.
    fn lame_frame(frames: u32, enc_delay: u32, enc_padding: u32) -> Vec<u8> {
        let mut f = vec![0u8; 288]; // 72_000 * 64 / 16_000
        f[..4].copy_from_slice(&[0xFF, 0xF3, 0x88, 0xC4]);
        f[13..17].copy_from_slice(b"Info");
        f[17..21].copy_from_slice(&1u32.to_be_bytes());
        f[21..25].copy_from_slice(&frames.to_be_bytes());
        f[25..34].copy_from_slice(b"LAME3.100");
        let trim = (enc_delay << 12) | enc_padding;
        f[46..49].copy_from_slice(&trim.to_be_bytes()[1..]);
        let crc = crc16(&f[..59]);
        f[59..61].copy_from_slice(&crc.to_be_bytes());
        f
    }

    #[test]
    fn reads_frames_delay_and_padding() {
        // 37 frames of 576 = 21312 samples; 576 + 736 of them are LAME's delay and padding.
        let f = lame_frame(37, 576, 736);
        assert_eq!(declared_length(&f), Some((20_000, 16_000)));
        assert_eq!(duration_ms(&f), Some(1250));
        // Behind an ID3v2 tag and zero padding.
        let mut tagged = b"ID3\x03\x00\x00\x00\x00\x00\x05hello\0\0".to_vec();
        tagged.extend_from_slice(&f);
        assert_eq!(duration_ms(&tagged), Some(1250));
    }

    #[test]
    fn a_bad_crc_drops_the_lame_fields_only() {
        let mut f = lame_frame(37, 576, 736);
        f[60] ^= 1;
        assert_eq!(declared_length(&f), Some((21_312, 16_000)));
    }

    #[test]
    fn truncated_and_garbage_tags_give_none_or_a_length_never_a_panic() {
        let f = lame_frame(37, 576, 736);
        for cut in 0..f.len() {
            // Cut before the frame count: nothing; before the LAME fields: the frame count
            // alone; after them: the trimmed length (the CRC is checked only when present).
            let want = match cut {
                0..=24 => None,
                25..=48 => Some((21_312, 16_000)),
                _ => Some((20_000, 16_000)),
            };
            assert_eq!(declared_length(&f[..cut]), want, "cut at {cut}");
        }
        // Every byte value at every position of the header and tag.
        for at in 0..61 {
            for v in [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF] {
                let mut g = f.clone();
                g[at] = v;
                let _ = declared_length(&g);
            }
        }
        // Pseudo-random bytes behind a frame header, and an ID3 tag claiming more than is there.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let mut g = vec![0xFF, 0xFB, 0x90, 0x64];
            g.extend((0..400).map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            }));
            g[36..40].copy_from_slice(b"Xing");
            let _ = declared_length(&g);
        }
        assert_eq!(declared_length(b"ID3\x03\x00\x00\x7F\x7F\x7F\x7F"), None);
        assert_eq!(declared_length(&[0xFF, 0xF3]), None);
        // The largest frame count.
        let huge = lame_frame(u32::MAX, 0, 0);
        assert_eq!(
            declared_length(&huge),
            Some((u64::from(u32::MAX) * 576 - 529, 16_000))
        );
        assert!(duration_ms(&huge).is_some());
    }

    #[test]
    fn no_frame_count_or_not_layer_three_gives_none() {
        let mut f = lame_frame(37, 576, 736);
        f[20] = 0; // flags: no frame count
        assert_eq!(declared_length(&f), None);
        let mut g = lame_frame(37, 576, 736);
        g[1] = 0xF5; // layer II
        assert_eq!(declared_length(&g), None);
    }
}
