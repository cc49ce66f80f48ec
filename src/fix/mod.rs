//! `fix`: turn failing prompts into WAV files ACS plays, without losing or overwriting anything
//! unasked.
//!
//! Every input is checked first. One that passes is left alone (with `--out`, copied unchanged
//! into the out folder, so it holds every deployable prompt, unless [`FixOptions::copy_valid`]
//! is off); one whose problems conversion cannot cure (truncated, empty, not audio, unreadable)
//! is reported and left alone (never copied). Each result says what conversion changes
//! ([`Change`]), and the report lists the inputs converted in place under a new name
//! ([`Rename`]). Before
//! anything is written, inputs whose outputs would be the same file are all refused, each naming
//! the others, and (in place) a file inside a named folder whose own folder lies outside it,
//! reached through a symlinked folder, is refused. What the walk finds inside the out folder
//! (or backup folder) when it lies inside a folder named is this run's output, not an input.
//! Every name a conversion needs is then checked:
//! any entry at the temporary name, the backup name or (unless it is the input itself, or a
//! regular file `--overwrite` may replace) the output name refuses the input, and so does a
//! symlink or non-folder among the folders below `--out DIR` or `--backup-dir DIR`. The rest are
//! converted (or copied)
//! ([`crate::convert_file`]) through [`crate::write`], the one file-writing path: into a
//! temporary file next to the destination, flushed to disk, and renamed into place, so a
//! destination is never left half-written and nothing is ever written through a symlink. The
//! output is checked again.

pub(crate) mod convert;
pub(crate) mod level;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::display::path_to_string;
use crate::error::ScanError;
use crate::fix::convert::{convert_file, convert_through, Conversion};
use crate::fix::level::{AudioFixes, Chain, Leveling, Measured, Plan};
use crate::options::CheckOptions;
use crate::report::{CheckResult, Finding, Status};
use crate::rules::{Rule, Severity};
use crate::scan::check_file;
use crate::walk::{self, Target};
use crate::write::{self, EntryKind, Pending, WriteError};

/// Where converted files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixMode {
    /// Into this folder, keeping the inputs' relative layout, named `.wav`; with
    /// [`FixOptions::copy_valid`], prompts that already pass are copied there unchanged, so the
    /// folder holds every prompt that can be deployed.
    OutDir(PathBuf),
    /// Over the originals (`NAME.mp3` becomes `NAME.wav`, listed in [`FixReport::renamed`]),
    /// keeping a backup of each as asked.
    InPlace {
        /// Where the originals are kept.
        backup: Backup,
    },
}

/// Where `--in-place` keeps the originals: the full name plus `.orig` (`menu.wav` is kept as
/// `menu.wav.orig`, `hold.mp3` as `hold.mp3.orig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backup {
    /// Keep no copy.
    Off,
    /// Beside the prompt: `prompts/menu.wav.orig`.
    Beside,
    /// In this folder (created if missing), keeping the prompts' layout below the folder named
    /// (a file named directly goes to its top): `DIR/menu.wav.orig`. Its subfolders must be real
    /// folders, as under [`FixMode::OutDir`]; nothing is written through a symlink.
    Into(PathBuf),
}

/// How `fix` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct FixOptions {
    /// Where the converted files go.
    pub mode: FixMode,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
    /// With [`FixMode::OutDir`]: replace regular files that already exist there (keeping their
    /// permissions); a symlink or folder there is still refused.
    pub overwrite: bool,
    /// With [`FixMode::OutDir`]: copy the prompts that already pass into the folder too,
    /// unchanged and under the same relative name, so it is complete (prompts that cannot be
    /// fixed are never copied). `false` writes only the converted files.
    pub copy_valid: bool,
    /// The sound cures (loudness, silence, DC), all off by default. When any is asked for,
    /// every prompt is measured; one that needs a cure is converted even if it passes, and
    /// every output is checked again with `--deep`.
    pub audio: AudioFixes,
}

impl FixOptions {
    /// Options for `mode`: written (not a dry run), nothing overwritten, valid prompts copied
    /// into an out folder.
    pub fn new(mode: FixMode) -> FixOptions {
        FixOptions {
            mode,
            dry_run: false,
            overwrite: false,
            copy_valid: true,
            audio: AudioFixes::default(),
        }
    }

    fn copies(&self) -> bool {
        self.copy_valid && matches!(self.mode, FixMode::OutDir(_))
    }
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAction {
    /// It already passes: left alone.
    AlreadyValid,
    /// It already passes: copied unchanged into the out folder.
    Copied,
    /// `--dry-run`: it already passes and would be copied unchanged into the out folder.
    WouldCopy,
    /// Converted; the output is checked again in `after`.
    Converted,
    /// `--dry-run`: it would be converted.
    WouldConvert,
    /// Conversion cannot cure it (truncated, empty, not audio, unreadable): left alone.
    CannotFix,
    /// Conversion was tried and failed (the file does not decode): left alone.
    Failed,
    /// Something is in the way (an entry at the output, backup or temporary name, another input
    /// with the same output, a symlink out of the named folder): left alone, nothing written.
    Refused,
}

/// One property of a prompt that conversion changes: what the input had, what the output has.
/// Reports format these (`44.1 kHz -> 16 kHz`, `mu-law -> PCM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Change {
    /// The container, by its short name: `mp3` -> `wav`.
    Container {
        /// The input's.
        from: String,
        /// The output's.
        to: String,
    },
    /// The WAV codec: `pcm_mulaw`, `pcm_alaw`, `adpcm_ima_wav`, `pcm_f32le` ... -> `pcm_s16le`.
    Codec {
        /// The input's.
        from: String,
        /// The output's.
        to: String,
    },
    /// The fmt chunk itself: `extensible` (WAVE_FORMAT_EXTENSIBLE) or `inconsistent` (fields
    /// that disagree) -> `plain` (format tag 1, consistent sizes).
    Header {
        /// The input's.
        from: String,
        /// The output's.
        to: String,
    },
    /// Bits per sample (of linear PCM or float samples).
    BitDepth {
        /// The input's.
        from: u16,
        /// The output's.
        to: u16,
    },
    /// Samples per second.
    SampleRate {
        /// The input's.
        from: u32,
        /// The output's.
        to: u32,
    },
    /// Channel count.
    Channels {
        /// The input's.
        from: u16,
        /// The output's.
        to: u16,
    },
    /// The file name's extension, when the content is WAV already under another name: `mp3` ->
    /// `wav` (the samples are written unchanged).
    Extension {
        /// The input's.
        from: String,
        /// The output's.
        to: String,
    },
}

/// Whether a WAV codec name is linear integer PCM.
fn is_int_pcm(codec: &str) -> bool {
    codec == "pcm_u8" || codec.starts_with("pcm_s") || codec.starts_with("pcm (")
}

/// What conversion into 16 kHz mono 16-bit PCM WAV changes, from what the input's check found
/// (`audio`, `findings`) and, once decoded, the rate and channel count the decoder saw.
fn changes(
    input: &Path,
    audio: Option<&crate::report::AudioInfo>,
    findings: &[Finding],
    decoded: Option<(u32, u16)>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let Some(a) = audio else {
        return out;
    };
    let wav = a.container == "wav";
    let codec = a.codec.as_deref().unwrap_or_default();
    let float = codec.starts_with("pcm_f") || codec.starts_with("float");
    if !wav {
        out.push(Change::Container {
            from: a.container.clone(),
            to: "wav".to_owned(),
        });
    } else if !codec.is_empty() && !is_int_pcm(codec) {
        out.push(Change::Codec {
            from: codec.to_owned(),
            to: "pcm_s16le".to_owned(),
        });
    }
    // Bits mean sample resolution only for linear samples (mu-law's 8 bits encode more).
    let linear = !wav || is_int_pcm(codec) || float;
    if let Some(bits) = a.bits_per_sample.filter(|&b| linear && b != 16) {
        out.push(Change::BitDepth { from: bits, to: 16 });
    }
    let rate = decoded.map(|d| d.0).or(a.sample_rate);
    if let Some(rate) = rate.filter(|&r| r != 16_000) {
        out.push(Change::SampleRate {
            from: rate,
            to: 16_000,
        });
    }
    let channels = decoded.map(|d| d.1).or(a.channels);
    if let Some(ch) = channels.filter(|&c| c != 1) {
        out.push(Change::Channels { from: ch, to: 1 });
    }
    let header = |rule| findings.iter().any(|f| f.rule == rule);
    if wav && header(Rule::ExtensibleHeader) {
        out.push(Change::Header {
            from: "extensible".to_owned(),
            to: "plain".to_owned(),
        });
    } else if wav && header(Rule::HeaderInconsistent) {
        out.push(Change::Header {
            from: "inconsistent".to_owned(),
            to: "plain".to_owned(),
        });
    }
    // WAV under another name: the name is what changes.
    if wav && header(Rule::ExtensionMismatch) {
        out.push(Change::Extension {
            from: crate::walk::extension_of(input)
                .unwrap_or_default()
                .into_owned(),
            to: "wav".to_owned(),
        });
    }
    out
}

/// An input `--in-place` converted under a new name (`hold.mp3` -> `hold.wav`): every config
/// and code that names `from` must now name `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    /// The old name (gone).
    pub from: String,
    /// The new name.
    pub to: String,
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
    /// The output has another file name than the input (`hold.mp3` became, or with `--dry-run`
    /// would become, `hold.wav`, in place or in the out folder): references to the input must
    /// be updated.
    pub renamed: bool,
    /// What conversion changes (or would change), before and after.
    pub changes: Vec<Change>,
    /// Why it was not converted, or why conversion failed.
    pub reason: Option<String>,
    /// What the input's check found.
    pub before: Vec<Finding>,
    /// The conversion's details.
    pub conversion: Option<ConversionInfo>,
    /// The check of the output.
    pub after: Option<CheckResult>,
    /// With a sound cure asked for: what it measured and did (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leveling: Option<Leveling>,
}

impl FixResult {
    /// Whether this input ends the run in a good state: valid already, or converted into a file
    /// that passes (or would be converted).
    pub fn is_ok(&self) -> bool {
        match self.action {
            FixAction::AlreadyValid
            | FixAction::Copied
            | FixAction::WouldCopy
            | FixAction::WouldConvert => true,
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
    /// Passing, and copied unchanged into the out folder (or would be, with `--dry-run`).
    pub copied: usize,
    /// Left alone because they pass (and were not to be copied).
    pub already_valid: usize,
    /// Converted under a new file name, in place or into the out folder (listed in
    /// [`FixReport::renamed`]).
    pub renamed: usize,
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
    /// The inputs converted under a new file name (or that would be, with `--dry-run`), in
    /// place or into the out folder, in input order: every reference to `from`'s name must be
    /// changed to `to`'s.
    pub renamed: Vec<Rename>,
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
        .is_some_and(|a| !crate::header::sniff::is_audio_name(&a.container));
    for f in &result.findings {
        let blocking = matches!(f.rule, Rule::Unreadable | Rule::Malformed | Rule::NoAudio)
            || (f.rule == Rule::NotWav && not_audio);
        if blocking {
            return Err(format!("{}: {}", f.rule, f.message));
        }
    }
    // What check fails and conversion does not cure is not fixed: `fix` never calls valid, or
    // copies as valid, an input that `check` fails.
    if let Some(f) = result
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error && !f.rule.cured_by_conversion())
    {
        return Err(format!("{}: {}", f.rule, f.message));
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

/// `NAME.orig` beside `path` (the full name: `menu.wav.orig`).
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".orig");
    path.with_file_name(name)
}

/// A path as the file system sees it, to tell whether two names are one: the canonical form of
/// the deepest folder above it that exists, plus the rest (the last component is never
/// followed), case-folded where file systems usually ignore case.
fn identity(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let key = abs
        .ancestors()
        .skip(1)
        .find_map(|dir| {
            let rest = abs.strip_prefix(dir).ok()?;
            fs::canonicalize(dir).ok().map(|c| c.join(rest))
        })
        .unwrap_or(abs);
    #[cfg(any(windows, target_os = "macos"))]
    let key = PathBuf::from(key.to_string_lossy().to_lowercase());
    key
}

/// A file the walk found, with where its output goes.
struct Found {
    path: PathBuf,
    /// Its path below the named folder (its name, when named directly).
    rel: PathBuf,
    /// In place: why it may not be rewritten (its folder lies outside the named folder).
    outside: Option<String>,
}

/// For in-place runs: finds the files inside a named folder whose own folder lies outside it,
/// reached through a symlinked folder. Every write of an in-place conversion (the output, its
/// temporary file, the backup) goes into the input's folder.
#[derive(Default)]
struct Containment {
    roots: HashMap<usize, Option<PathBuf>>,
    folders: HashMap<(usize, PathBuf), bool>,
}

impl Containment {
    fn check(&mut self, index: usize, root: &Path, file: &Path) -> Option<String> {
        // A file named directly is written beside, as asked.
        if file == root {
            return None;
        }
        let root_canon = self
            .roots
            .entry(index)
            .or_insert_with(|| fs::canonicalize(root).ok());
        let dir = write::folder_of(file).to_path_buf();
        let inside = *self
            .folders
            .entry((index, dir))
            .or_insert_with_key(|(_, dir)| match (&root_canon, fs::canonicalize(dir)) {
                (Some(r), Ok(d)) => d.starts_with(r),
                _ => false,
            });
        (!inside).then(|| format!("reached through a symlink outside {}", path_to_string(root)))
    }
}

/// The folder a run writes into (`--out DIR`, `--backup-dir DIR`) when it lies inside a folder
/// named as input: what the walk finds there is this run's (or an earlier run's) output, not a
/// prompt to fix. Taken as input, every run would copy the last one's output into itself again
/// (`out/out/out/...`), and refuse what it had copied before.
struct OwnOutput {
    /// The folder written into, resolved (`None` when it does not exist yet).
    dir: Option<PathBuf>,
    /// For each input index: whether the folder written into is strictly inside it.
    roots: HashMap<usize, bool>,
    /// For each folder holding a file found: whether it is inside the folder written into.
    folders: HashMap<PathBuf, bool>,
}

impl OwnOutput {
    fn new(fix: &FixOptions) -> OwnOutput {
        OwnOutput {
            dir: subfolders_under(fix).and_then(|d| fs::canonicalize(d).ok()),
            roots: HashMap::new(),
            folders: HashMap::new(),
        }
    }

    /// Whether `file`, found by walking the input `root` (number `index`), is in the folder
    /// written into, that folder being inside `root`.
    fn holds(&mut self, index: usize, root: &Path, file: &Path) -> bool {
        let Some(dir) = &self.dir else {
            return false;
        };
        if file == root {
            return false;
        }
        let inside_root = *self.roots.entry(index).or_insert_with(|| {
            fs::canonicalize(root).is_ok_and(|r| dir.starts_with(&r) && *dir != r)
        });
        inside_root
            && *self
                .folders
                .entry(write::folder_of(file).to_path_buf())
                .or_insert_with_key(|f| fs::canonicalize(f).is_ok_and(|c| c.starts_with(dir)))
    }
}

/// A conversion to do, once nothing is in its way.
struct Job {
    input: PathBuf,
    dest: PathBuf,
    /// [`identity`] of `dest`.
    key: PathBuf,
    /// The input's folder below the folder named: where, below the out folder or the backup
    /// folder, its output or backup goes.
    rel_dir: PathBuf,
    backup: Option<PathBuf>,
    /// [`identity`] of `backup`.
    backup_key: Option<PathBuf>,
    /// In place under the input's own name: the input's entry is what the output replaces.
    over_input: bool,
    /// A valid input copied unchanged into the out folder, not converted.
    copy: bool,
    /// In place under another name.
    renamed: bool,
    /// What the input's check read from its header.
    audio: Option<crate::report::AudioInfo>,
    /// It passes: left alone unless a sound cure is needed.
    keep: bool,
    /// Pass 1's measurements, when a sound cure is asked for.
    measured: Option<Measured>,
    /// The sound cure to apply while converting.
    plan: Option<Plan>,
}

/// Checks one input and decides what to do with it; a conversion to do is returned as a job.
fn plan_one(found: &Found, check: &CheckOptions, fix: &FixOptions) -> (FixResult, Option<Job>) {
    let path = &found.path;
    let before = check_file(path, check);
    let mut result = FixResult {
        input: before.input.clone(),
        action: FixAction::AlreadyValid,
        output: None,
        backup: None,
        renamed: false,
        reason: None,
        before: before.findings.clone(),
        changes: Vec::new(),
        conversion: None,
        after: None,
        leveling: None,
    };
    // Sound cures are for audio: an SSML prompt (no audio facts) is left to the format plan.
    let cures = fix.audio.any() && before.audio.is_some();
    let (copy, keep) = match plan(&before) {
        Ok(false) if fix.copies() => (true, false),
        // Valid, but a sound cure may be needed: measured before it is left alone.
        Ok(false) if cures => (false, true),
        Ok(false) => return (result, None),
        Ok(true) => (false, false),
        Err(reason) => {
            result.action = FixAction::CannotFix;
            result.reason = Some(reason);
            return (result, None);
        }
    };
    let measured = if cures {
        match level::measure(path, check.silence_db) {
            Ok(m) => Some(m),
            Err(e) => {
                result.action = FixAction::Failed;
                result.reason = Some(format!("cannot measure it: {e}"));
                return (result, None);
            }
        }
    } else {
        None
    };
    let dest = match (&fix.mode, copy) {
        (FixMode::OutDir(dir), true) => dir.join(&found.rel),
        _ => destination(path, &found.rel, &fix.mode),
    };
    result.output = Some(path_to_string(&dest));
    if !copy && !keep {
        result.changes = changes(path, before.audio.as_ref(), &before.findings, None);
    }
    let in_place = matches!(fix.mode, FixMode::InPlace { .. });
    let backup = match &fix.mode {
        FixMode::InPlace {
            backup: Backup::Beside,
        } => Some(backup_path(path)),
        FixMode::InPlace {
            backup: Backup::Into(dir),
        } => Some(backup_path(&dir.join(&found.rel))),
        _ => None,
    };
    result.backup = backup.as_deref().map(path_to_string);
    if let Some(why) = &found.outside {
        refuse(&mut result, why.clone());
        return (result, None);
    }
    let key = identity(&dest);
    let over_input = key == identity(path);
    if over_input && !in_place {
        let why = if copy {
            "the copy would be the input itself; choose another --out DIR"
        } else {
            "the output would replace the input; use --in-place"
        };
        refuse(&mut result, why.to_owned());
        return (result, None);
    }
    // In place or in an out folder, a prompt that changes its name (`hold.mp3` -> `hold.wav`)
    // must have every reference to it changed: the app still names the old file.
    let renamed = !copy && dest.file_name() != path.file_name();
    let rel_dir = found
        .rel
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let job = Job {
        input: path.clone(),
        dest,
        key,
        rel_dir,
        backup_key: backup.as_deref().map(identity),
        backup,
        over_input,
        copy,
        renamed,
        audio: before.audio,
        keep,
        measured,
        plan: None,
    };
    (result, Some(job))
}

/// The median of the loudness measured, for `--match-set`.
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 0 => Some((values[mid - 1] + values[mid]) / 2.0),
        _ => Some(values[mid]),
    }
}

/// Decides each measured job's sound cure (with `--match-set`, aiming at the median loudness of
/// every prompt measured). A valid prompt that needs one is converted (into the out folder, as
/// `.wav`); one that needs none stays as it was planned (copied, or left alone).
fn decide_cures(
    planned: &mut [(FixResult, Option<Job>)],
    fix: &FixOptions,
    on_done: &(dyn Fn(&FixResult) + Sync),
) {
    let target = if fix.audio.match_set {
        let mut all: Vec<f64> = planned
            .iter()
            .filter_map(|(_, j)| j.as_ref()?.measured.as_ref()?.loudness())
            .collect();
        median(&mut all)
    } else {
        fix.audio.loudness
    };
    planned.par_iter_mut().for_each(|(result, slot)| {
        let Some(job) = slot.as_mut() else {
            return;
        };
        let Some(m) = job.measured.take() else {
            return;
        };
        match level::decide(&job.input, &m, &fix.audio, target) {
            Ok(plan) => {
                let cure = plan.leveling.changes();
                result.leveling = Some(plan.leveling.clone());
                if cure {
                    let was_valid = job.copy || job.keep;
                    if job.copy {
                        job.copy = false;
                        job.dest = job.dest.with_extension("wav");
                        job.key = identity(&job.dest);
                        result.output = Some(path_to_string(&job.dest));
                    }
                    if was_valid {
                        result.changes =
                            changes(&job.input, job.audio.as_ref(), &result.before, None);
                    }
                    job.keep = false;
                    job.plan = Some(plan);
                }
            }
            Err(e) => {
                result.action = FixAction::Failed;
                result.reason = Some(format!("cannot measure it: {e}"));
                *slot = None;
                on_done(result);
                return;
            }
        }
        if job.keep {
            // Valid, and no cure needed: left alone.
            result.output = None;
            result.backup = None;
            *slot = None;
            on_done(result);
        }
    });
}

fn refuse(result: &mut FixResult, why: String) {
    result.action = FixAction::Refused;
    result.reason = Some(why);
}

/// Refuses every input whose output (or backup) is another input's output (or backup), naming
/// the others.
fn refuse_collisions(
    planned: &mut [(FixResult, Option<Job>)],
    on_done: &(dyn Fn(&FixResult) + Sync),
) {
    let mut by_dest: HashMap<&Path, Vec<usize>> = HashMap::new();
    let mut by_backup: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (i, (_, job)) in planned.iter().enumerate() {
        if let Some(job) = job {
            by_dest.entry(&job.key).or_default().push(i);
            if let Some(b) = &job.backup_key {
                by_backup.entry(b).or_default().push(i);
            }
        }
    }
    let mut refusals: Vec<(usize, String)> = Vec::new();
    let others = |group: &[usize], i: usize| -> String {
        let names: Vec<&str> = group
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| planned[j].0.input.as_str())
            .collect();
        names.join(", ")
    };
    for group in by_dest.values().filter(|g| g.len() > 1) {
        for &i in group {
            let output = planned[i].0.output.as_deref().unwrap_or_default();
            refusals.push((
                i,
                format!(
                    "{} would be written to the same output {output}; rename one of them",
                    others(group, i)
                ),
            ));
        }
    }
    for group in by_backup.values().filter(|g| g.len() > 1) {
        for &i in group {
            if refusals.iter().any(|(j, _)| *j == i) {
                continue;
            }
            let backup = planned[i].0.backup.as_deref().unwrap_or_default();
            refusals.push((
                i,
                format!(
                    "{} would be backed up to the same {backup}; name their folder instead of \
                     the files, or rename one of them",
                    others(group, i)
                ),
            ));
        }
    }
    for (i, why) in refusals {
        let (result, job) = &mut planned[i];
        *job = None;
        refuse(result, why);
        on_done(result);
    }
}

/// The folder named by the user below which a job's write (the output under `--out`, the
/// backup under `--backup-dir`) creates the input's subfolders: none of them may be a symlink.
fn subfolders_under(fix: &FixOptions) -> Option<&Path> {
    match &fix.mode {
        FixMode::OutDir(dir)
        | FixMode::InPlace {
            backup: Backup::Into(dir),
        } => Some(dir),
        FixMode::InPlace { .. } => None,
    }
}

/// Checks every name a job needs before anything is written: the folders under `--out`, the
/// temporary name, the backup name and the output. Returns the file the output replaces (whose
/// permissions it keeps), if any.
fn preflight(job: &Job, fix: &FixOptions) -> Result<Option<fs::Metadata>, WriteError> {
    if let Some(dir) = subfolders_under(fix) {
        write::folders_inside(dir, &job.rel_dir, false)?;
    }
    write::ensure_no_leftover(&job.dest)?;
    if let Some(b) = &job.backup {
        write::ensure_free(b)?;
    }
    let original = || {
        let meta = fs::metadata(&job.input).map_err(|error| WriteError::Io {
            path: job.dest.clone(),
            error,
        })?;
        write::ensure_replaceable(&job.input, &meta)?;
        Ok(Some(meta))
    };
    if job.over_input {
        return original();
    }
    match (&fix.mode, write::existing_file(&job.dest)?) {
        // In place, `x.mp3` becomes `x.wav`: the new file replaces the original.
        (FixMode::InPlace { .. }, None) => original(),
        (FixMode::OutDir(_), None) => Ok(None),
        (FixMode::OutDir(_), Some(meta)) if fix.overwrite => {
            write::ensure_replaceable(&job.dest, &meta)?;
            Ok(Some(meta))
        }
        (_, Some(_)) => Err(WriteError::Taken {
            path: job.dest.clone(),
            kind: EntryKind::File,
        }),
    }
}

/// The reason for a refusal of the output name, saying what would help.
/// The remedy named is one that works in the mode used (`--overwrite` only with `--out`).
fn refusal_reason(e: &WriteError, job: &Job, fix: &FixOptions, inputs: &HashSet<&Path>) -> String {
    let WriteError::Taken {
        path,
        kind: EntryKind::File,
    } = e
    else {
        return e.to_string();
    };
    if Some(path) == job.backup.as_ref() {
        let elsewhere = match &fix.mode {
            FixMode::InPlace {
                backup: Backup::Into(_),
            } => "choose another --backup-dir, or run with --no-backup",
            _ => "or run with --backup-dir DIR or --no-backup",
        };
        return format!(
            "{e} (a backup kept by an earlier run?); the backup is never replaced: move or \
             delete it, {elsewhere}"
        );
    }
    if *path != job.dest {
        return e.to_string();
    }
    if inputs.contains(path.as_path()) {
        return format!("{e}: it is another input; rename one of them");
    }
    match fix.mode {
        FixMode::OutDir(_) if !fix.overwrite => format!("{e} (--overwrite replaces it)"),
        FixMode::InPlace { .. } => format!(
            "{e}; --in-place never replaces a file it did not convert: move or delete it, or \
             write the converted files into a folder with --out DIR"
        ),
        FixMode::OutDir(_) => e.to_string(),
    }
}

/// Runs one job: checks its names, then converts (unless a dry run) and checks the output.
/// Returns the folder written to, which is still to be flushed.
fn run_job(
    result: &mut FixResult,
    job: &Job,
    check: &CheckOptions,
    fix: &FixOptions,
    inputs: &HashSet<&Path>,
) -> Option<PathBuf> {
    let not_written = |result: &mut FixResult, e: WriteError| {
        result.action = if e.is_refusal() {
            FixAction::Refused
        } else {
            FixAction::Failed
        };
        result.reason = Some(refusal_reason(&e, job, fix, inputs));
        if result.action == FixAction::Failed {
            result.backup = None;
        }
    };
    let like = match preflight(job, fix) {
        Ok(like) => like,
        Err(e) => {
            not_written(result, e);
            return None;
        }
    };
    if job.copy {
        if fix.dry_run {
            result.action = FixAction::WouldCopy;
            return None;
        }
        let replace = like.is_some();
        let copied = subfolders_under(fix)
            .map_or(Ok(()), |dir| write::folders_inside(dir, &job.rel_dir, true))
            .and_then(|()| write::copy_file(&job.input, &job.dest, like, replace));
        return match copied {
            Ok(committed) => {
                result.action = FixAction::Copied;
                Some(committed.into_folder())
            }
            Err(e) => {
                not_written(result, e);
                None
            }
        };
    }
    if fix.dry_run {
        result.action = FixAction::WouldConvert;
        result.renamed = job.renamed;
        return None;
    }
    match write_converted(job, like, fix) {
        Ok((conversion, folder)) => {
            result.action = FixAction::Converted;
            result.renamed = job.renamed;
            // The decoder's rate and channel count are the facts where the header had none.
            let decoded = Some((conversion.rate_in, conversion.channels_in));
            result.changes = changes(&job.input, job.audio.as_ref(), &result.before, decoded);
            result.conversion = Some(ConversionInfo::from(&conversion));
            result.after = Some(if fix.audio.any() {
                // The cures are checked by the meters that found what they cure.
                check_file(&job.dest, &check.clone().deep(true))
            } else {
                check_file(&job.dest, check)
            });
            Some(folder)
        }
        Err(Failure::NotWritten(e)) => {
            not_written(result, e);
            None
        }
        Err(Failure::Convert(why)) => {
            result.action = FixAction::Failed;
            result.reason = Some(why);
            result.backup = None;
            None
        }
        Err(Failure::AfterWrite(why)) => {
            result.action = FixAction::Failed;
            result.reason = Some(why);
            None
        }
    }
}

/// Why a conversion did not end well.
enum Failure {
    /// A name was in the way, or writing failed: nothing changed.
    NotWritten(WriteError),
    /// The input does not decode: nothing changed.
    Convert(String),
    /// The output is in place (and the backup kept), but a later step failed.
    AfterWrite(String),
}

/// Converts into the temporary file beside the destination, flushes it, keeps the backup, then
/// renames it into place (over the input itself, or over a file `--overwrite` may replace, else
/// only onto a free name) and removes the input when it was converted in place under another
/// name (after flushing the folder, so the new name is on disk before the old one goes). Before
/// the rename every error removes the temporary file and the backup, and nothing else has
/// changed. Returns the folder, still to be flushed.
fn write_converted(
    job: &Job,
    like: Option<fs::Metadata>,
    fix: &FixOptions,
) -> Result<(Conversion, PathBuf), Failure> {
    if let Some(dir) = subfolders_under(fix) {
        write::folders_inside(dir, &job.rel_dir, true).map_err(Failure::NotWritten)?;
    }
    let replace = job.over_input || (like.is_some() && matches!(fix.mode, FixMode::OutDir(_)));
    let mut pending = Pending::create(&job.dest, like).map_err(Failure::NotWritten)?;
    let output = BufWriter::new(pending.file());
    let conversion = match &job.plan {
        Some(plan) => convert_through(&job.input, output, &mut Chain::new(plan)),
        None => convert_file(&job.input, output),
    }
    .map_err(|e| Failure::Convert(e.to_string()))?;
    let backup = match &job.backup {
        Some(b) => Some(write::keep_backup(&job.input, b).map_err(Failure::NotWritten)?),
        None => None,
    };
    let committed = pending.commit(replace).map_err(Failure::NotWritten)?;
    // The output is in place: the backup stays whatever happens next.
    if let Some(b) = backup {
        b.keep();
    }
    let shown = path_to_string(&job.dest);
    // Converting x.mp3 in place writes x.wav: the original goes (its backup, if asked for, stays).
    if matches!(fix.mode, FixMode::InPlace { .. }) && !job.over_input {
        committed
            .sync()
            .map_err(|e| Failure::AfterWrite(format!("wrote {shown} but {e}")))?;
        fs::remove_file(&job.input).map_err(|e| {
            Failure::AfterWrite(format!(
                "wrote {shown} but cannot remove {}: {e}",
                path_to_string(&job.input)
            ))
        })?;
    }
    Ok((conversion, committed.into_folder()))
}

/// Flushes every folder written to once, after all its renames; a folder that cannot be flushed
/// fails the inputs written into it.
fn flush_folders(planned: &mut [(FixResult, Option<Job>)], written: &[Option<PathBuf>]) {
    let mut folders: Vec<&PathBuf> = written.iter().flatten().collect();
    folders.sort();
    folders.dedup();
    let failed: HashMap<&PathBuf, WriteError> = folders
        .into_iter()
        .filter_map(|dir| write::flush_folder(dir).err().map(|e| (dir, e)))
        .collect();
    for ((result, _), folder) in planned.iter_mut().zip(written) {
        if let Some(e) = folder.as_ref().and_then(|f| failed.get(f)) {
            result.action = FixAction::Failed;
            result.reason = Some(format!(
                "wrote {} but {e}",
                result.output.as_deref().unwrap_or_default()
            ));
        }
    }
}

/// Whether an input that is not a file was meant as a URL.
fn is_url(path: &Path) -> bool {
    crate::scan::looks_like_url(&path.to_string_lossy())
}

/// An input that could not be read, as reports show it: a URL redacted (it may carry a SAS
/// signature or a password), a path escaped.
fn shown_input(path: &Path) -> String {
    if is_url(path) {
        crate::remote::display_url(&path.to_string_lossy())
    } else {
        path_to_string(path)
    }
}

/// Fixes every prompt under `inputs` (files and folders), `check.jobs` at a time, calling
/// `on_done` after each; results in input order.
///
/// Every input is checked and planned first; inputs whose outputs collide are refused before
/// anything is written; then the conversions run.
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
    let exclude = crate::scan::exclude_of(check)?;
    let in_place = matches!(fix.mode, FixMode::InPlace { .. });
    let mut containment = Containment::default();
    let mut own_output = OwnOutput::new(fix);
    let mut targets: Vec<Found> = Vec::new();
    let mut problems: Vec<(usize, FixResult)> = Vec::new();
    walk::walk(&paths, &exclude, |i, t| {
        let found = match &t {
            Target::File(p) | Target::Listed(p) | Target::Problem { path: p, .. } => p,
        };
        if own_output.holds(i, &paths[i], found) {
            return;
        }
        on_found();
        match t {
            Target::File(p) | Target::Listed(p) => {
                let root = &paths[i];
                let rel = match p.strip_prefix(root) {
                    Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
                    _ => PathBuf::from(p.file_name().unwrap_or_default()),
                };
                let outside = if in_place {
                    containment.check(i, root, &p)
                } else {
                    None
                };
                targets.push(Found {
                    path: p,
                    rel,
                    outside,
                });
            }
            Target::Problem { path, reason } => problems.push((
                targets.len() + problems.len(),
                FixResult {
                    input: shown_input(&path),
                    action: FixAction::CannotFix,
                    output: None,
                    backup: None,
                    renamed: false,
                    reason: Some(if is_url(&path) {
                        "a URL: fix converts local files; download the prompt, fix it and upload \
                         it again"
                            .to_owned()
                    } else {
                        format!("unreadable: {reason}")
                    }),
                    before: Vec::new(),
                    changes: Vec::new(),
                    conversion: None,
                    after: None,
                    leveling: None,
                },
            )),
        }
    });
    if targets.is_empty() && problems.is_empty() && !exclude.skips_all(&paths) {
        return Err(ScanError::NothingFound(paths));
    }
    let jobs = check.effective_file_jobs();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|source| ScanError::ThreadPool { jobs, source })?;
    let mut planned: Vec<(FixResult, Option<Job>)> = pool.install(|| {
        targets
            .par_iter()
            .map(|found| {
                let (r, job) = plan_one(found, check, fix);
                if job.is_none() {
                    on_done(&r);
                }
                (r, job)
            })
            .collect()
    });
    if fix.audio.any() {
        pool.install(|| decide_cures(&mut planned, fix, on_done));
    }
    refuse_collisions(&mut planned, on_done);
    let input_paths: HashSet<&Path> = targets.iter().map(|f| f.path.as_path()).collect();
    let written: Vec<Option<PathBuf>> = pool.install(|| {
        planned
            .par_iter_mut()
            .map(|(r, job)| {
                let job = job.as_ref()?;
                let folder = run_job(r, job, check, fix, &input_paths);
                on_done(r);
                folder
            })
            .collect()
    });
    flush_folders(&mut planned, &written);
    // Put the unreadable entries back where the walk found them.
    let mut results: Vec<FixResult> = planned.into_iter().map(|(r, _)| r).collect();
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
            FixAction::Copied | FixAction::WouldCopy => summary.copied += 1,
            FixAction::AlreadyValid => summary.already_valid += 1,
            FixAction::CannotFix | FixAction::Failed | FixAction::Refused => summary.not_fixed += 1,
        }
    }
    let renamed: Vec<Rename> = results
        .iter()
        .filter(|r| r.renamed)
        .filter_map(|r| {
            Some(Rename {
                from: r.input.clone(),
                to: r.output.clone()?,
            })
        })
        .collect();
    summary.renamed = renamed.len();
    Ok(FixReport {
        version: 1,
        results,
        renamed,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::AudioInfo;

    fn audio(container: &str, codec: &str, rate: u32, channels: u16, bits: u16) -> AudioInfo {
        AudioInfo {
            container: container.to_owned(),
            codec: Some(codec.to_owned()),
            sample_rate: Some(rate),
            channels: Some(channels),
            bits_per_sample: Some(bits),
            ..AudioInfo::default()
        }
    }

    #[test]
    fn changes_are_what_differs_from_16_khz_mono_16_bit_pcm_wav() {
        let a = audio("wav", "pcm_s24le", 44_100, 2, 24);
        assert_eq!(
            changes(Path::new("x.wav"), Some(&a), &[], None),
            vec![
                Change::BitDepth { from: 24, to: 16 },
                Change::SampleRate {
                    from: 44_100,
                    to: 16_000
                },
                Change::Channels { from: 2, to: 1 },
            ]
        );
        // mu-law's 8 bits are its encoding, not a resolution to report.
        let a = audio("wav", "pcm_mulaw", 8_000, 1, 8);
        assert_eq!(
            changes(Path::new("x.wav"), Some(&a), &[], None),
            vec![
                Change::Codec {
                    from: "pcm_mulaw".to_owned(),
                    to: "pcm_s16le".to_owned()
                },
                Change::SampleRate {
                    from: 8_000,
                    to: 16_000
                },
            ]
        );
        // The decoder's facts win over a header that had none.
        let a = AudioInfo {
            container: "mp3".to_owned(),
            ..AudioInfo::default()
        };
        assert_eq!(
            changes(Path::new("x.wav"), Some(&a), &[], Some((44_100, 2))),
            vec![
                Change::Container {
                    from: "mp3".to_owned(),
                    to: "wav".to_owned()
                },
                Change::SampleRate {
                    from: 44_100,
                    to: 16_000
                },
                Change::Channels { from: 2, to: 1 },
            ]
        );
        let ok = audio("wav", "pcm_s16le", 16_000, 1, 16);
        assert!(changes(Path::new("x.wav"), Some(&ok), &[], None).is_empty());
        assert!(changes(Path::new("x.wav"), None, &[], None).is_empty());
    }
}
