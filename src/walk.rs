//! Turning the paths a user gives into the list of files to check.
//!
//! Folders are walked recursively in name order, following symlinks (and stopping at loops);
//! inside them only files with an audio extension count. A file named directly is always checked.
//! FIFOs, sockets and devices are never opened: inside a folder they are skipped, named directly
//! they are reported.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
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

/// The extension of a path's file name, lowercase, if it is valid UTF-8.
pub(crate) fn extension_of(path: &Path) -> Option<String> {
    raw_extension(path)
        .and_then(|e| std::str::from_utf8(e).ok())
        .map(str::to_ascii_lowercase)
}

/// The bytes after the last dot of the file name (not for dot-files), found without parsing
/// every component of the path: this runs once per file in a walk.
fn raw_extension(path: &Path) -> Option<&[u8]> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let name_start = bytes
        .iter()
        .rposition(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
        .map_or(0, |i| i + 1);
    let name = &bytes[name_start..];
    let dot = name.iter().rposition(|&b| b == b'.')?;
    (dot > 0).then(|| &name[dot + 1..])
}

/// Whether a file inside a folder should be checked.
pub fn has_audio_extension(path: &Path) -> bool {
    raw_extension(path).is_some_and(|e| {
        AUDIO_EXTENSIONS
            .iter()
            .any(|a| a.as_bytes().eq_ignore_ascii_case(e))
    })
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

/// Calls `emit` with every target under `inputs` and the index of the input it came from, in
/// input order (folders in name order), each path once.
pub(crate) fn walk(inputs: &[PathBuf], exclude: &Exclude, mut emit: impl FnMut(usize, Target)) {
    // Within one input every path is new; only several inputs can reach a file twice.
    let dedupe = inputs.len() > 1;
    let mut seen: HashSet<OsString> = HashSet::new();
    for (index, input) in inputs.iter().enumerate() {
        let mut push = |t: Target| {
            if !dedupe || seen.insert(t.path().as_os_str().to_owned()) {
                emit(index, t);
            }
        };
        match fs::metadata(input) {
            Err(e) => push(Target::Problem {
                path: input.clone(),
                reason: io_reason(&e),
            }),
            Ok(m) if m.is_dir() => {
                let mut active = Vec::new();
                walk_dir(input, input, exclude, &mut active, &mut push);
            }
            Ok(m) if m.is_file() => push(Target::File(input.clone())),
            Ok(m) => push(Target::Problem {
                path: input.clone(),
                reason: format!(
                    "it is {}; only regular files are read",
                    special_kind(&m.file_type())
                ),
            }),
        }
    }
}

/// Walks one folder without following links (file types come from the directory listing, so
/// regular files cost no extra `stat`); a symlink is resolved on its own: a linked file is
/// checked, a linked folder is walked unless it leads back into a folder being walked.
///
/// `active` holds the canonical roots of the walks under way, to break symlink loops.
fn walk_dir(
    root: &Path,
    input: &Path,
    exclude: &Exclude,
    active: &mut Vec<PathBuf>,
    push: &mut impl FnMut(Target),
) {
    let canonical = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    active.push(canonical);
    // Siblings share their parent's path, so comparing whole paths as bytes orders them by name
    // (and costs a memcmp, not a parse of every component).
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !exclude.matches(e.path(), input));
    for entry in walker {
        match entry {
            Ok(e) => {
                let ft = e.file_type();
                if ft.is_file() {
                    if has_audio_extension(e.path()) {
                        push(Target::File(e.into_path()));
                    }
                } else if ft.is_symlink() && e.depth() > 0 {
                    follow_link(e.path(), input, exclude, active, push);
                }
            }
            Err(err) => {
                let Some(path) = err.path().map(Path::to_path_buf) else {
                    continue;
                };
                let io = err.io_error();
                let denied = io.is_some_and(|e| e.kind() == io::ErrorKind::PermissionDenied);
                if has_audio_extension(&path) || denied {
                    let reason = match io {
                        Some(e) => io_reason(e),
                        None => err.to_string(),
                    };
                    push(Target::Problem { path, reason });
                }
            }
        }
    }
    active.pop();
}

fn follow_link(
    link: &Path,
    input: &Path,
    exclude: &Exclude,
    active: &mut Vec<PathBuf>,
    push: &mut impl FnMut(Target),
) {
    match fs::metadata(link) {
        Ok(m) if m.is_file() => {
            if has_audio_extension(link) {
                push(Target::File(link.to_path_buf()));
            }
        }
        Ok(m) if m.is_dir() => {
            let Ok(target) = fs::canonicalize(link) else {
                return;
            };
            // A link to a folder that is being walked (or holds one) is a loop: skip it.
            if active.iter().any(|a| a.starts_with(&target)) {
                return;
            }
            walk_dir(link, input, exclude, active, push);
        }
        // FIFOs, sockets and devices are skipped inside folders.
        Ok(_) => {}
        Err(e) => {
            if has_audio_extension(link) {
                let reason = if e.kind() == io::ErrorKind::NotFound {
                    "it is a broken symlink".to_owned()
                } else {
                    io_reason(&e)
                };
                push(Target::Problem {
                    path: link.to_path_buf(),
                    reason,
                });
            }
        }
    }
}

/// Compiled exclude patterns.
#[derive(Debug, Default)]
pub(crate) struct Exclude(Option<GlobSet>);

impl Exclude {
    /// Compiles the patterns; an invalid one is named in the error.
    pub(crate) fn new(patterns: &[String]) -> Result<Exclude, (String, globset::Error)> {
        if patterns.is_empty() {
            return Ok(Exclude(None));
        }
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            builder.add(Glob::new(p).map_err(|e| (p.clone(), e))?);
        }
        builder
            .build()
            .map(|set| Exclude(Some(set)))
            .map_err(|e| (patterns.join(", "), e))
    }

    /// Whether `path`, found under `input`, is excluded: its path below `input`, its whole path
    /// or its file name matches a pattern.
    pub(crate) fn matches(&self, path: &Path, input: &Path) -> bool {
        let Some(set) = &self.0 else {
            return false;
        };
        set.is_match(path)
            || path.strip_prefix(input).is_ok_and(|rel| set.is_match(rel))
            || path.file_name().is_some_and(|n| set.is_match(n))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_come_from_the_file_name_only() {
        assert_eq!(extension_of(Path::new("a/b.WAV")).as_deref(), Some("wav"));
        assert_eq!(extension_of(Path::new("a.d/b")), None);
        assert_eq!(extension_of(Path::new("dir/.wav")), None);
        assert_eq!(extension_of(Path::new("x.tar.gz")).as_deref(), Some("gz"));
        assert!(has_audio_extension(Path::new("p/Prompt.Mp3")));
        assert!(!has_audio_extension(Path::new("p.wav/readme")));
        assert!(!has_audio_extension(Path::new("p/readme.txt")));
    }
}
