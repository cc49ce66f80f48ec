//! Bounded random access to the start of a prompt.
//!
//! Checks read through a [`Window`]: it knows the real length of the input, reads a first block
//! once, and serves later reads at other offsets (a chunk header after a large `LIST`, the frame
//! after an ID3 tag) while counting every byte. No more than [`MAX_READ`] bytes are ever read from
//! one input, so a 2 GiB prompt costs what a 32 KiB one does, and no size field from the file
//! decides how much is allocated.

use std::io::{self, Read, Seek, SeekFrom};

/// The most bytes read from any one input.
pub const MAX_READ: usize = 64 * 1024;

/// The size of the first read; enough for nearly every WAV header.
pub(crate) const HEAD_LEN: usize = 4096;

/// Why a read at an offset gave nothing.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The input could not be read (or ended before its known length).
    Io(io::Error),
    /// Serving the read would pass [`MAX_READ`] or leave the bytes that are available.
    Exhausted,
}

/// The start of an input plus bounded reads elsewhere in it.
pub(crate) struct Window<R> {
    inner: R,
    /// The input's full length, `u64::MAX` when unknown (a URL whose server did not say).
    len: u64,
    len_known: bool,
    /// Bytes `[0, head.len())` of the input.
    head: Vec<u8>,
    /// How far into the input bytes can be read at all (the length, or what was fetched).
    available: u64,
    /// Bytes read so far, the head included.
    used: usize,
}

impl<R: Read + Seek> Window<R> {
    /// Reads the first block of `inner`, whose full length is `len` (`None` when unknown).
    ///
    /// `available` is how much of the input `inner` can serve (for a file: `len`; for a URL:
    /// what the server sent).
    pub(crate) fn open(mut inner: R, len: Option<u64>, available: u64) -> io::Result<Self> {
        let len_known = len.is_some();
        let len = len.unwrap_or(u64::MAX);
        let available = available.min(len);
        let want = HEAD_LEN.min(usize::try_from(available).unwrap_or(HEAD_LEN));
        // Read into spare capacity: no zeroing, one read call for a file longer than the head.
        let mut head = spare_head();
        (&mut inner).take(want as u64).read_to_end(&mut head)?;
        let got = head.len();
        // A short first read means the input ended early (a file shrinking under us).
        let available = if got < want { got as u64 } else { available };
        Ok(Window {
            inner,
            len,
            len_known,
            available,
            used: got,
            head,
        })
    }

    /// The full length of the input (`u64::MAX` when unknown: see [`Window::size`]).
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The full length of the input, if known.
    pub(crate) fn size(&self) -> Option<u64> {
        self.len_known.then_some(self.len)
    }

    /// The first bytes of the input (up to [`HEAD_LEN`], fewer when it is shorter).
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Fills `buf` from `offset`, from the head when it holds the bytes, else by a bounded read.
    pub(crate) fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(ReadError::Exhausted)?;
        if end <= self.head.len() as u64 {
            // Both fit in usize: they are within the head.
            let start = offset as usize;
            buf.copy_from_slice(&self.head[start..start + buf.len()]);
            return Ok(());
        }
        if end > self.available || self.used + buf.len() > MAX_READ {
            return Err(ReadError::Exhausted);
        }
        self.inner
            .seek(SeekFrom::Start(offset))
            .map_err(ReadError::Io)?;
        let got = read_full(&mut self.inner, buf).map_err(ReadError::Io)?;
        self.used += got;
        if got < buf.len() {
            return Err(ReadError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the input ended at byte {} while reading it",
                    offset + got as u64
                ),
            )));
        }
        Ok(())
    }

    /// Reads up to `max` bytes from `offset` (fewer at the end of what is available or of the
    /// read budget).
    pub(crate) fn read_up_to(&mut self, offset: u64, max: usize) -> Result<Vec<u8>, ReadError> {
        let left_in_input = self.available.saturating_sub(offset);
        let n = (max as u64).min(left_in_input) as usize;
        let n = if offset + n as u64 <= self.head.len() as u64 {
            n
        } else {
            n.min(MAX_READ.saturating_sub(self.used))
        };
        let mut buf = vec![0; n];
        self.read_exact_at(offset, &mut buf)?;
        Ok(buf)
    }
}

thread_local! {
    /// Heads of windows already dropped on this thread, for the next windows to reuse: a scan
    /// opens a window per file, and a 4 KiB allocation and free per file cost more than the
    /// header check itself (glibc's `malloc` merges its free lists on every allocation that
    /// large: 7% of a 10,000-file scan's time went to `malloc` and `free`).
    static SPARE_HEADS: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Heads kept per thread, at most.
const SPARE_HEADS_KEPT: usize = 2;

/// An empty buffer of [`HEAD_LEN`] bytes' capacity, reused when this thread has one.
fn spare_head() -> Vec<u8> {
    let spare = SPARE_HEADS
        .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
        .ok()
        .flatten();
    let mut head = spare.unwrap_or_default();
    head.clear();
    head.reserve_exact(HEAD_LEN);
    head
}

impl<R> Drop for Window<R> {
    /// Hands the head's buffer on to the next window on this thread (none of its bytes are
    /// read again: [`spare_head`] empties it).
    fn drop(&mut self) {
        let head = std::mem::take(&mut self.head);
        if head.capacity() != HEAD_LEN {
            return;
        }
        let _ = SPARE_HEADS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if s.len() < SPARE_HEADS_KEPT {
                    s.push(head);
                }
            }
        });
    }
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A reader that counts the bytes it hands out.
    struct Counting {
        inner: Cursor<Vec<u8>>,
        read: usize,
    }
    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n;
            Ok(n)
        }
    }
    impl Seek for Counting {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    /// A window's head buffer is reused by the next window on the thread, and shows only the
    /// bytes of its own input (a short input after a long one, an empty one after that).
    #[test]
    fn a_reused_head_holds_only_its_own_input() {
        let long: Vec<u8> = (0..8192u32).map(|i| (i % 251) as u8).collect();
        let first = Window::open(Cursor::new(long.clone()), Some(8192), 8192).unwrap();
        let address = first.head().as_ptr();
        assert_eq!(first.head(), &long[..HEAD_LEN]);
        drop(first);
        let second = Window::open(Cursor::new(vec![7u8, 8, 9]), Some(3), 3).unwrap();
        assert_eq!(second.head(), &[7, 8, 9]);
        assert_eq!(second.head().as_ptr(), address, "the buffer is reused");
        drop(second);
        let mut empty = Window::open(Cursor::new(Vec::new()), Some(0), 0).unwrap();
        assert!(empty.head().is_empty());
        assert!(empty.read_up_to(0, 16).unwrap().is_empty());
        let mut buf = [0u8; 2];
        assert!(empty.read_exact_at(0, &mut buf).is_err());
    }

    #[test]
    fn serves_head_and_far_reads_within_budget() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let len = data.len() as u64;
        let mut w = Window::open(Cursor::new(data.clone()), Some(len), len).unwrap();
        assert_eq!(w.head(), &data[..HEAD_LEN]);
        let mut b = [0u8; 8];
        w.read_exact_at(150_000, &mut b).unwrap();
        assert_eq!(&b, &data[150_000..150_008]);
        // Past the end of the input.
        assert!(matches!(
            w.read_exact_at(len - 4, &mut b),
            Err(ReadError::Exhausted)
        ));
        // A read that would pass the budget is refused without reading.
        let mut big = vec![0u8; MAX_READ];
        assert!(matches!(
            w.read_exact_at(100_000, &mut big),
            Err(ReadError::Exhausted)
        ));
    }

    #[test]
    fn never_reads_more_than_the_budget() {
        let data = vec![7u8; 1 << 20];
        let len = data.len() as u64;
        let counting = Counting {
            inner: Cursor::new(data),
            read: 0,
        };
        let mut w = Window::open(counting, Some(len), len).unwrap();
        let mut total = 0;
        for i in 0..100u64 {
            if let Ok(v) = w.read_up_to(i * 8192, 4096) {
                total += v.len();
            }
        }
        assert!(total > 0);
        assert!(w.inner.read <= MAX_READ, "read {}", w.inner.read);
    }

    #[test]
    fn short_input_has_short_head() {
        let w = Window::open(Cursor::new(vec![1u8, 2, 3]), Some(3), 3).unwrap();
        assert_eq!(w.head(), &[1, 2, 3]);
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn window_smaller_than_input_refuses_reads_past_it() {
        // A URL body: 10 bytes fetched of a 1000-byte resource.
        let mut w = Window::open(Cursor::new(vec![0u8; 10]), Some(1000), 10).unwrap();
        assert_eq!(w.head().len(), 10);
        let mut b = [0u8; 4];
        assert!(matches!(
            w.read_exact_at(20, &mut b),
            Err(ReadError::Exhausted)
        ));
    }
}
