//! The data every check returns: findings, per-input results and the run's report.
//!
//! These types are the JSON schema (`--format json`): field names and meanings are stable within
//! a `version`.

use serde::Serialize;

use crate::rules::{AcsPrediction, Action, Rule, Severity};
use std::path::PathBuf;

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that fired.
    pub rule: Rule,
    /// How serious it is.
    pub severity: Severity,
    /// One line with the actual values, e.g. `44100 Hz; ACS plays 16000 Hz only`.
    pub message: String,
    /// The failure ACS is expected to raise, or `None` when ACS is not expected to fail.
    pub acs: Option<AcsPrediction>,
    /// What to do about it, in our words (often an exact command).
    pub advice: String,
    /// For a text input (an SSML document), the 1-based line the finding is about (the first,
    /// when it is about several); `None` otherwise. For an SSML string found in a file, the line
    /// in that file (where escaped line breaks make the string's lines differ from the file's,
    /// the line the string starts on).
    pub line: Option<u32>,
}

impl Finding {
    /// Whether the finding counts towards the summary's warnings and the exit status: every
    /// finding does but a `url-not-checked` warning, which says what `--offline` did not check.
    /// (Set to `error` in `[rules]`, it counts.)
    pub fn counts(&self) -> bool {
        !(self.rule == Rule::UrlNotChecked && self.severity == Severity::Warning)
    }

    /// A finding of `rule` at its default severity, with the rule's generic advice.
    pub fn new(rule: Rule, action: Action, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            acs: rule.prediction(action),
            advice: rule.info().advice.to_owned(),
            line: None,
        }
    }

    /// The finding, about line `line` of its input.
    pub fn at_line(mut self, line: Option<u32>) -> Self {
        self.line = line;
        self
    }

    /// Replaces the advice with a more specific one.
    pub fn with_advice(mut self, advice: impl Into<String>) -> Self {
        self.advice = advice.into();
        self
    }

    /// The ACS failure as the human report ends a finding's line: ` (ACS 400 Play Failed,
    /// subcode 8535)` for an error, ` (may cause ...)` for a warning, nothing when ACS plays it.
    pub fn acs_suffix(&self) -> String {
        match (&self.acs, self.severity) {
            (Some(acs), Severity::Error) => format!(" ({acs})"),
            (Some(acs), Severity::Warning) => format!(" (may cause {acs})"),
            (None, _) => String::new(),
        }
    }
}

/// As in the human report: `error[sample-rate] 44100 Hz; ACS plays 16000 Hz only (ACS 400 Play
/// Failed, subcode 8535)`, control characters from the input escaped.
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}[{}] {}{}",
            self.severity,
            self.rule,
            crate::display::escape_text(&self.message),
            self.acs_suffix()
        )
    }
}

/// The verdict on one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No findings.
    Pass,
    /// Only warnings.
    Warn,
    /// At least one error.
    Fail,
}

impl Status {
    /// The status a list of findings earns.
    pub fn of(findings: &[Finding]) -> Status {
        match findings.iter().map(|f| f.severity).max() {
            None => Status::Pass,
            Some(Severity::Warning) => Status::Warn,
            Some(Severity::Error) => Status::Fail,
        }
    }
}

/// What the header says about the audio, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AudioInfo {
    /// The container, e.g. `wav`, `mp3`, `flac`, `html`.
    pub container: String,
    /// The codec, e.g. `pcm_s16le`, `pcm_f32le`, `mp3`; `None` when unknown.
    pub codec: Option<String>,
    /// Samples per second.
    pub sample_rate: Option<u32>,
    /// Channel count.
    pub channels: Option<u16>,
    /// Bits per sample as the header states them.
    pub bits_per_sample: Option<u16>,
    /// Duration in whole milliseconds, from the data length.
    pub duration_ms: Option<u64>,
    /// The size of the file in bytes; `None` for a URL whose server did not say.
    pub size_bytes: Option<u64>,
    /// `--deep`: the highest sample level, in dBFS.
    pub peak_dbfs: Option<f64>,
    /// `--deep`: the true peak (ITU-R BS.1770-4 annex 2, four times oversampled), in dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// `--deep`: the RMS level over all samples, in dBFS.
    pub rms_dbfs: Option<f64>,
    /// `--deep`: integrated loudness (ITU-R BS.1770 / EBU R128), in LUFS; `None` for silence.
    pub loudness_lufs: Option<f64>,
    /// `--deep`: silence at the start, in milliseconds.
    pub leading_silence_ms: Option<u64>,
    /// `--deep`: silence at the end, in milliseconds.
    pub trailing_silence_ms: Option<u64>,
}

/// Where an input was written: a config or source file and line (for URLs found by
/// `--extract-from`, or listed in `--urls-from`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// The file, as given (non-UTF-8 bytes escaped as `\xNN`).
    pub file: String,
    /// The 1-based line; 0 when the source is a whole file (the local copy of a deployed
    /// prompt, `--deployed-at`).
    pub line: usize,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => f.write_str(&self.file),
            line => write!(f, "{}:{line}", self.file),
        }
    }
}

/// What happened on the wire when a URL was checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HttpInfo {
    /// The final HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The URL that answered last, after redirects (credentials redacted).
    pub final_url: String,
    /// Redirects followed.
    pub redirects: u32,
    /// Requests repeated after a 429, 5xx, 408 or a reset connection.
    pub retries: u32,
    /// Bytes of body read (never more than 64 KiB).
    pub bytes_read: u64,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<String>,
}

/// The result of checking one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// The input as given or found: a path (non-UTF-8 bytes escaped as `\xNN`) or a URL (SAS
    /// signature redacted).
    pub input: String,
    /// Where the input was written, for URLs read from files; empty otherwise.
    pub sources: Vec<Source>,
    /// Pass, warn or fail.
    pub status: Status,
    /// What the header says, when the input could be read and identified.
    pub audio: Option<AudioInfo>,
    /// For a URL: the requests made and the final answer; `None` for files.
    pub http: Option<HttpInfo>,
    /// Every problem found, in the order the checks ran.
    pub findings: Vec<Finding>,
    /// For an SSML input: the `audio src` URLs that pass the static checks, each with where it
    /// is written. A [`crate::Scan`] checks each as an input of its own; no report shows this.
    #[serde(skip)]
    pub(crate) speech_audio: Vec<(String, Source)>,
}

impl CheckResult {
    /// A result whose status is derived from its findings.
    pub fn new(input: String, audio: Option<AudioInfo>, findings: Vec<Finding>) -> Self {
        CheckResult {
            input,
            sources: Vec::new(),
            status: Status::of(&findings),
            audio,
            http: None,
            findings,
            speech_audio: Vec::new(),
        }
    }

    /// Whether any finding has this rule.
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }

    /// The rule ids of the findings, in order.
    pub fn rules(&self) -> Vec<Rule> {
        self.findings.iter().map(|f| f.rule).collect()
    }
}

/// As in the human report, so a failing test shows what failed: one line per finding
/// (`prompts/a.wav: error[sample-rate] ...`), or `prompts/a.wav: pass`.
impl std::fmt::Display for CheckResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let input = crate::display::escape_text(&self.input);
        if self.findings.is_empty() {
            return write!(f, "{input}: pass");
        }
        for (i, finding) in self.findings.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{input}: {finding}")?;
        }
        Ok(())
    }
}

/// A file or folder inside a walked folder that is not checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The path as found.
    pub path: PathBuf,
    /// Why it is not checked.
    pub reason: SkipReason,
}

/// Why the walk passed over an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SkipReason {
    /// It matches an `exclude` pattern (a folder is skipped whole).
    Excluded {
        /// The first pattern it matches.
        pattern: String,
    },
    /// A file whose extension is not an audio extension ([`crate::AUDIO_EXTENSIONS`]).
    NotAudio,
    /// A FIFO, socket or device, never opened.
    Special {
        /// What it is, e.g. `a FIFO`.
        kind: &'static str,
    },
    /// A link to a folder that is already being walked.
    Loop,
    /// A link to a folder outside the folder named: not followed, so a repository cannot send
    /// the walk across the machine (a link to `/`). Name that folder to check it.
    LinkOutside,
    /// It could not be read (only entries without an audio extension; others are findings).
    Unreadable {
        /// Why.
        error: String,
    },
}

impl Skipped {
    /// True for entries left out by an `exclude` pattern, false for the rest.
    pub fn is_excluded(&self) -> bool {
        matches!(self.reason, SkipReason::Excluded { .. })
    }
}

/// The reason in words, e.g. `matches drafts/**`, `not an audio file extension`.
impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Excluded { pattern } => write!(f, "matches {pattern}"),
            SkipReason::NotAudio => f.write_str("not an audio file extension"),
            SkipReason::Special { kind } => write!(f, "it is {kind}; only regular files are read"),
            SkipReason::Loop => f.write_str("a link back into a folder being walked"),
            SkipReason::LinkOutside => f.write_str(
                "a link to a folder outside the folder named; not followed: name that folder to \
                 check it",
            ),
            SkipReason::Unreadable { error } => write!(f, "cannot read it: {error}"),
        }
    }
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Inputs checked.
    pub checked: usize,
    /// Inputs with no findings.
    pub passed: usize,
    /// Inputs with warnings only.
    pub warned: usize,
    /// Inputs with at least one error.
    pub failed: usize,
    /// Error findings over all inputs.
    pub errors: usize,
    /// Warning findings over all inputs.
    pub warnings: usize,
    /// Files and folders inside the walked folders passed over for another reason than
    /// `exclude`: not an audio file, special files, links back into the walk.
    pub skipped: usize,
    /// Files and folders inside the walked folders left out by an `exclude` pattern.
    pub excluded: usize,
    /// URLs left out by a URL ignore pattern, each place counted: those `--extract-from` and
    /// `--urls-from` found ([`crate::Scan::with_ignored`]) and SSML `audio src` URLs.
    pub ignored: usize,
}

impl Summary {
    /// Counts the results.
    pub fn of(results: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(r);
        }
        s
    }

    /// Counts one more result.
    pub fn add(&mut self, r: &CheckResult) {
        self.checked += 1;
        match r.status {
            Status::Pass => self.passed += 1,
            Status::Warn => self.warned += 1,
            Status::Fail => self.failed += 1,
        }
        for f in &r.findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning if f.counts() => self.warnings += 1,
                Severity::Warning => {}
            }
        }
    }

    /// Counts one more entry the walk passed over.
    pub fn add_skipped(&mut self, s: &Skipped) {
        if s.is_excluded() {
            self.excluded += 1;
        } else {
            self.skipped += 1;
        }
    }

    /// True when some finding is at least as severe as `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        match fail_on {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
        }
    }
}

/// Everything a run found, in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The schema version of this document; bumped only on incompatible changes.
    pub version: u32,
    /// One result per input, sorted by input.
    pub results: Vec<CheckResult>,
    /// Counts over `results`.
    pub summary: Summary,
}

impl Report {
    /// The current schema version.
    pub const VERSION: u32 = 1;

    /// A report over `results`, kept in the given order.
    pub fn new(results: Vec<CheckResult>) -> Self {
        let summary = Summary::of(&results);
        Report {
            version: Self::VERSION,
            results,
            summary,
        }
    }

    /// True when no input failed (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.summary.failed == 0
    }

    /// True when some finding is at least as severe as `fail_on`: the run should exit 1.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.summary.fails(fail_on)
    }

    /// The result for an input, by its displayed name.
    pub fn result(&self, input: &str) -> Option<&CheckResult> {
        self.results.iter().find(|r| r.input == input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_like_the_human_report() {
        let error = Finding::new(
            Rule::SampleRate,
            Action::Play,
            "44100 Hz; ACS plays 16000 Hz only",
        );
        assert_eq!(
            error.to_string(),
            "error[sample-rate] 44100 Hz; ACS plays 16000 Hz only (ACS 400 Play Failed, subcode 8535)"
        );
        let mut warning = Finding::new(Rule::SampleRate, Action::Recognize, "x\u{1b}[2J");
        warning.severity = Severity::Warning;
        assert_eq!(
            warning.to_string(),
            "warning[sample-rate] x\\x1B[2J (may cause ACS 500 Recognize Failed, subcode 8511)"
        );
        let r = CheckResult::new("p/a.wav".to_owned(), None, vec![error, warning]);
        assert_eq!(r.to_string().lines().count(), 2);
        assert!(r
            .to_string()
            .starts_with("p/a.wav: error[sample-rate] 44100 Hz"));
        assert_eq!(
            CheckResult::new("p/b.wav".to_owned(), None, Vec::new()).to_string(),
            "p/b.wav: pass"
        );
    }
}
