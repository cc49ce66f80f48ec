//! Turning the paths a user gives into the list of files to check.
//!
//! Folders are walked recursively in name order, following symlinks (and stopping at loops);
//! inside them only files with an audio extension count. A file named directly is always checked.
//! FIFOs, sockets and devices are never opened: inside a folder they are skipped, named directly
//! they are reported. What a folder holds but is not checked (other files, special files, links
//! back into the walk, entries matching `exclude`) is handed on as [`Skipped`], with the reason.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use walkdir::WalkDir;

use crate::report::{SkipReason, Skipped};

/// Extensions (lowercase) that make a file in a folder a prompt to check.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "mp3", "flac", "ogg", "oga", "opus", "m4a", "mp4", "aac", "aif", "aiff", "aifc",
    "caf", "au", "snd", "w64", "rf64", "wma", "amr",
];

/// One thing to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A file to check, named by the user or reached through a symlink the walk followed.
    File(PathBuf),
    /// A regular file found in a folder's listing (not a link): it is opened without following
    /// links, so an entry swapped for a link after the listing is refused rather than followed.
    Listed(PathBuf),
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
            Target::File(p) | Target::Listed(p) | Target::Problem { path: p, .. } => p,
        }
    }

    /// The file to check, when this is one.
    pub(crate) fn file(&self) -> Option<&Path> {
        match self {
            Target::File(p) | Target::Listed(p) => Some(p),
            Target::Problem { .. } => None,
        }
    }
}

/// The extension of a path's file name, lowercase, if it is valid UTF-8 (borrowed from the path
/// when it is lowercase already, as nearly every one is: this runs once per file in a scan).
pub(crate) fn extension_of(path: &Path) -> Option<std::borrow::Cow<'_, str>> {
    let e = std::str::from_utf8(raw_extension(path)?).ok()?;
    Some(if e.bytes().any(|b| b.is_ascii_uppercase()) {
        e.to_ascii_lowercase().into()
    } else {
        e.into()
    })
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

/// Whether a file inside a folder is an input: an audio extension, a `.ssml` file, or a `.xml`
/// file whose root element is `speak` (its start is read to tell).
pub(crate) fn is_input(path: &Path) -> bool {
    if has_audio_extension(path) {
        return true;
    }
    match raw_extension(path) {
        Some(e) if e.eq_ignore_ascii_case(b"ssml") => true,
        Some(e) if e.eq_ignore_ascii_case(b"xml") => xml_root_is_speak(path),
        _ => false,
    }
}

/// Whether the XML file at `path` has the root element `speak`: its first 4 KiB are read (never
/// through a FIFO or device); a file that cannot be read is not.
pub(crate) fn xml_root_is_speak(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = crate::open::open_nonblocking(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = Vec::with_capacity(4096);
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    root_is_speak(&head)
}

/// Whether the start of an XML document opens a `speak` root element (any prefix): white
/// space, the XML declaration, processing instructions, comments and a DOCTYPE are skipped.
/// UTF-8 (with or without a byte order mark), or UTF-16 (a byte order mark, or a document that
/// starts with `<` as UTF-16).
pub(crate) fn root_is_speak(head: &[u8]) -> bool {
    let utf16 = |big: bool, body: &[u8]| -> String {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|p| {
                let pair = [p[0], p[1]];
                if big {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    let (big, body) = match head {
        [0xFF, 0xFE, rest @ ..] => (false, rest),
        [0xFE, 0xFF, rest @ ..] => (true, rest),
        [b'<', 0, ..] => (false, head),
        [0, b'<', ..] => (true, head),
        _ => return root_is_speak_utf8(head),
    };
    root_is_speak_utf8(utf16(big, body).as_bytes())
}

/// [`root_is_speak`] on UTF-8.
fn root_is_speak_utf8(head: &[u8]) -> bool {
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = rest.trim_ascii_start();
        let skip_to = |rest: &[u8], end: &[u8]| -> Option<usize> {
            rest.windows(end.len())
                .position(|w| w == end)
                .map(|i| i + end.len())
        };
        let skipped = if rest.starts_with(b"<?") {
            skip_to(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_to(rest, b"-->")
        } else if rest.starts_with(b"<!") {
            skip_to(rest, b">")
        } else {
            break;
        };
        match skipped {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
    let Some(tag) = rest.strip_prefix(b"<") else {
        return false;
    };
    let end = tag
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
        .unwrap_or(tag.len());
    let name = &tag[..end];
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    local == b"speak" && end < tag.len()
}

pub(crate) use crate::open::special_kind;

/// Calls `emit` with every target under `inputs` and the index of the input it came from, in
/// input order (folders in name order), each path once.
pub(crate) fn walk(inputs: &[PathBuf], exclude: &Exclude, emit: impl FnMut(usize, Target)) {
    walk_reporting(inputs, exclude, emit, |_| {});
}

/// [`walk`], also calling `skip` with each entry passed over, in walk order.
pub(crate) fn walk_reporting(
    inputs: &[PathBuf],
    exclude: &Exclude,
    mut emit: impl FnMut(usize, Target),
    mut skip: impl FnMut(Skipped),
) {
    // Within one input every path is new; only several inputs can reach a file twice.
    let dedupe = inputs.len() > 1;
    let mut seen: HashSet<OsString> = HashSet::new();
    for (index, input) in inputs.iter().enumerate() {
        if let Some(pattern) = exclude.named_match(input) {
            skip(Skipped {
                path: input.clone(),
                reason: SkipReason::Excluded {
                    pattern: pattern.to_owned(),
                },
            });
            continue;
        }
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
                walk_dir(input, input, exclude, &mut active, &mut push, &mut skip);
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
    skip: &mut impl FnMut(Skipped),
) {
    let canonical = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    active.push(canonical);
    // Siblings share their parent's path, so comparing whole paths as bytes orders them by name
    // (and costs a memcmp, not a parse of every component).
    let mut walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter();
    while let Some(entry) = walker.next() {
        match entry {
            Ok(e) => {
                let ft = e.file_type();
                if e.depth() > 0 {
                    if let Some(pattern) = exclude.matching(e.path(), input) {
                        if ft.is_dir() {
                            walker.skip_current_dir();
                        }
                        skip(Skipped {
                            path: e.into_path(),
                            reason: SkipReason::Excluded {
                                pattern: pattern.to_owned(),
                            },
                        });
                        continue;
                    }
                }
                if ft.is_file() {
                    if is_input(e.path()) {
                        push(Target::Listed(e.into_path()));
                    } else {
                        skip(Skipped {
                            path: e.into_path(),
                            reason: SkipReason::NotAudio,
                        });
                    }
                } else if ft.is_symlink() && e.depth() > 0 {
                    follow_link(e.path(), input, exclude, active, push, skip);
                } else if !ft.is_dir() && !ft.is_symlink() {
                    skip(Skipped {
                        path: e.into_path(),
                        reason: SkipReason::Special {
                            kind: special_kind(&ft),
                        },
                    });
                }
            }
            Err(err) => {
                let Some(path) = err.path().map(Path::to_path_buf) else {
                    continue;
                };
                let io = err.io_error();
                let denied = io.is_some_and(|e| e.kind() == io::ErrorKind::PermissionDenied);
                let reason = match io {
                    Some(e) => io_reason(e),
                    None => err.to_string(),
                };
                // Out of file descriptors or memory: what it hides is unknown, so it fails.
                if has_audio_extension(&path) || denied || io.is_some_and(out_of_resources) {
                    push(Target::Problem { path, reason });
                } else {
                    skip(Skipped {
                        path,
                        reason: SkipReason::Unreadable { error: reason },
                    });
                }
            }
        }
    }
    active.pop();
}

/// Whether an error says the process ran out of file descriptors or memory, not that the
/// entry itself is bad.
fn out_of_resources(e: &io::Error) -> bool {
    #[cfg(unix)]
    if matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOMEM)
    ) {
        return true;
    }
    e.kind() == io::ErrorKind::OutOfMemory
}

fn follow_link(
    link: &Path,
    input: &Path,
    exclude: &Exclude,
    active: &mut Vec<PathBuf>,
    push: &mut impl FnMut(Target),
    skip: &mut impl FnMut(Skipped),
) {
    let skipped = |reason| Skipped {
        path: link.to_path_buf(),
        reason,
    };
    match fs::metadata(link) {
        Ok(m) if m.is_file() => {
            if is_input(link) {
                push(Target::File(link.to_path_buf()));
            } else {
                skip(skipped(SkipReason::NotAudio));
            }
        }
        Ok(m) if m.is_dir() => {
            let Ok(target) = fs::canonicalize(link) else {
                return;
            };
            // A link to a folder that is being walked (or holds one) is a loop: skip it.
            if active.iter().any(|a| a.starts_with(&target)) {
                skip(skipped(SkipReason::Loop));
                return;
            }
            // Only inside the folder named: a link out (to `/`, to a home folder) would walk
            // what the repository does not hold, for as long as the machine is large.
            if active.first().is_some_and(|root| !target.starts_with(root)) {
                skip(skipped(SkipReason::LinkOutside));
                return;
            }
            walk_dir(link, input, exclude, active, push, skip);
        }
        // FIFOs, sockets and devices are skipped inside folders.
        Ok(m) => skip(skipped(SkipReason::Special {
            kind: special_kind(&m.file_type()),
        })),
        Err(e) => {
            let reason = if e.kind() == io::ErrorKind::NotFound {
                "it is a broken symlink".to_owned()
            } else {
                io_reason(&e)
            };
            if has_audio_extension(link) {
                push(Target::Problem {
                    path: link.to_path_buf(),
                    reason,
                });
            } else {
                skip(skipped(SkipReason::Unreadable { error: reason }));
            }
        }
    }
}

/// Compiled exclude patterns, and the patterns as written (to name the one that matched).
#[derive(Debug, Default)]
pub(crate) struct Exclude {
    /// The compiled set, and the patterns as written.
    set: Option<(GlobSet, Vec<String>)>,
    /// With `force_exclude`: the patterns, each also matching at the end of a longer path
    /// (`**/PATTERN`), for inputs named directly.
    named: Option<GlobSet>,
}

impl Exclude {
    /// Compiles the patterns; an invalid one is named in the error (the pattern, as written, and
    /// why). A pattern in gitignore style is taken as meant: `drafts/` (a folder) as `drafts`,
    /// `./drafts` as `drafts`. With `force`, inputs named directly are matched too.
    pub(crate) fn new(patterns: &[String], force: bool) -> Result<Exclude, (String, String)> {
        if patterns.is_empty() {
            return Ok(Exclude::default());
        }
        let build = |anywhere: bool| {
            let mut builder = GlobSetBuilder::new();
            for written in patterns {
                let p = normalize(written);
                // A leading `*` already matches any folders before (`*` crosses `/` here), and
                // an absolute pattern only the whole path.
                let glob = if anywhere && !p.starts_with(['/', '*']) {
                    Glob::new(&format!("**/{p}"))
                } else {
                    Glob::new(p)
                };
                builder.add(glob.map_err(|e| (written.clone(), e.to_string()))?);
            }
            builder
                .build()
                .map_err(|e| (patterns.join(", "), e.to_string()))
        };
        Ok(Exclude {
            set: Some((build(false)?, patterns.to_vec())),
            named: if force { Some(build(true)?) } else { None },
        })
    }

    /// Whether `path`, found under `input`, is excluded: its path below `input`, its whole path
    /// or its file name matches a pattern.
    pub(crate) fn matches(&self, path: &Path, input: &Path) -> bool {
        self.matching(path, input).is_some()
    }

    /// The first pattern that excludes `path`, found under `input`: one that matches its path
    /// below `input`, its whole path or its file name.
    fn matching(&self, path: &Path, input: &Path) -> Option<&str> {
        let (set, patterns) = self.set.as_ref()?;
        let rel = path.strip_prefix(input).ok();
        let name = path.file_name();
        if !(set.is_match(path)
            || rel.is_some_and(|rel| set.is_match(rel))
            || name.is_some_and(|n| set.is_match(n)))
        {
            return None;
        }
        let mut hits = set.matches(path);
        hits.extend(rel.map(|r| set.matches(r)).unwrap_or_default());
        hits.extend(name.map(|n| set.matches(n)).unwrap_or_default());
        hits.into_iter()
            .min()
            .and_then(|i| patterns.get(i))
            .map(String::as_str)
    }

    /// Whether an input named directly is skipped: only with `force_exclude`, when the path, or
    /// the path below any of its folders, or any folder it is in, matches, just as a walk of
    /// any folder above it would have excluded it.
    ///
    /// The path comes from the repository (pre-commit names every staged file), so the work is
    /// bounded by its length: each folder it is in (and the path itself) is matched once, as a
    /// whole, against the patterns made to match at the end of a path (`**/PATTERN`), which is
    /// the same as matching every path below every folder above it, one at a time (cubic in the
    /// depth: a file 2,000 folders deep took 40 s).
    pub(crate) fn skips_named(&self, input: &Path) -> bool {
        self.named_match(input).is_some()
    }

    /// The first pattern (as written) that skips an input named directly, if any: see
    /// [`Exclude::skips_named`].
    pub(crate) fn named_match(&self, input: &Path) -> Option<&str> {
        let (named, (_, patterns)) = (self.named.as_ref()?, self.set.as_ref()?);
        let clean: PathBuf = input.components().collect();
        let hit = named_candidates(&clean)
            .filter_map(|a| named.matches(a).into_iter().min())
            .min()?;
        patterns.get(hit).map(String::as_str)
    }

    /// Whether every input is a path skipped by `force_exclude`: then finding nothing to check
    /// is the expected outcome (a pre-commit run that staged only excluded files), not an error.
    pub(crate) fn skips_all(&self, inputs: &[PathBuf]) -> bool {
        !inputs.is_empty() && inputs.iter().all(|p| self.skips_named(p))
    }
}

/// What [`Exclude::skips_named`] matches for a path named directly (`clean`: written plainly,
/// no `a//b`, no `a/./b`): the path itself and each folder it is in, one per component.
fn named_candidates(clean: &Path) -> impl Iterator<Item = &Path> {
    clean.ancestors().filter(|a| !a.as_os_str().is_empty())
}

/// A pattern as globset reads it: a trailing `/` (a folder, in gitignore style) and a leading
/// `./` dropped.
fn normalize(pattern: &str) -> &str {
    let p = pattern.strip_prefix("./").unwrap_or(pattern);
    match p.trim_end_matches('/') {
        "" => p,
        trimmed => trimmed,
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
    fn an_xml_file_is_ssml_when_its_root_is_speak() {
        for yes in [
            &b"<speak version='1.0'>"[..],
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- menu -->\n<!DOCTYPE x>\n<speak>",
            b"  <ssml:speak xmlns:ssml='http://www.w3.org/2001/10/synthesis'/>",
        ] {
            assert!(root_is_speak(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"<speaker>"[..],
            b"<configuration><speak/>",
            b"<!-- never closed <speak>",
            b"<speak",
            b"",
        ] {
            assert!(!root_is_speak(no), "{}", String::from_utf8_lossy(no));
        }
        // UTF-16, as Windows tools save XML: with a byte order mark or without, either order.
        let utf16 = |text: &str, big: bool, bom: bool| -> Vec<u8> {
            let mut out = Vec::new();
            for u in (if bom { "\u{FEFF}" } else { "" })
                .encode_utf16()
                .chain(text.encode_utf16())
            {
                out.extend(if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            out
        };
        let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<speak version=\"1.0\">";
        for (big, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            assert!(root_is_speak(&utf16(doc, big, bom)), "big {big}, bom {bom}");
            assert!(!root_is_speak(&utf16("<configuration/>", big, bom)));
        }
    }

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

    /// The matching before: every path below every folder a named path is in, one at a time.
    fn skipped_by_windows(patterns: &[&str], input: &Path) -> bool {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        let Some((set, _)) = Exclude::new(&patterns, false).expect("valid").set else {
            return false;
        };
        input.ancestors().any(|a| {
            let parts: Vec<_> = a.components().collect();
            (0..parts.len()).any(|i| {
                let tail: PathBuf = parts[i..].iter().collect();
                !tail.as_os_str().is_empty() && set.is_match(&tail)
            })
        })
    }

    #[test]
    fn force_exclude_matches_a_named_path_once_per_folder_it_is_in() {
        // A staged file 2,000 folders deep (a hostile repository's) cost 2,000 x 2,000 / 2
        // matches of up to 4,000 bytes each: 40 s. Now one match per folder.
        let deep = PathBuf::from(format!("{}x.wav", "a/".repeat(2000)));
        assert_eq!(named_candidates(&deep).count(), 2001);
        let patterns = [
            "drafts",
            "drafts/",
            "./old/**",
            "b/c",
            "*.tmp.wav",
            "/abs/**",
            "x{1,2}/y",
            "**/z",
        ];
        let exclude = Exclude::new(
            &patterns.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>(),
            true,
        )
        .expect("valid");
        assert!(!exclude.skips_named(&deep));
        for (path, skipped) in [
            ("drafts/a.wav", true),
            ("p/drafts/a.wav", true),
            ("p/drafts", true),
            ("p/draftsy/a.wav", false),
            ("p/xdrafts/a.wav", false),
            ("./p/old/q/a.wav", true),
            ("old/a.wav", true),
            ("a/b/c/d.wav", true),
            ("a/bb/c/d.wav", false),
            ("a/b/cc.wav", false),
            ("q/x.tmp.wav", true),
            ("/abs/q.wav", true),
            ("/p/abs/q.wav", false),
            ("r/x2/y/a.wav", true),
            ("r/x3/y/a.wav", false),
            ("z", true),
            ("../z/a.wav", true),
            ("a//b/./c/d.wav", true),
            ("ok/a.wav", false),
        ] {
            let input = Path::new(path);
            assert_eq!(exclude.skips_named(input), skipped, "{path}");
            assert_eq!(
                skipped_by_windows(&patterns, input),
                skipped,
                "{path} (before)"
            );
        }
    }
}
