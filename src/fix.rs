//! `fix`: turn failing prompts into WAV files ACS plays, without losing or overwriting anything
//! unasked.
//!
//! Every input is checked first. One that passes is left alone; one whose problems conversion
//! cannot cure (truncated, empty, not audio, unreadable) is reported and left alone; the rest are
//! converted ([`crate::convert_file`]) into a temporary file next to the destination, flushed to
//! disk, and renamed into place, so a destination is never left half-written. The output is
//! checked again.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::convert::{convert_file, Conversion};
use crate::display::path_to_string;
use crate::error::ScanError;
use crate::options::CheckOptions;
use crate::report::{CheckResult, Finding, Status};
use crate::rules::Rule;
use crate::scan::check_file;
use crate::walk::{self, Target};

/// Where converted files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixMode {
    /// Into this folder, keeping the inputs' relative layout, named `.wav`.
    OutDir(PathBuf),
    /// Over the originals (as `NAME.wav`), keeping `NAME.orig` copies when `backup`.
    InPlace {
        /// Keep the original as `NAME.orig`.
        backup: bool,
    },
}

/// How `fix` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOptions {
    /// Where the converted files go.
    pub mode: FixMode,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
    /// With [`FixMode::OutDir`]: replace files that already exist there.
    pub overwrite: bool,
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAction {
    /// It already passes: left alone.
    AlreadyValid,
    /// Converted; the output is checked again in `after`.
    Converted,
    /// `--dry-run`: it would be converted.
    WouldConvert,
    /// Conversion cannot cure it (truncated, empty, not audio, unreadable): left alone.
    CannotFix,
    /// Conversion was tried and failed (the file does not decode): left alone.
    Failed,
    /// The destination or backup exists and may not be overwritten: left alone.
    Refused,
}

/// The conversion's details, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversionInfo {
    /// The source's sample rate.
    pub rate_in: u32,
    /// The source's channel count.
    pub channels_in: u16,
    /// Source duration in milliseconds.
    pub duration_in_ms: u64,
    /// Output duration in milliseconds.
    pub duration_out_ms: u64,
    /// Whether it was resampled.
    pub resampled: bool,
    /// Whether TPDF dither was added.
    pub dithered: bool,
}

impl From<&Conversion> for ConversionInfo {
    fn from(c: &Conversion) -> Self {
        ConversionInfo {
            rate_in: c.rate_in,
            channels_in: c.channels_in,
            duration_in_ms: c.frames_in * 1000 / u64::from(c.rate_in.max(1)),
            duration_out_ms: c.frames_out * 1000 / 16_000,
            resampled: c.resampled,
            dithered: c.dithered,
        }
    }
}

/// The outcome for one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixResult {
    /// The input.
    pub input: String,
    /// What was done.
    pub action: FixAction,
    /// The converted file (written, or that would be written).
    pub output: Option<String>,
    /// The copy of the original kept by `--in-place`.
    pub backup: Option<String>,
    /// Why it was not converted, or why conversion failed.
    pub reason: Option<String>,
    /// What the input's check found.
    pub before: Vec<Finding>,
    /// The conversion's details.
    pub conversion: Option<ConversionInfo>,
    /// The check of the output.
    pub after: Option<CheckResult>,
}

impl FixResult {
    /// Whether this input ends the run in a good state: valid already, or converted into a file
    /// that passes (or would be converted).
    pub fn is_ok(&self) -> bool {
        match self.action {
            FixAction::AlreadyValid | FixAction::WouldConvert => true,
            FixAction::Converted => self
                .after
                .as_ref()
                .is_some_and(|a| a.status != Status::Fail),
            FixAction::CannotFix | FixAction::Failed | FixAction::Refused => false,
        }
    }
}

/// Counts over a fix run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FixSummary {
    /// Inputs seen.
    pub inputs: usize,
    /// Converted (or would be, with `--dry-run`).
    pub converted: usize,
    /// Left alone because they pass.
    pub already_valid: usize,
    /// Left alone because conversion cannot cure them, failed, or was refused.
    pub not_fixed: usize,
}

/// Everything a fix run did, in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixReport {
    /// Schema version of this document.
    pub version: u32,
    /// One result per input.
    pub results: Vec<FixResult>,
    /// Counts.
    pub summary: FixSummary,
}

impl FixReport {
    /// True when every input is valid or was converted into a valid file.
    pub fn is_ok(&self) -> bool {
        self.results.iter().all(FixResult::is_ok)
    }
}

/// What to do with a checked input: `Ok(true)` convert, `Ok(false)` leave (valid), `Err(reason)`
/// cannot fix.
fn plan(result: &CheckResult) -> Result<bool, String> {
    let not_audio = result
        .audio
        .as_ref()
        .is_some_and(|a| !crate::sniff::is_audio_name(&a.container));
    for f in &result.findings {
        let blocking = matches!(f.rule, Rule::Unreadable | Rule::Malformed | Rule::NoAudio)
            || (f.rule == Rule::NotWav && not_audio);
        if blocking {
            return Err(format!("{}: {}", f.rule, f.message));
        }
    }
    Ok(result.findings.iter().any(|f| f.rule.cured_by_conversion()))
}

/// The destination of a converted input.
fn destination(path: &Path, rel: &Path, mode: &FixMode) -> PathBuf {
    match mode {
        FixMode::OutDir(dir) => dir.join(rel).with_extension("wav"),
        FixMode::InPlace { .. } => path.with_extension("wav"),
    }
}

/// `NAME.orig` beside `path`.
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".orig");
    path.with_file_name(name)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn fix_one(path: &Path, rel: &Path, check: &CheckOptions, fix: &FixOptions) -> FixResult {
    let before = check_file(path, check);
    let mut result = FixResult {
        input: before.input.clone(),
        action: FixAction::AlreadyValid,
        output: None,
        backup: None,
        reason: None,
        before: before.findings.clone(),
        conversion: None,
        after: None,
    };
    match plan(&before) {
        Ok(false) => return result,
        Ok(true) => {}
        Err(reason) => {
            result.action = FixAction::CannotFix;
            result.reason = Some(reason);
            return result;
        }
    }
    let dest = destination(path, rel, &fix.mode);
    result.output = Some(path_to_string(&dest));
    let in_place = matches!(fix.mode, FixMode::InPlace { .. });
    let backup = match fix.mode {
        FixMode::InPlace { backup: true } => Some(backup_path(path)),
        _ => None,
    };
    result.backup = backup.as_deref().map(path_to_string);
    let refuse = |result: &mut FixResult, why: String| {
        result.action = FixAction::Refused;
        result.reason = Some(why);
    };
    if let Some(b) = &backup {
        if b.exists() {
            refuse(
                &mut result,
                format!("the backup {} already exists", path_to_string(b)),
            );
            return result;
        }
    }
    let dest_is_input = same_file(&dest, path);
    let may_replace = fix.overwrite && !in_place;
    if dest.exists() && !dest_is_input && !may_replace {
        refuse(
            &mut result,
            format!(
                "{} already exists (--overwrite replaces it)",
                path_to_string(&dest)
            ),
        );
        return result;
    }
    if dest_is_input && !in_place {
        refuse(
            &mut result,
            "the output would replace the input; use --in-place".to_owned(),
        );
        return result;
    }
    if fix.dry_run {
        result.action = FixAction::WouldConvert;
        return result;
    }
    let replace = fix.overwrite || dest_is_input;
    let remove_input = in_place && !dest_is_input;
    match write_converted(path, &dest, backup.as_deref(), replace, remove_input) {
        Ok(conversion) => {
            result.action = FixAction::Converted;
            result.conversion = Some(ConversionInfo::from(&conversion));
            result.after = Some(check_file(&dest, check));
        }
        Err(why) => {
            result.action = FixAction::Failed;
            result.reason = Some(why);
            result.backup = None;
        }
    }
    result
}

/// Converts into a temporary file beside `dest`, flushes it, keeps the backup, then renames it
/// into place (replacing an existing file only when `replace`), and removes the input when it
/// was converted in place under another name. On an error before the rename the temporary file
/// is removed and nothing else has changed.
fn write_converted(
    input: &Path,
    dest: &Path,
    backup: Option<&Path>,
    replace: bool,
    remove_input: bool,
) -> Result<Conversion, String> {
    let shown = path_to_string(dest);
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", path_to_string(dir)))?;
    let prefix = format!(
        ".{}.acs-preflight-",
        dest.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", path_to_string(dir)))?;
    let conversion = {
        let writer = BufWriter::new(tmp.as_file_mut());
        convert_file(input, writer).map_err(|e| e.to_string())?
    };
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    if let Some(b) = backup {
        // A hard link keeps the original under its backup name while the rename below replaces
        // it atomically; a copy where links are not possible.
        fs::hard_link(input, b)
            .or_else(|_| fs::copy(input, b).map(|_| ()))
            .map_err(|e| format!("cannot keep the backup {}: {e}", path_to_string(b)))?;
    }
    let persisted = if replace {
        tmp.persist(dest).map(|_| ())
    } else {
        tmp.persist_noclobber(dest).map(|_| ())
    };
    if let Err(e) = persisted {
        if let Some(b) = backup {
            let _ = fs::remove_file(b);
        }
        return Err(format!("cannot write {shown}: {}", e.error));
    }
    // Converting x.mp3 in place writes x.wav: the original goes (its backup, if asked for, stays).
    if remove_input {
        fs::remove_file(input).map_err(|e| {
            format!(
                "wrote {shown} but cannot remove {}: {e}",
                path_to_string(input)
            )
        })?;
    }
    Ok(conversion)
}

/// Fixes every prompt under `inputs` (files and folders), `check.jobs` at a time, calling
/// `on_done` after each; results in input order.
pub fn fix_paths<P: AsRef<Path>>(
    inputs: &[P],
    check: &CheckOptions,
    fix: &FixOptions,
    on_found: &(dyn Fn() + Sync),
    on_done: &(dyn Fn(&FixResult) + Sync),
) -> Result<FixReport, ScanError> {
    if inputs.is_empty() {
        return Err(ScanError::NoInputs);
    }
    let paths: Vec<PathBuf> = inputs.iter().map(|p| p.as_ref().to_path_buf()).collect();
    let exclude =
        walk::Exclude::new(&check.exclude).map_err(|(pattern, e)| ScanError::Exclude {
            pattern,
            reason: e.to_string(),
        })?;
    let mut targets: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut problems: Vec<(usize, FixResult)> = Vec::new();
    walk::walk(&paths, &exclude, |i, t| {
        on_found();
        match t {
            Target::File(p) => {
                let root = &paths[i];
                let rel = match p.strip_prefix(root) {
                    Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
                    _ => PathBuf::from(p.file_name().unwrap_or_default()),
                };
                targets.push((p, rel));
            }
            Target::Problem { path, reason } => problems.push((
                targets.len() + problems.len(),
                FixResult {
                    input: path_to_string(&path),
                    action: FixAction::CannotFix,
                    output: None,
                    backup: None,
                    reason: Some(format!("unreadable: {reason}")),
                    before: Vec::new(),
                    conversion: None,
                    after: None,
                },
            )),
        }
    });
    if targets.is_empty() && problems.is_empty() {
        return Err(ScanError::NothingFound(paths));
    }
    let jobs = check.effective_file_jobs();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|source| ScanError::ThreadPool { jobs, source })?;
    let fixed: Vec<FixResult> = pool.install(|| {
        targets
            .par_iter()
            .map(|(p, rel)| {
                let r = fix_one(p, rel, check, fix);
                on_done(&r);
                r
            })
            .collect()
    });
    // Put the unreadable entries back where the walk found them.
    let mut results = fixed;
    for (at, r) in problems {
        on_done(&r);
        results.insert(at.min(results.len()), r);
    }
    let mut summary = FixSummary {
        inputs: results.len(),
        ..FixSummary::default()
    };
    for r in &results {
        match r.action {
            FixAction::Converted | FixAction::WouldConvert => summary.converted += 1,
            FixAction::AlreadyValid => summary.already_valid += 1,
            _ => summary.not_fixed += 1,
        }
    }
    Ok(FixReport {
        version: 1,
        results,
        summary,
    })
}
