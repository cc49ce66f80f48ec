//! Turning the paths a user gives into the list of files to check.
//!
//! Folders are walked recursively in name order, following symlinks (walkdir stops at loops);
//! inside them only files with an audio extension count. A file named directly is always checked.
//! FIFOs, sockets and devices are never opened: inside a folder they are skipped, named directly
//! they are reported.

use std::collections::HashSet;
use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Extensions (lowercase) that make a file in a folder a prompt to check.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "mp3", "flac", "ogg", "oga", "opus", "m4a", "mp4", "aac", "aif", "aiff", "au",
    "snd", "w64", "rf64", "wma", "amr",
];

/// One thing to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A regular file (or a link to one) to check.
    File(PathBuf),
    /// Something that cannot be checked, with the reason.
    Problem {
        /// The path as found.
        path: PathBuf,
        /// Why it was not checked.
        reason: String,
    },
}

impl Target {
    pub(crate) fn path(&self) -> &Path {
        match self {
            Target::File(p) | Target::Problem { path: p, .. } => p,
        }
    }
}

/// The lowercase extension of a path, if it is valid UTF-8.
pub(crate) fn extension_of(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Whether a file inside a folder should be checked.
pub fn has_audio_extension(path: &Path) -> bool {
    extension_of(path).is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.as_str()))
}

/// What a non-regular, non-directory file is, for messages.
pub(crate) fn special_kind(ft: &FileType) -> &'static str {
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

/// Every target under `inputs`, in input order, each path once.
pub(crate) fn collect(inputs: &[PathBuf]) -> Vec<Target> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |t: Target| {
        if seen.insert(t.path().to_path_buf()) {
            out.push(t);
        }
    };
    for input in inputs {
        match fs::metadata(input) {
            Err(e) => push(Target::Problem {
                path: input.clone(),
                reason: io_reason(&e),
            }),
            Ok(m) if m.is_dir() => walk_dir(input, &mut push),
            Ok(m) if m.is_file() => push(Target::File(input.clone())),
            Ok(m) => push(Target::Problem {
                path: input.clone(),
                reason: format!("it is {}; only regular files are read", special_kind(&m.file_type())),
            }),
        }
    }
    out
}

fn walk_dir(root: &Path, push: &mut impl FnMut(Target)) {
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_file() && has_audio_extension(e.path()) {
                    push(Target::File(e.into_path()));
                }
            }
            Err(err) => {
                // A symlink loop is a folder already walked: nothing is lost by skipping it.
                if err.loop_ancestor().is_some() {
                    continue;
                }
                let Some(path) = err.path().map(Path::to_path_buf) else {
                    continue;
                };
                let io = err.io_error();
                let denied = io.is_some_and(|e| e.kind() == io::ErrorKind::PermissionDenied);
                if has_audio_extension(&path) || denied {
                    let reason = match io {
                        Some(e) if e.kind() == io::ErrorKind::NotFound => {
                            "it is a broken symlink or vanished during the scan".to_owned()
                        }
                        Some(e) => io_reason(e),
                        None => err.to_string(),
                    };
                    push(Target::Problem { path, reason });
                }
            }
        }
    }
}

/// An I/O error as a short reason.
pub(crate) fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}
