//! Our own RIFF/WAVE chunk walk.
//!
//! hound and symphonia are built to play files, so they forgive what a validator must report: a
//! data chunk cut short, odd-sized chunks without their pad byte, sizes that run past the end.
//! This walk reads only chunk headers and the `fmt ` body through a bounded [`Window`], trusts no
//! size field for allocation or seeking (every size is checked against the real file length
//! first), and notes every structural problem it meets.

use std::io::{Read, Seek};

use crate::header::sniff::escape_fourcc;
use crate::header::source::{ReadError, Window};
use crate::rules::Rule;

/// The most chunks walked before the data chunk; more than any real prompt has.
const MAX_CHUNKS: usize = 1024;

/// RIFF header (12) + `fmt ` chunk (8 + 16) + `data` chunk header (8).
const MIN_WAV_LEN: u64 = 44;

/// The bytes of `fmt ` we read: WAVEFORMATEXTENSIBLE is 40, anything past that is codec-specific.
const FMT_READ: usize = 40;

/// The GUID tail shared by the KSDATAFORMAT_SUBTYPE_* sub-formats; the first two bytes of the
/// GUID carry the plain format tag.
const SUBTYPE_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// The format tag of WAVE_FORMAT_EXTENSIBLE.
pub(crate) const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// The `fmt ` chunk's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fmt {
    pub format_tag: u16,
    pub channels: u16,
    pub sample_rate: u32,
    pub byte_rate: u32,
    pub block_align: u16,
    pub bits_per_sample: u16,
    /// For WAVE_FORMAT_EXTENSIBLE: the sub-format's tag, or `None` for a GUID outside the
    /// standard family.
    pub sub_format: Option<Option<u16>>,
}

impl Fmt {
    /// The tag that decides the codec: the sub-format's for an extensible header.
    pub(crate) fn effective_tag(&self) -> Option<u16> {
        match self.sub_format {
            None => Some(self.format_tag),
            Some(sub) => sub,
        }
    }
}

/// Where the samples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Data {
    /// Where the samples start in the file.
    pub offset: u64,
    /// The size the chunk header declares.
    pub declared: u32,
    /// The bytes of samples actually present (the declared size, or what remains of the file
    /// for a 0xFFFFFFFF streaming size).
    pub len: u64,
}

/// What the walk found.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub fmt: Option<Fmt>,
    pub data: Option<Data>,
    /// The sample frames a `fact` chunk declares (the true length of block-coded audio).
    pub fact: Option<u32>,
    /// Structural problems, in the order met.
    pub issues: Vec<(Rule, String)>,
}

impl Layout {
    fn issue(&mut self, rule: Rule, message: String) {
        self.issues.push((rule, message));
    }
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Walks the chunks of a file that starts `RIFF....WAVE`.
pub(crate) fn walk<R: Read + Seek>(window: &mut Window<R>) -> Layout {
    let mut layout = Layout::default();
    let len = window.len();
    if len < MIN_WAV_LEN || (window.head().len() as u64) < MIN_WAV_LEN.min(len) {
        layout.issue(
            Rule::Malformed,
            format!("the file is only {len} bytes; a WAV header needs at least 44"),
        );
        return layout;
    }
    let riff_size = le32(&window.head()[4..8]);

    let mut offset: u64 = 12;
    let mut chunks = 0;
    let mut data_cut_short = false;
    let mut walk_ended_early = false;
    let mut fmt_seen = false;
    while offset < len && !(layout.fmt.is_some() && layout.data.is_some()) {
        if len - offset < 8 {
            layout.issue(
                Rule::HeaderInconsistent,
                format!(
                    "{} stray byte(s) at offset {offset} after the last chunk",
                    len - offset
                ),
            );
            break;
        }
        if chunks == MAX_CHUNKS {
            layout.issue(
                Rule::Malformed,
                format!("more than {MAX_CHUNKS} chunks without finding both fmt and data"),
            );
            walk_ended_early = true;
            break;
        }
        chunks += 1;
        let mut header = [0u8; 8];
        match window.read_exact_at(offset, &mut header) {
            Ok(()) => {}
            Err(e) => {
                layout.issue(Rule::Malformed, unreadable_at(offset, e));
                walk_ended_early = true;
                break;
            }
        }
        let id = [header[0], header[1], header[2], header[3]];
        let size = le32(&header[4..8]);
        let body = offset + 8;
        let remaining = len - body;
        match &id {
            b"fmt " => {
                let first = !fmt_seen;
                fmt_seen = true;
                if !first {
                    layout.issue(
                        Rule::Malformed,
                        format!("a second fmt chunk at offset {offset}: the format is ambiguous"),
                    );
                } else if u64::from(size) > remaining {
                    layout.issue(
                        Rule::Malformed,
                        format!(
                            "the fmt chunk at offset {offset} says {size} bytes but only {remaining} remain"
                        ),
                    );
                    walk_ended_early = true;
                    break;
                } else if size < 16 {
                    layout.issue(
                        Rule::Malformed,
                        format!("the fmt chunk is {size} bytes; it needs at least 16"),
                    );
                } else {
                    match read_fmt(window, body, size) {
                        Ok(fmt) => layout.fmt = Some(fmt),
                        Err(message) => {
                            layout.issue(Rule::Malformed, message);
                            walk_ended_early = true;
                            break;
                        }
                    }
                }
            }
            b"data" => {
                if layout.data.is_some() {
                    layout.issue(
                        Rule::Malformed,
                        format!("a second data chunk at offset {offset}: the audio is ambiguous"),
                    );
                } else {
                    if !fmt_seen {
                        layout.issue(
                            Rule::HeaderInconsistent,
                            "the data chunk comes before the fmt chunk; strict players reject that"
                                .to_owned(),
                        );
                    }
                    let data_len = if size == u32::MAX {
                        layout.issue(
                            Rule::HeaderInconsistent,
                            "the data size is 0xFFFFFFFF (a streaming placeholder the writer never filled in)"
                                .to_owned(),
                        );
                        remaining
                    } else if u64::from(size) > remaining {
                        layout.issue(
                            Rule::Malformed,
                            format!(
                                "the data chunk says {size} bytes but the file holds only {remaining} after its header: it is truncated"
                            ),
                        );
                        data_cut_short = true;
                        remaining
                    } else {
                        u64::from(size)
                    };
                    layout.data = Some(Data {
                        offset: body,
                        declared: size,
                        len: data_len,
                    });
                }
            }
            b"fact" if size >= 4 && u64::from(size) <= remaining => {
                let mut n = [0u8; 4];
                if window.read_exact_at(body, &mut n).is_ok() {
                    layout.fact = Some(le32(&n));
                }
            }
            _ => {
                if u64::from(size) > remaining {
                    layout.issue(
                        Rule::Malformed,
                        format!(
                            "the '{}' chunk at offset {offset} says {size} bytes but only {remaining} remain",
                            escape_fourcc(&id)
                        ),
                    );
                    walk_ended_early = true;
                    break;
                }
            }
        }
        // Odd-sized chunks are followed by a pad byte.
        offset = body + u64::from(size) + u64::from(size & 1);
    }

    if !walk_ended_early {
        if !fmt_seen {
            layout.issue(Rule::Malformed, "there is no fmt chunk".to_owned());
        }
        if layout.data.is_none() {
            layout.issue(Rule::Malformed, "there is no data chunk".to_owned());
        }
    }
    if window.size().is_some() {
        check_riff_size(&mut layout, riff_size, len, data_cut_short);
    }
    layout
}

/// The RIFF size must cover the file exactly (allowing the final pad byte).
fn check_riff_size(layout: &mut Layout, riff_size: u32, len: u64, data_cut_short: bool) {
    if riff_size == u32::MAX || riff_size == 0 {
        layout.issue(
            Rule::HeaderInconsistent,
            format!(
                "the RIFF size is {riff_size:#X} (a streaming placeholder the writer never filled in)"
            ),
        );
        return;
    }
    let declared_end = u64::from(riff_size) + 8;
    if declared_end > len {
        if !data_cut_short {
            layout.issue(
                Rule::Malformed,
                format!(
                    "the RIFF header says the file is {declared_end} bytes but it is {len}: it is truncated"
                ),
            );
        }
    } else if declared_end < len && !(declared_end + 1 == len && riff_size & 1 == 1) {
        layout.issue(
            Rule::HeaderInconsistent,
            format!(
                "the RIFF size says {declared_end} bytes but the file is {len}: {} bytes trail the RIFF chunk",
                len - declared_end
            ),
        );
    }
}

fn unreadable_at(offset: u64, e: ReadError) -> String {
    match e {
        ReadError::Exhausted => format!(
            "the chunk header at offset {offset} lies past the first {} KiB read",
            crate::header::source::MAX_READ / 1024
        ),
        ReadError::Io(e) => format!("cannot read the chunk header at offset {offset}: {e}"),
    }
}

fn read_fmt<R: Read + Seek>(window: &mut Window<R>, body: u64, size: u32) -> Result<Fmt, String> {
    let n = (size as usize).min(FMT_READ);
    let mut b = [0u8; FMT_READ];
    window
        .read_exact_at(body, &mut b[..n])
        .map_err(|e| match e {
            ReadError::Exhausted => format!(
                "the fmt chunk at offset {} lies past the first {} KiB read",
                body - 8,
                crate::header::source::MAX_READ / 1024
            ),
            ReadError::Io(e) => format!("cannot read the fmt chunk: {e}"),
        })?;
    let format_tag = le16(&b[0..2]);
    let sub_format = if format_tag == TAG_EXTENSIBLE {
        // cbSize (2) + valid bits (2) + channel mask (4) + GUID (16) = 24 past the 16 basic bytes.
        let cb_size = if n >= 18 { le16(&b[16..18]) } else { 0 };
        if n < 40 || cb_size < 22 {
            return Err(format!(
                "the fmt chunk says WAVE_FORMAT_EXTENSIBLE but is {size} bytes with cbSize {cb_size}; it needs 40 and 22"
            ));
        }
        let guid = &b[24..40];
        Some((guid[2..] == SUBTYPE_TAIL).then(|| le16(&guid[0..2])))
    } else {
        None
    };
    Ok(Fmt {
        format_tag,
        channels: le16(&b[2..4]),
        sample_rate: le32(&b[4..8]),
        byte_rate: le32(&b[8..12]),
        block_align: le16(&b[12..14]),
        bits_per_sample: le16(&b[14..16]),
        sub_format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn fmt_body(tag: u16, ch: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = ch * bits / 8;
        let mut v = Vec::new();
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&ch.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        v.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        v.extend_from_slice(&align.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v
    }

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        if body.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    fn wav(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        v.extend_from_slice(b"WAVE");
        v.extend_from_slice(&body);
        v
    }

    fn walk_bytes(bytes: &[u8]) -> Layout {
        let len = bytes.len() as u64;
        let mut w = Window::open(Cursor::new(bytes.to_vec()), Some(len), len).unwrap();
        walk(&mut w)
    }

    fn rules(l: &Layout) -> Vec<Rule> {
        l.issues.iter().map(|(r, _)| r.to_owned()).collect()
    }

    #[test]
    fn clean_file_has_no_issues() {
        let l = walk_bytes(&wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"data", &[0; 320]),
        ]));
        assert_eq!(l.issues, vec![]);
        let fmt = l.fmt.unwrap();
        assert_eq!(
            (fmt.format_tag, fmt.channels, fmt.sample_rate),
            (1, 1, 16000)
        );
        assert_eq!(l.data.unwrap().len, 320);
    }

    #[test]
    fn skips_odd_chunks_with_their_pad_byte() {
        let l = walk_bytes(&wav(&[
            chunk(b"LIST", b"INFOabc"),
            chunk(b"JUNK", &[0; 3]),
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"data", &[0; 2]),
        ]));
        assert_eq!(l.issues, vec![]);
        assert!(l.fmt.is_some() && l.data.is_some());
    }

    #[test]
    fn truncated_data_is_malformed_once() {
        let mut bytes = wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"data", &[0; 1000]),
        ]);
        bytes.truncate(bytes.len() - 400);
        let l = walk_bytes(&bytes);
        assert_eq!(rules(&l), vec![Rule::Malformed]);
        assert!(l.issues[0].1.contains("1000 bytes"), "{}", l.issues[0].1);
        assert!(l.issues[0].1.contains("600"), "{}", l.issues[0].1);
    }

    #[test]
    fn missing_chunks_and_huge_sizes() {
        let l = walk_bytes(&wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"JUNK", &[0; 8]),
        ]));
        assert_eq!(rules(&l), vec![Rule::Malformed]);
        assert!(l.issues[0].1.contains("no data chunk"));

        let l = walk_bytes(&wav(&[chunk(b"fmt ", &fmt_body(1, 1, 16000, 16))]));
        assert_eq!(rules(&l), vec![Rule::Malformed]);
        assert!(l.issues[0].1.contains("only 36 bytes"));

        let mut bytes = wav(&[chunk(b"LIST", &[0; 40])]);
        bytes[16..20].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        let l = walk_bytes(&bytes);
        assert_eq!(rules(&l), vec![Rule::Malformed]);
        assert!(l.issues[0].1.contains("'LIST'"), "{}", l.issues[0].1);
    }

    #[test]
    fn streaming_sizes_are_inconsistent_not_malformed() {
        let mut bytes = wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"data", &[0; 64]),
        ]);
        bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let n = bytes.len();
        bytes[n - 68..n - 64].copy_from_slice(&u32::MAX.to_le_bytes());
        let l = walk_bytes(&bytes);
        assert_eq!(
            rules(&l),
            vec![Rule::HeaderInconsistent, Rule::HeaderInconsistent]
        );
        assert_eq!(l.data.unwrap().len, 64);
    }

    #[test]
    fn short_fmt_and_duplicate_chunks() {
        let l = walk_bytes(&wav(&[
            chunk(b"fmt ", &[1, 0, 1, 0]),
            chunk(b"JUNK", &[0; 16]),
            chunk(b"data", &[0; 2]),
        ]));
        assert_eq!(rules(&l), vec![Rule::Malformed]);
        assert!(l.issues[0].1.contains("needs at least 16"));

        let l = walk_bytes(&wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"fmt ", &fmt_body(1, 2, 16000, 16)),
            chunk(b"data", &[0; 2]),
        ]));
        assert_eq!(rules(&l), vec![Rule::Malformed]);
    }

    #[test]
    fn extensible_sub_format_is_read() {
        let mut body = fmt_body(TAG_EXTENSIBLE, 1, 16000, 16);
        body.extend_from_slice(&22u16.to_le_bytes());
        body.extend_from_slice(&16u16.to_le_bytes());
        body.extend_from_slice(&4u32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&SUBTYPE_TAIL);
        let l = walk_bytes(&wav(&[chunk(b"fmt ", &body), chunk(b"data", &[0; 2])]));
        assert_eq!(l.issues, vec![]);
        assert_eq!(l.fmt.unwrap().effective_tag(), Some(1));
    }

    #[test]
    fn trailing_bytes_after_riff_are_inconsistent() {
        let mut bytes = wav(&[
            chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)),
            chunk(b"data", &[0; 2]),
        ]);
        bytes.extend_from_slice(&[0; 10]);
        let l = walk_bytes(&bytes);
        assert_eq!(rules(&l), vec![Rule::HeaderInconsistent]);
        assert!(l.issues[0].1.contains("10 bytes trail"));
    }

    #[test]
    fn far_chunks_beyond_the_budget_are_reported_not_read() {
        // 40 chunks of 2 KiB padding each is fine (headers are read one by one)...
        let mut chunks: Vec<Vec<u8>> = (0..40).map(|_| chunk(b"JUNK", &[0; 2048])).collect();
        chunks.push(chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)));
        chunks.push(chunk(b"data", &[0; 2]));
        let l = walk_bytes(&wav(&chunks));
        assert_eq!(l.issues, vec![]);
        // ...but a data chunk whose header is more than 1024 chunks away is not searched for.
        let mut chunks: Vec<Vec<u8>> = (0..1100).map(|_| chunk(b"JUNK", &[0; 2])).collect();
        chunks.push(chunk(b"fmt ", &fmt_body(1, 1, 16000, 16)));
        let l = walk_bytes(&wav(&chunks));
        assert_eq!(rules(&l), vec![Rule::Malformed]);
    }
}
