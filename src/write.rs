//! Creating files: the one way the library and the binary write to disk.
//!
//! Every file is written under a fixed temporary name beside its destination,
//! `.NAME.acs-preflight-tmp`, created with create-new semantics: any entry already at that name
//! (a file, a folder, a symlink, dangling or not) is an error, and nothing is followed. The file
//! is flushed to disk, renamed into place (replacing the destination only when the caller allows
//! it, and then the entry itself, never what a symlink there points to), and the folder is
//! flushed. Backups are hard links or copies made the same way; copies of valid prompts into an
//! out folder are written like any file ([`copy_file`]). On every error path the temporary
//! file (and a backup made for a write that did not happen) is removed.
//!
//! A replacement keeps the permission bits, and where the user may set them the owner and group,
//! of the file it replaces; a new file gets the umask's default (it is created with mode 0o666,
//! which the kernel masks).
//!
//! A temporary file left by a killed run is never removed, reused or written through: the next
//! write to that destination fails with [`WriteError::Leftover`], naming it, so that nothing a
//! run under way (or the user) has there is lost.
//!
//! The folders above a destination are trusted as named: only the last component of every name
//! created here is guarded (and the folders created by [`folders_inside`]).

use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use tempfile::TempPath;

use crate::display::path_to_string;

/// The suffix of the temporary name `.NAME.acs-preflight-tmp` a file is written under before it
/// is renamed to `NAME`.
pub const TEMP_SUFFIX: &str = ".acs-preflight-tmp";

/// What is at a name, without following a symlink there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Folder,
    /// A symlink, dangling or not.
    Symlink,
    /// A FIFO, socket or device.
    Special(&'static str),
}

impl EntryKind {
    fn of(meta: &Metadata) -> EntryKind {
        let ft = meta.file_type();
        if ft.is_symlink() {
            EntryKind::Symlink
        } else if ft.is_dir() {
            EntryKind::Folder
        } else if ft.is_file() {
            EntryKind::File
        } else {
            EntryKind::Special(crate::walk::special_kind(&ft))
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::File => "a file",
            EntryKind::Folder => "a folder",
            EntryKind::Symlink => "a symlink",
            EntryKind::Special(what) => what,
        })
    }
}

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A name the write needs is taken (and may not be replaced).
    #[error("{}", taken(.path, *.kind))]
    Taken {
        /// The name.
        path: PathBuf,
        /// What is there.
        kind: EntryKind,
    },
    /// A folder the write would go through is a symlink or not a folder.
    #[error("{}", not_a_folder(.path, *.kind))]
    NotAFolder {
        /// The folder's name.
        path: PathBuf,
        /// What is there.
        kind: EntryKind,
    },
    /// The temporary name is taken: a file left by a killed run, or one a run under way writes.
    #[error(
        "{} is in the way: a temporary file left by a killed run, or one a run under way is \
         writing; remove it if no acs-preflight is running",
        path_to_string(.path)
    )]
    Leftover {
        /// The temporary name.
        path: PathBuf,
    },
    /// The file to be replaced is read-only, on Windows, which does not let a read-only file be
    /// replaced or removed (on Unix a read-only file is replaced, keeping its mode). Nothing
    /// was written.
    #[error(
        "{} is read-only, and Windows does not let it be replaced: clear the attribute \
         (`attrib -R {}`) or write elsewhere with --out",
        path_to_string(.path),
        path_to_string(.path)
    )]
    ReadOnly {
        /// The read-only file.
        path: PathBuf,
    },
    /// Reading, writing, renaming or flushing failed. The message includes the system's reason,
    /// so it is not repeated as a [`source`](std::error::Error::source): reports quote it whole.
    #[error("cannot write {}: {error}{}", path_to_string(.path), io_hint(.error.raw_os_error(), cfg!(windows)))]
    Io {
        /// The file (or folder) being written.
        path: PathBuf,
        /// The system's error.
        error: io::Error,
    },
}

/// What to do about an I/O error whose cause the system's message does not make plain: on
/// Windows, a file open in another program (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION)
/// cannot be replaced.
fn io_hint(code: Option<i32>, windows: bool) -> &'static str {
    match code {
        Some(32 | 33) if windows => {
            " (the file is open in another program, which keeps Windows from replacing it: \
             close it and run again)"
        }
        _ => "",
    }
}

/// Refuses, on Windows, to replace `path` (described by `meta`) when it is read-only: the
/// rename over it would fail after the conversion, and the removal of an input too.
pub(crate) fn ensure_replaceable(path: &Path, meta: &Metadata) -> Result<(), WriteError> {
    if cfg!(windows) && meta.permissions().readonly() {
        return Err(WriteError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn taken(path: &Path, kind: EntryKind) -> String {
    let p = path_to_string(path);
    match kind {
        EntryKind::File => format!("{p} already exists"),
        EntryKind::Symlink => format!("{p} is a symlink (never written through or replaced)"),
        other => format!("{p} is {other}"),
    }
}

fn not_a_folder(path: &Path, kind: EntryKind) -> String {
    let p = path_to_string(path);
    match kind {
        EntryKind::Symlink => format!("{p} is a symlink: writes are never carried through one"),
        other => format!("{p} is {other}, not a folder"),
    }
}

impl WriteError {
    /// Whether the write was refused because a name is taken (nothing failed; nothing was
    /// written), as opposed to an I/O error.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, WriteError::Io { .. })
    }

    fn io(path: &Path, error: io::Error) -> WriteError {
        WriteError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// What is at `path`, not following a symlink there; `None` when nothing is.
pub(crate) fn entry(path: &Path) -> Result<Option<Metadata>, WriteError> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(WriteError::io(path, e)),
    }
}

/// Fails when anything is at `path`.
pub(crate) fn ensure_free(path: &Path) -> Result<(), WriteError> {
    match entry(path)? {
        None => Ok(()),
        Some(m) => Err(WriteError::Taken {
            path: path.to_path_buf(),
            kind: EntryKind::of(&m),
        }),
    }
}

/// `None` when nothing is at `path`, its metadata when a regular file is; an error for anything
/// else (a symlink, a folder, a FIFO).
pub(crate) fn existing_file(path: &Path) -> Result<Option<Metadata>, WriteError> {
    match entry(path)? {
        None => Ok(None),
        Some(m) if m.file_type().is_file() => Ok(Some(m)),
        Some(m) => Err(WriteError::Taken {
            path: path.to_path_buf(),
            kind: EntryKind::of(&m),
        }),
    }
}

/// The folder holding `path` (`.` for a bare name).
pub(crate) fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The temporary name `.NAME.acs-preflight-tmp` beside `dest`.
pub(crate) fn temp_path(dest: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(dest.file_name().unwrap_or_default());
    name.push(TEMP_SUFFIX);
    folder_of(dest).join(name)
}

/// Fails with [`WriteError::Leftover`] when the temporary name of `dest` is taken.
pub(crate) fn ensure_no_leftover(dest: &Path) -> Result<(), WriteError> {
    let temp = temp_path(dest);
    match entry(&temp)? {
        None => Ok(()),
        Some(_) => Err(WriteError::Leftover { path: temp }),
    }
}

/// Makes sure the folder `base/rel` exists as real folders inside `base`: every existing folder
/// below `base` must be a folder, not a symlink (so no write is carried outside `base`); missing
/// ones are created one at a time when `create`. `base` itself, named by the user, is created
/// with its parents if missing. `rel` holds only plain names (no `..`, no root).
pub(crate) fn folders_inside(base: &Path, rel: &Path, create: bool) -> Result<(), WriteError> {
    if create {
        fs::create_dir_all(base).map_err(|e| WriteError::io(base, e))?;
    }
    let mut at = base.to_path_buf();
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return Err(WriteError::io(
                &base.join(rel),
                io::Error::new(io::ErrorKind::InvalidInput, "not a plain relative path"),
            ));
        };
        at.push(name);
        match entry(&at)? {
            Some(m) if m.file_type().is_dir() => {}
            Some(m) => {
                return Err(WriteError::NotAFolder {
                    path: at,
                    kind: EntryKind::of(&m),
                })
            }
            // Nothing below a missing folder exists yet: a dry run stops here.
            None if !create => return Ok(()),
            None => match fs::create_dir(&at) {
                Ok(()) => {}
                // Made by someone else meanwhile: it must be a real folder too.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match entry(&at)? {
                    Some(m) if m.file_type().is_dir() => {}
                    other => {
                        return Err(WriteError::NotAFolder {
                            kind: other.as_ref().map_or(EntryKind::File, EntryKind::of),
                            path: at,
                        })
                    }
                },
                Err(e) => return Err(WriteError::io(&at, e)),
            },
        }
    }
    Ok(())
}

/// Opens `path` for writing only if nothing is there (create-new, not following a symlink at
/// the name), with the permissions of `like` (masked to 0o777 so a stricter original is never
/// loosened meanwhile) or else 0o666, which the umask masks.
fn create_new(path: &Path, like: Option<&Metadata>) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(like.map_or(0o666, |m| m.permissions().mode() & 0o777))
            .custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = like;
    opts.open(path)
}

/// Gives `file` the owner, group (best effort: only root may give a file away) and exact
/// permission bits of `like`.
fn take_attributes(file: &File, like: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
        let mine = file.metadata()?;
        if mine.uid() != like.uid() || mine.gid() != like.gid() {
            // Owner first: a change of owner clears set-user-ID bits, which the mode below sets.
            if fchown(file, Some(like.uid()), Some(like.gid())).is_err() {
                let _ = fchown(file, None, Some(like.gid()));
            }
        }
        file.set_permissions(fs::Permissions::from_mode(
            like.permissions().mode() & 0o7777,
        ))
    }
    #[cfg(not(unix))]
    {
        file.set_permissions(like.permissions())
    }
}

/// Flushes a folder's entries (a rename or removal in it) to disk.
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// A file being written under its temporary name; removed when dropped before
/// [`Pending::commit`].
pub(crate) struct Pending {
    dest: PathBuf,
    file: File,
    temp: TempPath,
    like: Option<Metadata>,
}

impl Pending {
    /// Creates the temporary file for `dest`. `like` is the file the result replaces, whose
    /// permissions (and owner) it takes; `None` for a new file (the umask's default).
    pub(crate) fn create(dest: &Path, like: Option<Metadata>) -> Result<Pending, WriteError> {
        let temp = temp_path(dest);
        let file = match create_new(&temp, like.as_ref()) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(WriteError::Leftover { path: temp })
            }
            Err(e) => return Err(WriteError::io(dest, e)),
        };
        // From here on the name is ours, and the guard removes it.
        let guard = match TempPath::try_from_path(&temp) {
            Ok(g) => g,
            Err(e) => {
                let _ = fs::remove_file(&temp);
                return Err(WriteError::io(dest, e));
            }
        };
        Ok(Pending {
            dest: dest.to_path_buf(),
            file,
            temp: guard,
            like,
        })
    }

    /// The file to write into.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Flushes the file and renames it to the destination: over whatever entry is there when
    /// `replace` (the entry itself is replaced, never a symlink's target), else only if the name
    /// is still free. The folder still has to be flushed: see [`Committed`].
    pub(crate) fn commit(self, replace: bool) -> Result<Committed, WriteError> {
        let Pending {
            dest,
            file,
            temp,
            like,
        } = self;
        let io = |e| WriteError::io(&dest, e);
        if let Some(like) = &like {
            take_attributes(&file, like).map_err(io)?;
        }
        file.sync_all().map_err(io)?;
        drop(file);
        let renamed = if replace {
            temp.persist(&dest)
        } else {
            temp.persist_noclobber(&dest)
        };
        match renamed {
            Ok(()) => Ok(Committed {
                dir: folder_of(&dest).to_path_buf(),
            }),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                let kind = entry(&dest)?
                    .as_ref()
                    .map_or(EntryKind::File, EntryKind::of);
                Err(WriteError::Taken { path: dest, kind })
            }
            Err(e) => Err(io(e.error)),
        }
    }
}

/// A file renamed into place whose folder is not flushed yet.
#[must_use = "the folder has to be flushed"]
pub(crate) struct Committed {
    dir: PathBuf,
}

impl Committed {
    /// Flushes the folder now, making the rename durable (before, say, the input is removed).
    pub(crate) fn sync(&self) -> Result<(), WriteError> {
        flush_folder(&self.dir)
    }

    /// The folder, to flush later with [`flush_folder`]: once for all the renames in it, which
    /// costs one journal commit instead of one per file.
    pub(crate) fn into_folder(self) -> PathBuf {
        self.dir
    }
}

/// Flushes a folder's entries (the renames and removals made in it) to disk.
pub(crate) fn flush_folder(dir: &Path) -> Result<(), WriteError> {
    sync_folder(dir).map_err(|e| WriteError::io(dir, e))
}

/// A file this run made that is removed when dropped, unless kept.
pub(crate) struct Made {
    path: Option<PathBuf>,
}

impl Made {
    /// Keeps the file.
    pub(crate) fn keep(mut self) {
        self.path = None;
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Keeps the original at `backup`, a name that must be free: a hard link when `original` is a
/// regular file (the same bytes, permissions and owner), else (a symlink, or a file system
/// without hard links) a copy of the bytes it leads to, with its permissions. Any entry at
/// `backup`, a dangling symlink included, is refused; nothing is ever copied over one.
pub(crate) fn keep_backup(original: &Path, backup: &Path) -> Result<Made, WriteError> {
    let taken = |backup: &Path| -> Result<Made, WriteError> {
        let kind = entry(backup)?
            .as_ref()
            .map_or(EntryKind::File, EntryKind::of);
        Err(WriteError::Taken {
            path: backup.to_path_buf(),
            kind,
        })
    };
    let regular = fs::symlink_metadata(original).is_ok_and(|m| m.file_type().is_file());
    if regular {
        match fs::hard_link(original, backup) {
            Ok(()) => {
                return Ok(Made {
                    path: Some(backup.to_path_buf()),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return taken(backup),
            // No hard links here: copy.
            Err(_) => {}
        }
    }
    let mut source =
        crate::open::open_nonblocking(original).map_err(|e| WriteError::io(backup, e))?;
    let like = source.metadata().map_err(|e| WriteError::io(backup, e))?;
    if !like.is_file() {
        return Err(WriteError::io(
            backup,
            io::Error::new(io::ErrorKind::InvalidInput, "the original is not a file"),
        ));
    }
    let file = match create_new(backup, Some(&like)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return taken(backup),
        Err(e) => return Err(WriteError::io(backup, e)),
    };
    let made = Made {
        path: Some(backup.to_path_buf()),
    };
    let mut out = BufWriter::new(&file);
    io::copy(&mut source, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| WriteError::io(backup, e))?;
    drop(out);
    take_attributes(&file, &like)
        .and_then(|()| file.sync_all())
        .map_err(|e| WriteError::io(backup, e))?;
    Ok(made)
}

/// Copies the regular file `source` (a symlink there is followed, as for any input; a FIFO or
/// device is refused) to `dest` the way every file is written: into the temporary file beside
/// `dest`, flushed and renamed into place, over a regular file there only when `replace`, never
/// onto a symlink. `like` is the file it replaces, whose permissions it keeps. Exactly the
/// length `source` had when opened is copied; a file that changes meanwhile fails the copy. The
/// folder still has to be flushed: see [`Committed`].
pub(crate) fn copy_file(
    source: &Path,
    dest: &Path,
    like: Option<Metadata>,
    replace: bool,
) -> Result<Committed, WriteError> {
    let mut input = crate::open::open_regular(source).map_err(|e| WriteError::io(source, e))?;
    let len = input
        .metadata()
        .map_err(|e| WriteError::io(source, e))?
        .len();
    let mut pending = Pending::create(dest, like)?;
    {
        let mut out = BufWriter::new(pending.file());
        let copied = io::copy(&mut (&mut input).take(len), &mut out)
            .and_then(|n| out.flush().map(|()| n))
            .map_err(|e| WriteError::io(dest, e))?;
        if copied != len {
            return Err(WriteError::io(
                dest,
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{} changed while it was copied", path_to_string(source)),
                ),
            ));
        }
    }
    pending.commit(replace)
}

/// The buffer a report is written through: a 5 MB JSON report takes about 80 writes, not 640.
pub(crate) const REPORT_BUFFER: usize = 64 * 1024;

/// Writes `path` whole or not at all: `write` fills a temporary file beside it, which is flushed
/// and renamed into place, so the old file stays whole until the new one is. A regular file at
/// `path` is replaced and its permission bits kept; a new file gets the umask's default. A
/// symlink, folder or other entry at `path` is refused, as is a temporary file left by a killed
/// run; nothing is written through a symlink.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let like = existing_file(path)?;
    let mut pending = Pending::create(path, like)?;
    {
        let mut out = BufWriter::with_capacity(REPORT_BUFFER, pending.file());
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| WriteError::io(path, e))?;
    }
    pending.commit(true)?.sync()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_only_errors_say_what_to_do() {
        let shown = WriteError::ReadOnly {
            path: PathBuf::from("a.wav"),
        }
        .to_string();
        assert!(shown.starts_with("a.wav is read-only"), "{shown}");
        assert!(shown.contains("`attrib -R a.wav`"), "{shown}");
        assert!(io_hint(Some(32), true).contains("open in another program"));
        assert_eq!(io_hint(Some(32), false), "");
        assert_eq!(io_hint(Some(5), true), "");
    }

    #[test]
    fn the_temporary_name_is_fixed_and_beside_the_destination() {
        assert_eq!(
            temp_path(Path::new("a/b/x.wav")),
            Path::new("a/b/.x.wav.acs-preflight-tmp")
        );
        assert_eq!(
            temp_path(Path::new("r.json")),
            Path::new("./.r.json.acs-preflight-tmp")
        );
    }

    #[test]
    fn an_error_while_writing_leaves_the_old_file_whole_and_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("report.json");
        fs::write(&path, "old").expect("write");
        let err = write_file(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("the scan failed"))
        })
        .expect_err("fails");
        assert!(!err.is_refusal());
        assert_eq!(fs::read(&path).expect("read"), b"old");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }
}
