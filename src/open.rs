//! Opening the files a scan checks: without waiting on a FIFO, only regular files, and by
//! name under their folder's handle.

use std::io;
use std::path::Path;

/// Opens `path` for reading without waiting: opening a FIFO that has no writer would wait for
/// one, while a regular file reads the same either way.
pub(crate) fn open_nonblocking(path: &Path) -> io::Result<std::fs::File> {
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
    path: std::path::PathBuf,
    #[cfg(target_os = "linux")]
    handle: std::sync::Arc<FolderHandle>,
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
                path: path.to_path_buf(),
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
        file.parent() == Some(self.path.as_path())
    }
}

/// [`open_nonblocking`], by name under `folder`'s handle, which must be the folder that holds
/// `file` ([`Folder::holds`]): the same flags, so the same file and the same errors as opening
/// the path.
pub(crate) fn open_nonblocking_in(
    folder: Option<&Folder>,
    file: &Path,
) -> io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    if let Some(folder) = folder {
        debug_assert!(folder.holds(file));
        if let Some(name) = file.file_name() {
            use rustix::fs::{Mode, OFlags};
            return rustix::fs::openat(
                &folder.handle.0,
                name,
                OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map(std::fs::File::from)
            .map_err(io::Error::from);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = folder;
    open_nonblocking(file)
}

/// Opens `path` for reading only when it is a regular file (after following symlinks): a FIFO,
/// socket or device named by a config file could block the run forever or never end, so it is
/// refused. The file is opened without blocking and its type is taken from the open handle, so
/// nothing can be swapped in between. (A list can still be piped in through stdin, `-`.)
pub(crate) fn open_regular(path: &Path) -> io::Result<std::fs::File> {
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
            let by_name = open_nonblocking_in(Some(&folder), &path);
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
