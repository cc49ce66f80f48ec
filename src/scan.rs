//! Checking files and folders, in parallel, with results in input order.

use std::fs::{File, OpenOptions};
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::display::path_to_string;
use crate::error::ScanError;
use crate::inspect::{inspect, Origin};
use crate::options::CheckOptions;
use crate::report::{CheckResult, Finding, Report};
use crate::rules::Rule;
use crate::source::Window;
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
    let path = path.as_ref();
    let input = path_to_string(path);
    let unreadable = |reason: String| {
        CheckResult::new(
            input.clone(),
            None,
            vec![Finding::new(Rule::Unreadable, options.action, reason)],
        )
    };
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) => return unreadable(format!("cannot open it: {}", io_reason(&e))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return unreadable(format!("cannot read its metadata: {}", io_reason(&e))),
    };
    if meta.is_dir() {
        return unreadable("it is a folder, not a file".to_owned());
    }
    if !meta.is_file() {
        return unreadable(format!(
            "it is {}; only regular files are read",
            special_kind(&meta.file_type())
        ));
    }
    let extension = extension_of(path);
    let origin = Origin {
        path: Some(path),
        extension: extension.as_deref(),
    };
    check_source(input.clone(), &file, meta.len(), origin, options)
        .unwrap_or_else(|e| unreadable(format!("cannot read it: {}", io_reason(&e))))
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
    let origin = Origin {
        path: None,
        extension: extension.as_deref(),
    };
    let len = bytes.len() as u64;
    check_source(name.to_owned(), Cursor::new(bytes), len, origin, options).unwrap_or_else(|e| {
        CheckResult::new(
            name.to_owned(),
            None,
            vec![Finding::new(Rule::Unreadable, options.action, e.to_string())],
        )
    })
}

fn check_source<R: Read + Seek>(
    input: String,
    reader: R,
    len: u64,
    origin: Origin<'_>,
    options: &CheckOptions,
) -> std::io::Result<CheckResult> {
    let mut window = Window::open(reader, len, len)?;
    let inspection = inspect(&mut window, origin, options);
    Ok(CheckResult::new(
        input,
        inspection.audio,
        inspection.findings,
    ))
}

/// Opens for reading without blocking on a FIFO that appeared where a file was.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    opts.open(path)
}

fn check_target(target: &Target, options: &CheckOptions) -> CheckResult {
    match target {
        Target::File(path) => check_file(path, options),
        Target::Problem { path, reason } => CheckResult::new(
            path_to_string(path),
            None,
            vec![Finding::new(Rule::Unreadable, options.action, reason.clone())],
        ),
    }
}

/// A scan of files and folders: the walk is done, the checks are ready to run.
///
/// ```
/// use acs_preflight::{CheckOptions, Scan};
///
/// let scan = Scan::new(&["fixtures"], CheckOptions::default().jobs(2))?;
/// assert!(scan.len() > 5);
/// let report = scan.run(|_result| { /* advance a progress bar */ })?;
/// assert_eq!(report.summary.checked, report.results.len());
/// # Ok::<(), acs_preflight::ScanError>(())
/// ```
#[derive(Debug)]
pub struct Scan {
    targets: Vec<Target>,
    options: CheckOptions,
}

impl Scan {
    /// Walks `inputs` (files and folders). Fails when there are no inputs or they hold no prompt
    /// files; a missing or unreadable input is a finding, not an error.
    pub fn new<P: AsRef<Path>>(inputs: &[P], options: CheckOptions) -> Result<Scan, ScanError> {
        if inputs.is_empty() {
            return Err(ScanError::NoInputs);
        }
        let inputs: Vec<PathBuf> = inputs.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let targets = walk::collect(&inputs);
        if targets.is_empty() {
            return Err(ScanError::NothingFound(inputs));
        }
        Ok(Scan { targets, options })
    }

    /// How many inputs will be reported on.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there is nothing to check (never true for a scan made by [`Scan::new`]).
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Checks every input on `options.jobs` threads, calling `on_result` as each one finishes
    /// (in any order); the report lists them in input order whatever the thread count.
    pub fn run(self, on_result: impl Fn(&CheckResult) + Sync) -> Result<Report, ScanError> {
        let options = &self.options;
        let check = |t: &Target| {
            let r = check_target(t, options);
            on_result(&r);
            r
        };
        let jobs = options
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        let results = if jobs == 1 {
            self.targets.iter().map(check).collect()
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .thread_name(|i| format!("acs-preflight-{i}"))
                .build()
                .map_err(|source| ScanError::ThreadPool { jobs, source })?;
            pool.install(|| self.targets.par_iter().map(check).collect())
        };
        Ok(Report::new(results))
    }
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
