//! Opening the files a scan checks: without waiting on a FIFO, only regular files, and by
//! name under their folder's handle.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading without waiting: opening a FIFO that has no writer would wait for
/// one, while a regular file reads the same either way.
pub(crate) fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// A folder held open, so that the files found in it are opened by name under its handle
/// (`openat`): the kernel then looks up one name per file, not every component of the file's
/// path again (on a tree of small prompts, path lookups were a sixth of the scan's time). Only
/// on Linux (elsewhere [`Folder::open`] gives `None` and files are opened by path). At most
/// [`OPEN_FOLDERS`] are open at once in the process; past that, files are opened by path, so
/// a tree of many small folders never runs out of file descriptors.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only Linux opens folders
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    /// Shared, like the handle: every file found in the folder holds a clone, and a clone must
    /// not copy the path.
    path: std::sync::Arc<Path>,
    #[cfg(target_os = "linux")]
    handle: std::sync::Arc<FolderHandle>,
}

/// The bytes of `path` before its last separator: files with the same are in the same folder
/// (the same [`Path::parent`]), found without parsing every component of the path, as
/// [`Path::parent`] does (a scan asks this of every file).
pub(crate) fn folder_part(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    let end = bytes
        .iter()
        .rposition(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
        .unwrap_or(0);
    &bytes[..end]
}

/// Folders held open at most, in the whole process.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only Linux opens folders
pub(crate) const OPEN_FOLDERS: usize = 64;

#[cfg(target_os = "linux")]
static FOLDERS_OPEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many folders may be held open: [`OPEN_FOLDERS`], or a quarter of the process's limit on
/// open files when that is lower (`ulimit -n 32` leaves 8), so the walk and the files checked
/// always have descriptors left.
#[cfg(target_os = "linux")]
fn folder_budget() -> usize {
    static BUDGET: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *BUDGET.get_or_init(|| {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        limit.map_or(OPEN_FOLDERS, |n| {
            OPEN_FOLDERS.min(usize::try_from(n / 4).unwrap_or(OPEN_FOLDERS))
        })
    })
}

/// A folder's handle (`O_PATH`: it needs no read permission and reads nothing), counted in
/// [`FOLDERS_OPEN`] while it lives.
#[cfg(target_os = "linux")]
#[derive(Debug)]
struct FolderHandle(std::os::fd::OwnedFd);

#[cfg(target_os = "linux")]
impl Drop for FolderHandle {
    fn drop(&mut self) {
        FOLDERS_OPEN.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Folder {
    /// The folder that holds `file`, opened; `None` when it cannot be (or too many are open, or
    /// not on Linux): the file is then opened by its path.
    pub(crate) fn of(file: &Path) -> Option<Folder> {
        let path = file.parent().filter(|p| !p.as_os_str().is_empty())?;
        Folder::open(path)
    }

    #[cfg(target_os = "linux")]
    fn open(path: &Path) -> Option<Folder> {
        use rustix::fs::{Mode, OFlags};
        use std::sync::atomic::Ordering;
        if FOLDERS_OPEN.fetch_add(1, Ordering::Relaxed) >= folder_budget() {
            FOLDERS_OPEN.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        match rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Some(Folder {
                path: path.into(),
                handle: std::sync::Arc::new(FolderHandle(fd)),
            }),
            Err(_) => {
                FOLDERS_OPEN.fetch_sub(1, Ordering::Relaxed);
                None
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn open(_: &Path) -> Option<Folder> {
        None
    }

    /// Whether `file` is directly in this folder.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only Linux opens folders
    pub(crate) fn holds(&self, file: &Path) -> bool {
        file.parent() == Some(&*self.path)
    }
}

/// Whether opening a file follows a symbolic link in its last component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Follow it: the user named the path, or the walk followed the link on purpose.
    Follow,
    /// Refuse it (`ELOOP`): the folder's listing said a regular file is there, so a link found
    /// now was swapped in after the listing (a race a hostile repository can run), and
    /// following it could read a file outside the tree.
    Refuse,
}

/// [`open_nonblocking`], by name under `folder`'s handle when there is one (it must be the folder
/// that holds `file`: [`Folder::holds`]), else by path; with [`Links::Refuse`], a link is not
/// followed. The same flags either way, so the same file and the same errors as opening the path.
pub(crate) fn open_nonblocking_in(
    folder: Option<&Folder>,
    file: &Path,
    links: Links,
) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    if let Some(folder) = folder {
        debug_assert!(folder.holds(file));
        if let Some(name) = file.file_name() {
            use rustix::fs::{Mode, OFlags};
            let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
            if links == Links::Refuse {
                flags |= OFlags::NOFOLLOW;
            }
            return rustix::fs::openat(&folder.handle.0, name, flags, Mode::empty())
                .map(File::from)
                .map_err(io::Error::from);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = folder;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if links == Links::Refuse {
            libc::O_NOFOLLOW
        } else {
            0
        };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    let _ = links;
    options.open(file)
}

/// Whether opening failed because the last component is a symbolic link that
/// [`Links::Refuse`] would not follow.
pub(crate) fn is_refused_link(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// The length of an open file, found by seeking to its end: one `lseek`, where `fstat` copies
/// out a whole record (on a tree of small prompts, `statx` was a tenth of the scan's CPU time).
/// It says nothing of the file's type, so it serves only a file its folder's listing showed as
/// regular and that was opened with [`Links::Refuse`], and only when it is read before anything
/// is judged from the length: something swapped in since then shows itself when it is read (a
/// folder fails the read, a FIFO the seek), and the caller then asks `fstat` what it is (a
/// socket already failed the open, `ENXIO`). It leaves the file's offset at the end: read the file
/// through [`ReadAt`].
pub(crate) fn seek_len(file: &File) -> io::Result<u64> {
    use std::io::Seek;
    let mut file = file;
    file.seek(io::SeekFrom::End(0))
}

/// Reads an open file at offsets of its own (`pread`), never through the file's offset, so
/// where [`seek_len`] left it does not matter, and a seek costs no system call.
#[derive(Debug)]
pub(crate) struct ReadAt<'a> {
    file: &'a File,
    pos: u64,
    len: u64,
}

impl<'a> ReadAt<'a> {
    /// A reader at the start of `file`, whose length is `len` (for seeks from the end).
    pub(crate) fn new(file: &'a File, len: u64) -> ReadAt<'a> {
        ReadAt { file, pos: 0, len }
    }
}

impl io::Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        #[cfg(not(any(unix, windows)))]
        let n = {
            use io::Seek;
            let mut file = self.file;
            file.seek(io::SeekFrom::Start(self.pos))?;
            file.read(buf)?
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl io::Seek for ReadAt<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let (base, delta) = match to {
            io::SeekFrom::Start(n) => (n, 0),
            io::SeekFrom::Current(d) => (self.pos, d),
            io::SeekFrom::End(d) => (self.len, d),
        };
        self.pos = base.checked_add_signed(delta).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "a seek before the start")
        })?;
        Ok(self.pos)
    }
}

/// Opens `path` for reading only when it is a regular file (after following symlinks): a FIFO,
/// socket or device named by a config file could block the run forever or never end, so it is
/// refused. The file is opened without blocking and its type is taken from the open handle, so
/// nothing can be swapped in between. (A list can still be piped in through stdin, `-`.)
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    let file = open_nonblocking(path)?;
    let file_type = file.metadata()?.file_type();
    if file_type.is_file() {
        Ok(file)
    } else if file_type.is_dir() {
        Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder, not a file",
        ))
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", special_kind(&file_type)),
        ))
    }
}

/// What a non-regular, non-directory file is, for messages.
pub(crate) fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file opened by name under its folder's handle is the file (or the error) that opening
    /// its path gives, for every kind of entry a hostile tree holds.
    #[cfg(target_os = "linux")]
    #[test]
    fn files_opened_under_their_folder_are_the_files_their_paths_name() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::{symlink, MetadataExt};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.wav"), b"RIFF").unwrap();
        std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"caf\xE9.wav")), b"x").unwrap();
        std::fs::create_dir(root.join("folder.wav")).unwrap();
        symlink(root.join("a.wav"), root.join("link.wav")).unwrap();
        symlink(root.join("gone.wav"), root.join("dangling.wav")).unwrap();
        symlink(root, root.join("loop")).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(root.join("fifo.wav"))
            .status()
            .unwrap()
            .success());
        let names: [&[u8]; 8] = [
            b"a.wav",
            b"caf\xE9.wav",
            b"folder.wav",
            b"link.wav",
            b"dangling.wav",
            b"loop",
            b"fifo.wav",
            b"missing.wav",
        ];
        let mut opened = 0;
        for name in names {
            let path = root.join(std::ffi::OsStr::from_bytes(name));
            let name = String::from_utf8_lossy(name);
            let folder = Folder::of(&path).expect("the folder opens");
            assert!(folder.holds(&path));
            let by_path = open_nonblocking(&path);
            let by_name = open_nonblocking_in(Some(&folder), &path, Links::Follow);
            match (by_path, by_name) {
                (Ok(a), Ok(b)) => {
                    let (a, b) = (a.metadata().unwrap(), b.metadata().unwrap());
                    assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "{name}");
                    opened += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a.raw_os_error(), b.raw_os_error(), "{name}"),
                (a, b) => panic!("{name}: by path {a:?}, by name {b:?}"),
            }
        }
        // The two files, the link to one, the folders (they open read-only) and the FIFO
        // (without waiting); not the dangling link or the missing file.
        assert_eq!(opened, 6);
    }

    /// [`Links::Refuse`] opens a file as [`Links::Follow`] does, but not a link; [`seek_len`]
    /// gives the length, and [`ReadAt`] reads from the start wherever the offset was left.
    #[cfg(unix)]
    #[test]
    fn a_refused_link_is_not_opened_and_a_sought_file_reads_from_its_start() {
        use std::io::{Read, Seek, SeekFrom};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.wav");
        std::fs::write(&file, b"RIFF0123456789").unwrap();
        let link = dir.path().join("link.wav");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        for folder in [None, Folder::of(&file)] {
            let refused = open_nonblocking_in(folder.as_ref(), &link, Links::Refuse).unwrap_err();
            assert!(is_refused_link(&refused), "{refused}");
            assert!(open_nonblocking_in(folder.as_ref(), &link, Links::Follow).is_ok());
            let opened = open_nonblocking_in(folder.as_ref(), &file, Links::Refuse).unwrap();
            let len = seek_len(&opened).unwrap();
            assert_eq!(len, 14);
            let mut reader = ReadAt::new(&opened, len);
            let mut head = [0; 4];
            reader.read_exact(&mut head).unwrap();
            assert_eq!(&head, b"RIFF");
            assert_eq!(reader.seek(SeekFrom::End(-2)).unwrap(), 12);
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, b"89");
            assert!(reader.seek(SeekFrom::Current(-20)).is_err());
        }
    }

    /// Paths with the same folder part have the same parent.
    #[test]
    fn the_folder_part_is_what_comes_before_the_name() {
        assert_eq!(folder_part(Path::new("a/b/c.wav")), b"a/b");
        assert_eq!(folder_part(Path::new("/c.wav")), b"");
        assert_eq!(folder_part(Path::new("c.wav")), b"");
        for (a, b) in [("a/b/c.wav", "a/b/d.wav"), ("./x.wav", "./y.wav")] {
            let (a, b) = (Path::new(a), Path::new(b));
            assert_eq!(folder_part(a), folder_part(b));
            assert_eq!(a.parent(), b.parent());
        }
    }

    /// No more than [`OPEN_FOLDERS`] folders are held open at once (other tests may hold some
    /// too, so fewer may open here); a folder that is let go makes room again.
    #[cfg(target_os = "linux")]
    #[test]
    fn folders_held_open_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.wav");
        let mut held = Vec::new();
        while let Some(f) = Folder::of(&file) {
            held.push(f);
            assert!(held.len() <= OPEN_FOLDERS);
        }
        assert!(Folder::of(&file).is_none());
        // Clones share one handle.
        let again = held.iter().map(Clone::clone).collect::<Vec<_>>();
        drop(held);
        drop(again);
        assert!(Folder::of(&file).is_some());
    }
}
