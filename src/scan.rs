//! Checking files and folders, in parallel, with results in input order.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ffi::OsString;
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use crate::display::path_to_string;
use crate::error::ScanError;
use crate::header::inspect::{inspect, Origin};
use crate::header::source::Window;
use crate::open::{Folder, Links, ReadAt};
use crate::options::CheckOptions;
use crate::remote::{UrlInput, UrlJob};
use crate::report::{CheckResult, Finding, Report, Skipped, Source, Summary};
use crate::rules::Rule;
use crate::walk::{self, extension_of, io_reason, special_kind, Target};

/// Checks one file. Never fails: a file that cannot be read gets an `unreadable` finding.
///
/// ```
/// use acs_preflight::{check_file, CheckOptions, Rule, Status};
///
/// let result = check_file("fixtures/prompt-44k1hz-mono-16bit.wav", &CheckOptions::default());
/// assert_eq!(result.status, Status::Fail);
/// assert_eq!(result.rules(), vec![Rule::SampleRate]);
/// ```
pub fn check_file(path: impl AsRef<Path>, options: &CheckOptions) -> CheckResult {
    check_file_in(None, path.as_ref(), Links::Follow, options)
}

/// [`check_file`], the file opened by name under `folder`'s handle when it is in it; with
/// [`Links::Refuse`] (a regular file in a folder's listing), not through a link.
fn check_file_in(
    folder: Option<&Folder>,
    path: &Path,
    links: Links,
    options: &CheckOptions,
) -> CheckResult {
    let input = path_to_string(path);
    let unreadable = |reason: String| {
        options.result(
            input.clone(),
            None,
            vec![Finding::new(Rule::Unreadable, options.action, reason)],
        )
    };
    let file = match crate::open::open_nonblocking_in(folder, path, links) {
        Ok(f) => f,
        Err(e) if links == Links::Refuse && crate::open::is_refused_link(&e) => {
            return unreadable(
                "it was a file when its folder was listed and is now a symbolic link, which is \
                 not followed"
                    .to_owned(),
            )
        }
        // Opening a socket fails so (a listed file swapped for one).
        #[cfg(unix)]
        Err(e) if links == Links::Refuse && e.raw_os_error() == Some(libc::ENXIO) => {
            return unreadable("it is a socket; only regular files are read".to_owned())
        }
        Err(e) => return unreadable(format!("cannot open it: {}", io_reason(&e))),
    };
    let extension = extension_of(path);
    let ssml = crate::ssml::is_ssml_extension(extension.as_deref());
    // A listed file's length comes from a seek (its type from the listing, confirmed by the
    // read). `--deep` reads the samples through the file's own offset, and an SSML document
    // may be refused for its length before anything is read, so both ask `fstat`.
    let sought = (links == Links::Refuse && !options.deep && !ssml)
        .then(|| crate::open::seek_len(&file).ok())
        .flatten();
    let len = match sought {
        Some(len) => len,
        None => match regular_len(&file) {
            Ok(len) => len,
            Err(reason) => return unreadable(reason),
        },
    };
    if ssml && crate::ssml::is_ssml_file(path, extension.as_deref()) {
        return crate::ssml::check_open_file(input, ReadAt::new(&file, len), len, options);
    }
    let origin = Origin {
        path: Some(path),
        extension: extension.as_deref(),
    };
    let mut window = match Window::open(ReadAt::new(&file, len), Some(len), len) {
        Ok(w) => w,
        Err(e) => {
            // What was sought may not be a file any more (a folder fails the read): say what.
            if sought.is_some() {
                if let Err(reason) = regular_len(&file) {
                    return unreadable(reason);
                }
            }
            return unreadable(format!("cannot read it: {}", io_reason(&e)));
        }
    };
    let mut inspection = inspect(&mut window, origin, options);
    drop(window);
    if options.deep {
        // The samples are read through the handle already open.
        deep_findings(path, file, &mut inspection, options);
    }
    options.result(input, inspection.audio, inspection.findings)
}

/// The length of an open file when it is a regular file (`fstat`), else why it is not read.
fn regular_len(file: &File) -> Result<u64, String> {
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read its metadata: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err("it is a folder, not a file".to_owned());
    }
    if !meta.is_file() {
        return Err(format!(
            "it is {}; only regular files are read",
            special_kind(&meta.file_type())
        ));
    }
    Ok(meta.len())
}

/// Checks a prompt held in memory; `name` is what reports call it (its extension is used too).
///
/// ```
/// use acs_preflight::{check_bytes, CheckOptions, Rule};
///
/// let result = check_bytes("welcome.wav", b"<html>Sign in</html>", &CheckOptions::default());
/// assert_eq!(result.rules(), vec![Rule::NotWav]);
/// ```
pub fn check_bytes(name: &str, bytes: &[u8], options: &CheckOptions) -> CheckResult {
    let extension = extension_of(Path::new(name));
    let ssml = match extension.as_deref() {
        Some("ssml") => true,
        Some("xml") => walk::root_is_speak(&bytes[..bytes.len().min(4096)]),
        _ => false,
    };
    if ssml {
        return crate::ssml::check_open_file(name.to_owned(), bytes, bytes.len() as u64, options);
    }
    let origin = Origin {
        path: None,
        extension: extension.as_deref(),
    };
    let len = bytes.len() as u64;
    check_source(name.to_owned(), Cursor::new(bytes), len, origin, options).unwrap_or_else(|e| {
        options.result(
            name.to_owned(),
            None,
            vec![Finding::new(
                Rule::Unreadable,
                options.action,
                e.to_string(),
            )],
        )
    })
}

/// `--deep`: reads the samples and adds what they show.
fn deep_findings(
    path: &Path,
    file: File,
    inspection: &mut crate::header::inspect::Inspection,
    options: &CheckOptions,
) {
    let Some(audio) = inspection.audio.as_mut() else {
        return;
    };
    let t = options.thresholds();
    let issues = match inspection.pcm16 {
        Some(pcm) => crate::deep::analyze_pcm16(file, pcm, t, audio),
        None if inspection.decodable => crate::deep::analyze_decoded(file, path, t, audio),
        None => return,
    };
    inspection.findings.extend(
        issues
            .into_iter()
            .map(|(rule, message)| Finding::new(rule, options.action, message)),
    );
}

fn check_source<R: Read + Seek>(
    input: String,
    reader: R,
    len: u64,
    origin: Origin<'_>,
    options: &CheckOptions,
) -> std::io::Result<CheckResult> {
    let mut window = Window::open(reader, Some(len), len)?;
    let inspection = inspect(&mut window, origin, options);
    Ok(options.result(input, inspection.audio, inspection.findings))
}

fn check_target(target: &Target, folder: Option<&Folder>, options: &CheckOptions) -> CheckResult {
    match target {
        Target::File(path) => check_file_in(folder, path, Links::Follow, options),
        Target::Listed(path) => check_file_in(folder, path, Links::Refuse, options),
        Target::Problem { path, reason } => options.result(
            path_to_string(path),
            None,
            vec![Finding::new(
                Rule::Unreadable,
                options.action,
                reason.clone(),
            )],
        ),
    }
}

/// What a running scan reports as it goes, for a progress display (more kinds may come: match
/// the ones you need).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ScanEvent<'a> {
    /// The walk found one more input to check.
    Found,
    /// One input has been checked (inputs finish in any order).
    Checked(&'a CheckResult),
    /// The walk passed over a file or folder (not audio, excluded, ...); these come in walk
    /// order, and their counts are in [`Summary`].
    Skipped(&'a Skipped),
    /// A URL was left out because it matches a URL ignore pattern: one found before the scan
    /// ([`Scan::with_ignored`], first), or an SSML input's `audio src`
    /// ([`Scan::ignoring_urls`]). One per place it is written; counted in [`Summary::ignored`].
    Ignored(&'a crate::remote::Extracted),
}

/// What a run passed over, gathered from its events for a report that lists them (`check
/// --verbose`, Python's `to_text`): the entries the walk skipped, kept only when asked (a huge
/// tree skips many), and the URLs left out by an ignore pattern. Hand every event to
/// [`PassedOver::note`]; the front doors share this, so they list the same things.
#[derive(Debug, Default)]
pub struct PassedOver {
    keep_skipped: bool,
    skipped: Mutex<Vec<Skipped>>,
    ignored: Mutex<Vec<crate::remote::Extracted>>,
}

impl PassedOver {
    /// A collector; `keep_skipped` keeps the skipped entries too, not only the ignored URLs.
    pub fn new(keep_skipped: bool) -> PassedOver {
        PassedOver {
            keep_skipped,
            ..PassedOver::default()
        }
    }

    /// Keeps what `event` passed over, if anything.
    pub fn note(&self, event: ScanEvent<'_>) {
        match event {
            ScanEvent::Skipped(s) if self.keep_skipped => {
                if let Ok(mut list) = self.skipped.lock() {
                    list.push(s.clone());
                }
            }
            ScanEvent::Ignored(e) => {
                if let Ok(mut list) = self.ignored.lock() {
                    list.push(e.clone());
                }
            }
            _ => {}
        }
    }

    /// The skipped entries in walk order, and the ignored URLs in the order reported.
    pub fn into_lists(self) -> (Vec<Skipped>, Vec<crate::remote::Extracted>) {
        (
            self.skipped.into_inner().unwrap_or_default(),
            self.ignored.into_inner().unwrap_or_default(),
        )
    }
}

/// One thing a scan checks: a file or folder, or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a folder to search for audio files.
    Path(PathBuf),
    /// A prompt URL.
    Url(UrlInput),
    /// An SSML document found in a config or source file (`--extract-from`).
    Ssml(crate::ssml::SsmlInput),
}

impl Input {
    /// A command-line argument: a URL when it has a scheme (`https://...`) or starts with
    /// `http:` or `https:` in any case (URL parsers take `https:/host/a.wav` and `https:host/a.wav`
    /// too, and such a typo must be checked, and redacted, as the URL it is), else a path.
    pub fn from_arg(arg: impl Into<OsString>) -> Input {
        let arg = arg.into();
        let text = arg.to_string_lossy();
        if looks_like_url(&text) {
            Input::Url(UrlInput::new(text.into_owned()))
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// Whether an argument is a URL rather than a path: it has `://`, or an http(s) scheme as a URL
/// parser reads it (leading control characters and spaces dropped, tabs and line breaks removed
/// anywhere, per the WHATWG URL standard).
pub(crate) fn looks_like_url(s: &str) -> bool {
    let cleaned: String = s
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let scheme = cleaned.split(':').next().unwrap_or("");
    cleaned.contains("://")
        || (cleaned.contains(':')
            && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")))
}

/// A scan of files, folders and URLs.
///
/// Files: one thread walks the folders while up to `options.jobs` threads check what it finds, a
/// chunk of files at a time (no more threads start than there are chunks to take). URLs: checked
/// on a tokio runtime, `options.jobs` requests in flight. Results are put back in input order
/// (folders in name order), so the report is the same whatever the thread count.
///
/// ```
/// use acs_preflight::{CheckOptions, Scan, ScanEvent};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let checked = AtomicUsize::new(0);
/// let report = Scan::new(&["fixtures"], CheckOptions::default().jobs(2))?.run(|event| {
///     if let ScanEvent::Checked(_) = event {
///         checked.fetch_add(1, Ordering::Relaxed); // advance a progress bar
///     }
/// })?;
/// assert_eq!(report.summary.checked, checked.into_inner());
/// # Ok::<(), acs_preflight::ScanError>(())
/// ```
#[derive(Debug)]
pub struct Scan {
    inputs: Vec<Input>,
    options: CheckOptions,
    url_ignore: Vec<crate::remote::UrlIgnore>,
    ignored: Vec<crate::remote::Extracted>,
}

impl Scan {
    /// A scan of files and folders; fails when there are none, or when a setting is outside its
    /// range ([`CheckOptions::validate`]).
    pub fn new<P: AsRef<Path>>(inputs: &[P], options: CheckOptions) -> Result<Scan, ScanError> {
        let inputs = inputs
            .iter()
            .map(|p| Input::Path(p.as_ref().to_path_buf()))
            .collect();
        Scan::from_inputs(inputs, options)
    }

    /// A scan of files, folders and URLs; fails when there are none, or when a setting is outside
    /// its range ([`CheckOptions::validate`]). A URL given more than once is checked once, and its
    /// result lists every place it came from.
    pub fn from_inputs(inputs: Vec<Input>, options: CheckOptions) -> Result<Scan, ScanError> {
        if inputs.is_empty() {
            return Err(ScanError::NoInputs);
        }
        options.validate()?;
        let mut merged: Vec<Input> = Vec::with_capacity(inputs.len());
        let mut url_at: HashMap<String, usize> = HashMap::new();
        for input in inputs {
            match input {
                Input::Url(u) => match url_at.get(&u.url) {
                    Some(&i) => {
                        if let Input::Url(first) = &mut merged[i] {
                            first.sources.extend(u.sources);
                        }
                    }
                    None => {
                        url_at.insert(u.url.clone(), merged.len());
                        merged.push(Input::Url(u));
                    }
                },
                path => merged.push(path),
            }
        }
        Ok(Scan {
            inputs: merged,
            options,
            url_ignore: Vec::new(),
            ignored: Vec::new(),
        })
    }

    /// Leaves out the `audio src` URLs of SSML inputs that match any of these patterns (as
    /// `--url-ignore` leaves out extracted URLs): they are not fetched.
    pub fn ignoring_urls(mut self, patterns: Vec<crate::remote::UrlIgnore>) -> Self {
        self.url_ignore = patterns;
        self
    }

    /// The URLs left out before the scan (by `--extract-from` or `--urls-from`, matching an
    /// ignore pattern: [`crate::Settings::extraction`]): a run reports each
    /// ([`ScanEvent::Ignored`]) and counts them with the `audio src` URLs it leaves out
    /// ([`Summary::ignored`]).
    pub fn with_ignored(mut self, ignored: Vec<crate::remote::Extracted>) -> Self {
        self.ignored = ignored;
        self
    }

    /// Walks and checks every input, calling `on_event` as inputs are found and checked. Fails
    /// when the inputs hold nothing to check, or worker threads or the HTTP client cannot start;
    /// a missing or unreadable input is a finding, not an error.
    pub fn run(self, on_event: impl Fn(ScanEvent<'_>) + Sync) -> Result<Report, ScanError> {
        let deep = self.options.deep;
        let options = self.options.clone();
        let mut results = Vec::new();
        let counted = self.run_with(on_event, &mut |r| results.push(r))?;
        if deep {
            add_loudness_outliers(&mut results, &options);
        }
        let mut report = Report::new(results);
        report.summary.skipped = counted.skipped;
        report.summary.excluded = counted.excluded;
        report.summary.ignored = counted.ignored;
        Ok(report)
    }

    /// Like [`Scan::run`], but hands each result to `sink` in input order as soon as it and
    /// every result before it are done, and keeps none of them: memory stays flat however many
    /// files a tree holds. Returns the counts.
    pub fn run_into(
        self,
        on_event: impl Fn(ScanEvent<'_>) + Sync,
        sink: &mut dyn FnMut(CheckResult),
    ) -> Result<Summary, ScanError> {
        self.run_with(on_event, sink)
    }

    /// Both runs: hands results on in input order as they are due.
    fn run_with(
        self,
        on_event: impl Fn(ScanEvent<'_>) + Sync,
        sink: &mut dyn FnMut(CheckResult),
    ) -> Result<Summary, ScanError> {
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut path_index: Vec<usize> = Vec::new();
        let mut urls: Vec<UrlInput> = Vec::new();
        let mut url_index: Vec<usize> = Vec::new();
        // SSML strings are checked here, in memory, and slotted in with the URLs' results.
        let mut texts: Vec<(usize, CheckResult)> = Vec::new();
        for (i, input) in self.inputs.iter().enumerate() {
            match input {
                Input::Path(p) => {
                    paths.push(p.clone());
                    path_index.push(i);
                }
                Input::Url(u) => {
                    urls.push(u.clone());
                    url_index.push(i);
                }
                Input::Ssml(s) => {
                    on_event(ScanEvent::Found);
                    let r = s.check(&self.options);
                    on_event(ScanEvent::Checked(&r));
                    texts.push((i, r));
                }
            }
        }
        // URLs first (there are few), so their results can be slotted between the files'
        // results, which stream. The deployed copies of the files (`--deployed-at`) are checked
        // with them, and reported after everything else.
        let mut pending_urls: VecDeque<(usize, CheckResult)> = VecDeque::new();
        let mut deployed_results: Vec<CheckResult> = Vec::new();
        let given_urls = urls.len();
        let mut jobs: Vec<UrlJob> = urls.into_iter().map(UrlJob::from).collect();
        jobs.extend(deployed_jobs(&paths, &self.options)?);
        if !jobs.is_empty() {
            for _ in &jobs {
                on_event(ScanEvent::Found);
            }
            let rt = crate::remote::runtime().map_err(ScanError::Http)?;
            let mut results = rt
                .block_on(crate::remote::check_all(&jobs, &self.options, &|r| {
                    on_event(ScanEvent::Checked(r))
                }))
                .map_err(ScanError::Http)?
                .into_iter();
            pending_urls.extend(
                url_index
                    .iter()
                    .copied()
                    .zip(results.by_ref().take(given_urls)),
            );
            deployed_results.extend(results);
        }
        if !texts.is_empty() {
            let mut all: Vec<(usize, CheckResult)> = pending_urls.drain(..).collect();
            all.extend(texts);
            all.sort_by_key(|(i, _)| *i);
            pending_urls.extend(all);
        }
        let mut summary = Summary::default();
        for left_out in &self.ignored {
            on_event(ScanEvent::Ignored(left_out));
        }
        summary.ignored = self.ignored.len();
        let mut passed_over = Summary::default();
        // The `audio src` URLs of the SSML inputs, as their results go by.
        let audio_srcs = std::cell::RefCell::new(SpeechAudio::default());
        let mut emit = |mut r: CheckResult| {
            let ignored = audio_srcs
                .borrow_mut()
                .take(&mut r, &self.url_ignore, &self.options);
            summary.ignored += ignored.len();
            for left_out in &ignored {
                on_event(ScanEvent::Ignored(left_out));
            }
            summary.add(&r);
            sink(r);
        };
        if !paths.is_empty() {
            passed_over = check_local(&paths, &self.options, &on_event, &mut |i, r| {
                while pending_urls
                    .front()
                    .is_some_and(|(u, _)| *u < path_index[i])
                {
                    if let Some((_, u)) = pending_urls.pop_front() {
                        emit(u);
                    }
                }
                emit(r);
            })?;
        }
        for (_, r) in pending_urls {
            emit(r);
        }
        // Third, the `audio src` URLs the SSML inputs name, each checked once, as Azure AI Speech
        // fetches them, after every input (their SSML is read only as the files are checked).
        let speech_jobs = audio_srcs.take().jobs();
        if !speech_jobs.is_empty() {
            for _ in &speech_jobs {
                on_event(ScanEvent::Found);
            }
            // Results have been handed on already (a streamed report is half written): a
            // client that cannot be set up fails each URL, it does not end the run.
            let checked = crate::remote::runtime().and_then(|rt| {
                rt.block_on(crate::remote::check_all(
                    &speech_jobs,
                    &self.options,
                    &|r| on_event(ScanEvent::Checked(r)),
                ))
            });
            let results = match checked {
                Ok(results) => results,
                Err(e) => speech_jobs
                    .iter()
                    .map(|job| {
                        let r = crate::remote::unreachable_result(
                            &job.input,
                            &self.options,
                            format!("not fetched: {e}"),
                        );
                        on_event(ScanEvent::Checked(&r));
                        r
                    })
                    .collect(),
            };
            for r in results {
                emit(r);
            }
        }
        for r in deployed_results {
            emit(r);
        }
        summary.skipped = passed_over.skipped;
        summary.excluded = passed_over.excluded;
        if summary.checked == 0 && !exclude_of(&self.options)?.skips_all(&paths) {
            return Err(ScanError::NothingFound(paths));
        }
        Ok(summary)
    }
}

/// The `audio src` URLs of the SSML inputs, gathered as their results go by: one job per URL,
/// listing every place it is written (at most [`MAX_SOURCES`]), at most
/// [`limits::MAX_SSML_AUDIO_URLS`] URLs a run.
///
/// [`limits::MAX_SSML_AUDIO_URLS`]: crate::limits::MAX_SSML_AUDIO_URLS
#[derive(Default)]
struct SpeechAudio {
    inputs: Vec<UrlInput>,
    at: HashMap<String, usize>,
}

/// The most places listed for one `audio src` URL.
const MAX_SOURCES: usize = 100;

impl SpeechAudio {
    /// Takes the `audio src` URLs of a result, but those `ignore` matches, which it returns; a
    /// URL over the bound is not fetched, and the result says so (`url-not-checked`).
    fn take(
        &mut self,
        r: &mut CheckResult,
        ignore: &[crate::remote::UrlIgnore],
        options: &CheckOptions,
    ) -> Vec<crate::remote::Extracted> {
        let mut over = 0;
        let mut ignored = Vec::new();
        for (url, source) in std::mem::take(&mut r.speech_audio) {
            if ignore.iter().any(|i| i.matches(&url)) {
                // Once per place: the same clip twice on one line is one place.
                let left_out = crate::remote::Extracted { url, source };
                if !ignored.contains(&left_out) {
                    ignored.push(left_out);
                }
                continue;
            }
            match self.at.get(&url) {
                Some(&i) => {
                    let sources = &mut self.inputs[i].sources;
                    if sources.len() < MAX_SOURCES && !sources.contains(&source) {
                        sources.push(source);
                    }
                }
                None if self.inputs.len() < crate::limits::MAX_SSML_AUDIO_URLS => {
                    self.at.insert(url.clone(), self.inputs.len());
                    self.inputs.push(UrlInput {
                        url,
                        sources: vec![source],
                    });
                }
                None => over += 1,
            }
        }
        if over > 0 {
            let note = Finding::new(
                Rule::UrlNotChecked,
                options.action,
                format!(
                    "{over} audio src URL(s) not fetched: a run fetches at most {} (acs-preflight's bound)",
                    crate::limits::MAX_SSML_AUDIO_URLS
                ),
            )
            .with_advice(format!(
                "check the SSML prompts in several runs (split the inputs), each naming at most {} audio src URLs",
                crate::limits::MAX_SSML_AUDIO_URLS
            ));
            let mut findings = std::mem::take(&mut r.findings);
            findings.extend(options.apply_levels(vec![note]));
            let sources = std::mem::take(&mut r.sources);
            let http = r.http.take();
            *r = CheckResult {
                sources,
                http,
                ..CheckResult::new(std::mem::take(&mut r.input), r.audio.take(), findings)
            };
        }
        ignored
    }

    /// The URL jobs, for Azure AI Speech, in the order the URLs were found.
    fn jobs(self) -> Vec<UrlJob> {
        self.inputs.into_iter().map(UrlJob::speech).collect()
    }
}

/// `--deployed-at`: a URL job for each file found in a folder (not for files named directly,
/// which have no path below a folder), in walk order. The walk is the scan's own (same excludes),
/// run once more without events: it reads names and metadata only.
fn deployed_jobs(paths: &[PathBuf], options: &CheckOptions) -> Result<Vec<UrlJob>, ScanError> {
    let Some(base) = options.deployed_at.as_deref() else {
        return Ok(Vec::new());
    };
    let folders: Vec<bool> = paths
        .iter()
        .map(|p| std::fs::metadata(p).is_ok_and(|m| m.is_dir()))
        .collect();
    let exclude = exclude_of(options)?;
    let mut jobs = Vec::new();
    walk::walk(paths, &exclude, |i, target| {
        let (Target::File(file) | Target::Listed(file)) = target else {
            return;
        };
        // Audio prompts only: an SSML prompt is sent as text, not fetched from storage.
        if !folders[i] || !crate::walk::has_audio_extension(&file) {
            return;
        }
        let Ok(relative) = file.strip_prefix(&paths[i]) else {
            return;
        };
        let input = UrlInput {
            url: crate::remote::deployed_url(base, relative),
            sources: vec![Source {
                file: path_to_string(&file),
                line: 0,
            }],
        };
        jobs.push(UrlJob {
            local: Some(file),
            ..UrlJob::from(input)
        });
    });
    Ok(jobs)
}

/// What kind of input a scan would check (see [`Scan::plan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PlannedKind {
    /// A local file.
    File,
    /// A prompt URL (given, from a URL list or extracted from a file).
    Url,
    /// The deployed copy of a local file (`--deployed-at`).
    Deployed,
    /// An SSML string found by `--extract-from`.
    Ssml,
    /// An `audio src` of an SSML string, which Azure Speech fetches (those of SSML files are
    /// found only when the files are read, so a plan does not list them).
    #[serde(rename = "ssml-audio")]
    SsmlAudio,
}

/// One input a scan would check, as `--dump` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PlannedInput {
    /// A file, a URL, or a deployed copy.
    pub kind: PlannedKind,
    /// The input as reports name it: a path (escaped as [`path_to_string`] does) or a URL
    /// (through the one redaction of [`crate::remote::display_url`]: SAS signatures and
    /// passwords never appear).
    pub input: String,
    /// Where a URL was written (file and line), or for a deployed copy the local file (line 0).
    pub sources: Vec<Source>,
    /// Why a path would be reported as unreadable (missing, a FIFO, ...), if it would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Scan {
    /// The inputs the scan would check, in report order, without checking any: files after the
    /// walk and the excludes, URLs with their sources, the `audio src` URLs of SSML strings,
    /// then the deployed copies. No file is
    /// opened (the walk reads names and metadata) and no request is sent.
    ///
    /// ```
    /// use acs_preflight::{CheckOptions, Input, PlannedKind, Scan};
    ///
    /// let inputs = vec![
    ///     Input::Path("fixtures/valid".into()),
    ///     Input::from_arg("https://h.example/a.wav?sp=r&sig=S3CRET"),
    /// ];
    /// let plan = Scan::from_inputs(inputs, CheckOptions::default())?.plan()?;
    /// assert!(plan.iter().any(|p| p.kind == PlannedKind::File));
    /// let url = plan.last().unwrap();
    /// assert_eq!(url.input, "https://h.example/a.wav?sp=r&sig=REDACTED");
    /// # Ok::<(), acs_preflight::ScanError>(())
    /// ```
    pub fn plan(&self) -> Result<Vec<PlannedInput>, ScanError> {
        let paths: Vec<PathBuf> = self
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::Path(p) => Some(p.clone()),
                Input::Url(_) | Input::Ssml(_) => None,
            })
            .collect();
        let exclude = exclude_of(&self.options)?;
        let mut by_path: Vec<Vec<PlannedInput>> = vec![Vec::new(); paths.len()];
        walk::walk(&paths, &exclude, |i, target| {
            let problem = match &target {
                Target::File(_) | Target::Listed(_) => None,
                Target::Problem { reason, .. } => Some(reason.clone()),
            };
            by_path[i].push(PlannedInput {
                kind: PlannedKind::File,
                input: path_to_string(target.path()),
                sources: Vec::new(),
                problem,
            });
        });
        let url = |kind, u: &UrlInput| PlannedInput {
            kind,
            input: crate::remote::shown(&u.url),
            sources: u.sources.clone(),
            problem: None,
        };
        let mut by_path = by_path.into_iter();
        let mut plan = Vec::new();
        for input in &self.inputs {
            match input {
                Input::Path(_) => plan.extend(by_path.next().into_iter().flatten()),
                Input::Url(u) => plan.push(url(PlannedKind::Url, u)),
                Input::Ssml(text) => plan.push(PlannedInput {
                    kind: PlannedKind::Ssml,
                    input: text.name(),
                    sources: vec![text.source.clone()],
                    problem: None,
                }),
            }
        }
        // The `audio src` URLs of the SSML strings (in memory: no file is read), as the run
        // gathers them.
        let mut audio = SpeechAudio::default();
        for input in &self.inputs {
            if let Input::Ssml(text) = input {
                let mut r = text.check(&self.options);
                audio.take(&mut r, &self.url_ignore, &self.options);
            }
        }
        for job in audio.jobs() {
            plan.push(url(PlannedKind::SsmlAudio, &job.input));
        }
        for job in deployed_jobs(&paths, &self.options)? {
            plan.push(url(PlannedKind::Deployed, &job.input));
        }
        Ok(plan)
    }
}

/// `--deep` over a whole set: prompts far louder or quieter than the median get
/// `loudness-outlier`.
fn add_loudness_outliers(results: &mut [CheckResult], options: &CheckOptions) {
    let loudness: Vec<Option<f64>> = results
        .iter()
        .map(|r| r.audio.as_ref().and_then(|a| a.loudness_lufs))
        .collect();
    for (i, message) in crate::deep::loudness_outliers(&loudness, 6.0) {
        let r = &mut results[i];
        let mut findings = std::mem::take(&mut r.findings);
        findings.push(Finding::new(Rule::LoudnessOutlier, options.action, message));
        let mut fresh = options.result(r.input.clone(), r.audio.take(), findings);
        fresh.sources = std::mem::take(&mut r.sources);
        fresh.http = r.http.take();
        *r = fresh;
    }
}

/// The options' exclude patterns, compiled; an invalid one stops the run.
pub(crate) fn exclude_of(options: &CheckOptions) -> Result<walk::Exclude, ScanError> {
    walk::Exclude::new(&options.exclude, options.force_exclude)
        .map_err(|(pattern, reason)| ScanError::Exclude { pattern, reason })
}

/// Targets a worker takes at once, at most: workers and the thread that puts results in order
/// wake once per chunk, not once per file. The first chunks are smaller (1, 2, 4, ...), so a
/// small tree still spreads over the workers. 128: on 10,000 files, 243 context switches
/// against 552 at 64, while the last chunk keeps one worker alone for under a millisecond.
const CHUNK: usize = 128;

/// The same under `--deep`, where one file takes milliseconds: small chunks keep every worker
/// busy to the end.
const DEEP_CHUNK: usize = 4;

/// Chunks the walk may list ahead of the workers; when they are queued, the walk puts results
/// in order until a worker takes one. A few are enough to keep the workers busy (a chunk takes
/// them longer to check than the walk to list), and few results are ever waiting: at 64, a
/// 10,000-file scan held most of its results at once, in fresh memory (a page fault per 4 KiB).
const QUEUED_CHUNKS: usize = 8;

/// Targets numbered with the index of the input path they came from, each with its folder
/// when that is held open.
type Chunk = Vec<(usize, Target, Option<Folder>)>;

/// A chunk's results, in the chunk's order.
type Checked = Vec<(usize, CheckResult)>;

/// Emptied chunks and result lists, kept for reuse (a few of each).
#[derive(Default)]
struct Spare {
    chunks: Mutex<Vec<Chunk>>,
    checked: Mutex<Vec<Checked>>,
}

impl Spare {
    /// Lists kept of each kind, at most.
    const KEPT: usize = 8;

    /// An empty list, reused when one is kept.
    fn take<T>(kept: &Mutex<Vec<Vec<T>>>) -> Vec<T> {
        kept.lock()
            .ok()
            .and_then(|mut k| k.pop())
            .unwrap_or_default()
    }

    /// Keeps an emptied list for reuse (dropped when enough are kept).
    fn give<T>(kept: &Mutex<Vec<Vec<T>>>, list: Vec<T>) {
        debug_assert!(list.is_empty());
        if let Ok(mut k) = kept.lock() {
            if k.len() < Spare::KEPT {
                k.push(list);
            }
        }
    }
}

/// Checks local files: the walk on this thread, the checks on up to `jobs` threads. Calls
/// `sink` with each result and the index of the path it came from, in walk order, on this
/// thread. Returns the counts of what the walk passed over (only `skipped` and `excluded` are
/// set).
///
/// The walk hands the targets over in numbered chunks; each worker checks a whole chunk into a
/// vector of its own and sends it back with its number; this thread puts the chunks back in
/// order (between hand-overs while it walks, then as they come), holding only those that
/// finished early. Nothing is locked per file. A worker is
/// started only when a chunk is handed over and no worker is waiting for one, so two files never
/// start more than two threads, whatever `jobs` says.
fn check_local(
    paths: &[PathBuf],
    options: &CheckOptions,
    on_event: &(dyn Fn(ScanEvent<'_>) + Sync),
    sink: &mut dyn FnMut(usize, CheckResult),
) -> Result<Summary, ScanError> {
    let exclude = &exclude_of(options)?;
    let check = |t: &Target, folder: Option<&Folder>| {
        let r = check_target(t, folder, options);
        on_event(ScanEvent::Checked(&r));
        r
    };
    let jobs = options.effective_file_jobs();
    if jobs == 1 {
        return Ok(walk_counting(paths, exclude, on_event, |i, t| {
            sink(i, check(&t, None))
        }));
    }
    let most = if options.deep { DEEP_CHUNK } else { CHUNK };
    // Emptied chunks and result lists come back for the next ones: a list of 128 results is
    // 48 KiB, and allocating and freeing one per chunk (on different threads) cost page faults
    // and heap consolidation on every chunk.
    let spare = Spare::default();
    let check_chunk = |chunk: &mut Chunk, checked: &mut Checked| {
        checked.extend(
            chunk
                .drain(..)
                .map(|(i, t, folder)| (i, check(&t, folder.as_ref()))),
        );
    };
    let (todo_tx, todo_rx) = mpsc::sync_channel::<(usize, Chunk)>(QUEUED_CHUNKS);
    let todo_rx = Mutex::new(todo_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Checked)>();
    // Workers waiting for a chunk.
    let idle = AtomicUsize::new(0);
    // A check that panicked: re-raised once the run is over (the other chunks still finish).
    let panicked: Mutex<Option<Box<dyn std::any::Any + Send>>> = Mutex::new(None);
    let worker = |done: mpsc::Sender<(usize, Checked)>| {
        // Set when no one takes results any more (the caller's sink panicked): the queue is
        // still emptied, so the walk never waits on it, but nothing more is checked.
        let mut unwanted = false;
        loop {
            idle.fetch_add(1, Ordering::Relaxed);
            // One worker waits on the queue, the others on the lock; both are one wake-up per chunk.
            let next = todo_rx.lock().ok().and_then(|rx| rx.recv().ok());
            idle.fetch_sub(1, Ordering::Relaxed);
            let Some((seq, mut chunk)) = next else {
                return;
            };
            if unwanted {
                continue;
            }
            let mut checked = Spare::take(&spare.checked);
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check_chunk(&mut chunk, &mut checked)
            }));
            if let Err(panic) = ran {
                checked.clear();
                if let Ok(mut slot) = panicked.lock() {
                    slot.get_or_insert(panic);
                }
            }
            chunk.clear();
            Spare::give(&spare.chunks, chunk);
            unwanted = done.send((seq, checked)).is_err();
        }
    };
    let passed_over = std::thread::scope(|s| {
        // Puts the chunks back in walk order, holding only those that finished early.
        let mut early: BTreeMap<usize, Checked> = BTreeMap::new();
        let mut next = 0;
        let mut in_order = |seq: usize, checked: Checked| {
            early.insert(seq, checked);
            while let Some(mut checked) = early.remove(&next) {
                for (i, r) in checked.drain(..) {
                    sink(i, r);
                }
                Spare::give(&spare.checked, checked);
                next += 1;
            }
        };
        // The walk runs on this thread, which also takes the chunks that are done whenever it
        // hands one over: no thread of its own, and no wake-up per chunk while it walks.
        let mut workers = 0;
        let mut seq = 0;
        let mut hand_over = |chunk: Chunk, in_order: &mut dyn FnMut(usize, Checked)| {
            if workers < jobs && idle.load(Ordering::Relaxed) == 0 {
                let done = done_tx.clone();
                let worker = &worker;
                let started = std::thread::Builder::new()
                    .name(format!("acs-preflight-{workers}"))
                    .spawn_scoped(s, move || worker(done));
                if started.is_ok() {
                    workers += 1;
                }
            }
            if workers == 0 {
                // No thread could start: the walk checks the chunk itself.
                let mut chunk = chunk;
                let mut checked = Spare::take(&spare.checked);
                check_chunk(&mut chunk, &mut checked);
                Spare::give(&spare.chunks, chunk);
                in_order(seq, checked);
            } else {
                // While the queue is full, the results that come back are put in order (and
                // their lists freed for reuse) instead of piling up. Some worker is always busy
                // or about to take a queued chunk, so a result always comes.
                let mut item = (seq, chunk);
                while let Err(mpsc::TrySendError::Full(back)) = todo_tx.try_send(item) {
                    item = back;
                    match done_rx.recv() {
                        Ok((seq, checked)) => in_order(seq, checked),
                        Err(_) => break,
                    }
                }
            }
            seq += 1;
            while let Ok((seq, checked)) = done_rx.try_recv() {
                in_order(seq, checked);
            }
        };
        let mut size = 1;
        let mut chunk: Chunk = Vec::with_capacity(size);
        let fresh_chunk = |size: usize| {
            let mut chunk = Spare::take(&spare.chunks);
            chunk.reserve(size);
            chunk
        };
        // The folder of the last file found (held open, when it could be) while its files
        // are found: opened once per folder, not tried again per file.
        let mut folder: Option<Folder> = None;
        let mut folder_path: Option<Vec<u8>> = None;
        let counts = walk_counting(paths, exclude, on_event, |i, t| {
            if let Some(file) = t.file() {
                let here = crate::open::folder_part(file);
                if folder_path.as_deref() != Some(here) {
                    folder_path = Some(here.to_vec());
                    folder = Folder::of(file);
                }
            }
            chunk.push((i, t, folder.clone()));
            if chunk.len() >= size {
                size = (size * 2).min(most);
                hand_over(
                    std::mem::replace(&mut chunk, fresh_chunk(size)),
                    &mut in_order,
                );
            }
        });
        if !chunk.is_empty() {
            hand_over(chunk, &mut in_order);
        }
        drop(folder);
        // The queue closes: the workers finish what is queued, and their results end.
        drop(todo_tx);
        drop(done_tx);
        for (seq, checked) in done_rx {
            in_order(seq, checked);
        }
        counts
    });
    if let Some(panic) = panicked.into_inner().ok().flatten() {
        std::panic::resume_unwind(panic);
    }
    Ok(passed_over)
}

/// Counts an entry the walk passed over and reports it.
fn skipped(counts: &mut Summary, on_event: &(dyn Fn(ScanEvent<'_>) + Sync), s: &Skipped) {
    counts.add_skipped(s);
    on_event(ScanEvent::Skipped(s));
}

/// Walks `paths`, telling `on_event` of each target found and each entry passed over, and
/// handing targets to `emit`; returns the counts of what was passed over.
fn walk_counting(
    paths: &[PathBuf],
    exclude: &walk::Exclude,
    on_event: &(dyn Fn(ScanEvent<'_>) + Sync),
    mut emit: impl FnMut(usize, Target),
) -> Summary {
    let mut passed_over = Summary::default();
    walk::walk_reporting(
        paths,
        exclude,
        |i, t| {
            on_event(ScanEvent::Found);
            emit(i, t);
        },
        |s| skipped(&mut passed_over, on_event, &s),
    );
    passed_over
}

/// Checks files and folders and returns the report.
///
/// ```
/// use acs_preflight::{check_paths, CheckOptions, Status};
///
/// let report = check_paths(&["fixtures/valid"], &CheckOptions::default())?;
/// assert!(report.is_ok());
/// assert!(report.results.iter().all(|r| r.status == Status::Pass));
/// # Ok::<(), acs_preflight::ScanError>(())
/// ```
pub fn check_paths<P: AsRef<Path>>(
    inputs: &[P],
    options: &CheckOptions,
) -> Result<Report, ScanError> {
    Scan::new(inputs, options.clone())?.run(|_| {})
}

#[cfg(test)]
mod tests {

    /// However many SSML documents a repository holds, a run fetches a bounded number of
    /// `audio src` URLs, each once, and says which results had some left out.
    #[test]
    fn audio_src_urls_are_bounded_and_deduplicated() {
        let options = CheckOptions::default();
        let mut audio = SpeechAudio::default();
        let total = crate::limits::MAX_SSML_AUDIO_URLS + 7;
        let mut noted = 0;
        for doc in 0..total.div_ceil(50) {
            let mut r = CheckResult::new(format!("{doc}.ssml"), None, Vec::new());
            r.speech_audio = (0..50)
                .filter(|k| doc * 50 + k < total)
                .map(|k| {
                    let n = doc * 50 + k;
                    let source = Source {
                        file: format!("{doc}.ssml"),
                        line: k + 1,
                    };
                    (format!("https://h{n}.blob.core.windows.net/a.mp3"), source)
                })
                .collect();
            audio.take(&mut r, &[], &options);
            if r.has(Rule::UrlNotChecked) {
                noted += 1;
                assert!(
                    r.findings[0]
                        .message
                        .starts_with("7 audio src URL(s) not fetched"),
                    "{r}"
                );
            }
        }
        assert_eq!(noted, 1);
        let jobs = audio.jobs();
        assert_eq!(jobs.len(), crate::limits::MAX_SSML_AUDIO_URLS);
        // A URL named twice is one job with both places.
        let mut audio = SpeechAudio::default();
        let mut r = CheckResult::new("a.ssml".into(), None, Vec::new());
        let src = |line| {
            (
                "https://h.blob.core.windows.net/a.mp3".to_owned(),
                Source {
                    file: "a.ssml".into(),
                    line,
                },
            )
        };
        r.speech_audio = vec![src(2), src(9), src(2)];
        audio.take(&mut r, &[], &options);
        let jobs = audio.jobs();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].input.sources.len(), 2);
    }

    use super::*;

    /// A file its folder's listing showed as regular is read without `fstat`, its length from
    /// a seek; when something else is there by the time it is opened (a link, a folder, a
    /// FIFO: a hostile repository swapping entries during the walk), it is not followed or
    /// read, and the finding says what it is, as for a file named directly.
    #[cfg(unix)]
    #[test]
    fn a_listed_entry_that_is_no_longer_a_file_is_not_read() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        let wav = |path: &Path, sample_rate: u32, channels: u16, frames: u32| {
            let spec = hound::WavSpec {
                channels,
                sample_rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut w = hound::WavWriter::create(path, spec).unwrap();
            for _ in 0..frames * u32::from(channels) {
                w.write_sample(1000i16).unwrap();
            }
            w.finalize().unwrap();
        };
        let secret = outside.path().join("secret.wav");
        wav(&secret, 16_000, 1, 16_000);
        wav(&root.join("ok.wav"), 16_000, 1, 16_000);
        wav(&root.join("loud.wav"), 44_100, 2, 4_410);
        symlink(&secret, root.join("swapped.wav")).unwrap();
        std::fs::create_dir(root.join("folder.wav")).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(root.join("fifo.wav"))
            .status()
            .unwrap()
            .success());
        let options = CheckOptions::default();
        let check = |name: &str| {
            let path = root.join(name);
            let folder = Folder::of(&path);
            check_target(&Target::Listed(path), folder.as_ref(), &options)
        };
        let ok = check("ok.wav");
        assert_eq!(ok.status, crate::Status::Pass, "{:?}", ok.findings);
        assert_eq!(ok.audio.as_ref().and_then(|a| a.size_bytes), Some(32_044));
        let loud = check("loud.wav");
        assert_eq!(loud.rules(), vec![Rule::SampleRate, Rule::Channels]);
        let message = |r: &CheckResult| {
            assert_eq!(r.rules(), vec![Rule::Unreadable]);
            assert!(r.audio.is_none());
            r.findings[0].message.clone()
        };
        assert!(
            message(&check("swapped.wav")).contains("now a symbolic link, which is not followed")
        );
        assert!(message(&check("folder.wav")).contains("it is a folder"));
        assert!(message(&check("fifo.wav")).contains("it is a FIFO"));
        // A folder named as an SSML document: not judged by a seek's length.
        std::fs::create_dir(root.join("folder.ssml")).unwrap();
        assert!(message(&check("folder.ssml")).contains("it is a folder"));
        let _listener = std::os::unix::net::UnixListener::bind(root.join("socket.wav")).unwrap();
        assert_eq!(
            message(&check("socket.wav")),
            "it is a socket; only regular files are read"
        );
        // The same link named directly, or reached by the walk as a link, is followed.
        let followed = check_target(&Target::File(root.join("swapped.wav")), None, &options);
        assert_eq!(followed.status, crate::Status::Pass);
    }

    #[test]
    fn url_like_arguments_are_urls() {
        for url in [
            "https://h.example/a.wav",
            "ftp://h.example/a.wav",
            "https:/h.example/a.wav?sig=x",
            "https:h.example/a.wav",
            "HTTP:\\\\u:pw@h.example/a.wav",
            " https:/h.example/a.wav",
            "\u{1}https:/h.example/a.wav",
            "https\t:/h.example/a.wav",
            "ht\ntps:h.example/a.wav",
        ] {
            assert!(looks_like_url(url), "{url}");
        }
        for path in [
            "prompts/a.wav",
            "C:\\prompts\\a.wav",
            "httpx:a.wav",
            "http.wav",
            "notes:http",
        ] {
            assert!(!looks_like_url(path), "{path}");
        }
    }
}
