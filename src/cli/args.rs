//! Command-line arguments.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::limits;
use clap::{Parser, Subcommand, ValueEnum};

/// Catch broken audio prompts before Azure Communication Services plays them.
///
/// ACS Call Automation plays WAV prompts of 16-bit PCM, mono, 16 kHz. acs-preflight reads the
/// header of every prompt, checks it strictly and reports each problem with the ACS failure it
/// would cause.
#[derive(Debug, Parser)]
#[command(name = "acs-preflight", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check prompt files, folders and URLs.
    ///
    /// Exit status: 0 when no input failed, 1 when any did, 2 when the check could not run.
    Check(Box<CheckArgs>),
    /// List the rules: id, default severity, ACS failure and advice.
    Rules(RulesArgs),
    /// Explain one rule in full: when it fires, what ACS does, how to fix it.
    Explain(ExplainArgs),
    /// Convert failing prompts into WAV files ACS plays (16-bit PCM, mono, 16 kHz).
    ///
    /// Prompts that already pass are left alone; prompts conversion cannot cure (truncated,
    /// empty, not audio) are reported and left alone. Exit status as for `check`.
    Fix(FixArgs),
}

/// Arguments of `fix`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["out", "in_place"])))]
pub struct FixArgs {
    /// Files and folders to fix (folders are searched recursively for audio files). Default:
    /// `inputs` from the config file.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write a deployable prompts folder into DIR, keeping the inputs' folder layout: converted
    /// prompts (named .wav) and, unless --only-changed, valid prompts copied unchanged. Prompts
    /// that cannot be fixed are not copied.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Replace the originals (NAME.mp3 becomes NAME.wav: the report lists every rename), keeping
    /// each original as NAME.EXT.orig (e.g. menu.wav.orig) unless --no-backup or --backup-dir.
    #[arg(long)]
    pub in_place: bool,

    /// With --in-place: keep no .orig copy of the originals.
    #[arg(long, conflicts_with_all = ["out", "backup_dir"])]
    pub no_backup: bool,

    /// With --in-place: keep the .orig copies in DIR (created if missing, keeping the folder
    /// layout) instead of beside the prompts.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub backup_dir: Option<PathBuf>,

    /// With --out: replace regular files that already exist in DIR (never a symlink or folder).
    #[arg(long, requires = "out", conflicts_with = "in_place")]
    pub overwrite: bool,

    /// With --out: write only the converted prompts; do not copy valid ones.
    #[arg(long, requires = "out", conflicts_with = "in_place")]
    pub only_changed: bool,

    /// Show what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FixFormat::Human)]
    pub format: FixFormat,

    /// Treat MP3 files with an ID3v2 tag as valid (left alone).
    #[arg(long)]
    pub allow_mp3: bool,

    /// Files converted in parallel [default: one per CPU].
    #[arg(short, long, value_name = "N", value_parser = |s: &str| limits::JOBS.parse(s))]
    pub jobs: Option<f64>,

    /// Skip files and folders matching this glob inside the folders walked (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Apply --exclude (and the config's exclude) to files and folders named here too.
    #[arg(long)]
    pub force_exclude: bool,

    /// Bring every prompt's integrated loudness (BS.1770, as --deep measures it) to LUFS with
    /// one gain; a look-ahead limiter holds true peaks at or below --true-peak-db. Prompts
    /// already within 0.1 LU and under the ceiling are left alone (e.g. -16).
    #[arg(long, value_name = "LUFS", allow_negative_numbers = true, value_parser = |s: &str| limits::LOUDNESS.parse(s))]
    pub loudness: Option<f64>,

    /// Bring every prompt to the median loudness of the set (what loudness-outlier measures
    /// against), under the --true-peak-db ceiling.
    #[arg(long, conflicts_with = "loudness")]
    pub match_set: bool,

    /// With --loudness or --match-set: the true-peak ceiling, in dBTP [default: -1].
    #[arg(long, alias = "true-peak", value_name = "DB", allow_negative_numbers = true, value_parser = |s: &str| limits::TRUE_PEAK_DB.parse(s))]
    pub true_peak_db: Option<f64>,

    /// Cut leading and trailing silence (below --silence-db) to at most SECONDS, with a 10 ms
    /// fade at the cut.
    #[arg(long, value_name = "SECONDS", value_parser = |s: &str| limits::TRIM_SILENCE.parse(s))]
    pub trim_silence: Option<f64>,

    /// With --trim-silence: frames below this level are silent, in dBFS [default: -50].
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = |s: &str| limits::SILENCE_DB.parse(s))]
    pub silence_db: Option<f64>,

    /// Remove a DC offset (a mean beyond 1% of full scale) with a 5 Hz high-pass.
    #[arg(long)]
    pub remove_dc: bool,

    /// Read settings from FILE instead of the acs-preflight.toml found in the working folder or
    /// its parents (fix takes its inputs, exclude, force_exclude, allow_mp3, jobs, [rules],
    /// loudness, match_set, true_peak_db, trim_silence, silence_db and remove_dc).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no acs-preflight.toml at all: only flags and defaults apply (the URL ignore file is
    /// still read).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// When to use colour in human output (NO_COLOR is honoured under `auto`).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Formats of `fix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    /// One line per input and a summary.
    Human,
    /// One JSON document.
    Json,
}

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. sample-rate.
    #[arg(value_name = "RULE")]
    pub rule: String,
}

/// Arguments of `check`.
///
/// Options without a value here take it from `acs-preflight.toml` when it sets one, else from
/// the default shown. Numeric options are checked against `crate::limits`, as the
/// config file's values are.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files, folders and URLs to check. Folders are searched recursively for audio files
    /// (wav, mp3, flac, ogg, m4a, ...) and text-to-speech prompts (.ssml, and .xml rooted at
    /// speak); a file named here is always checked; an argument with a
    /// scheme (https://...) is a URL; a path that does not exist stops the run (exit 2). Inputs
    /// named here are exactly what is checked; without them, the config's `inputs` and
    /// `extract_from` are checked.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<OsString>,

    /// Read prompt URLs from FILE, one per line (`-` for stdin; blank lines and # comments
    /// skipped). At most 16 MiB is read; a line over 64 KiB is url-invalid.
    #[arg(long, value_name = "FILE")]
    pub urls_from: Option<PathBuf>,

    /// Find prompt URLs in config and source files (JSON, YAML, .env, appsettings, code): a
    /// file, a folder (its config and source files; exclude applies) or a glob. Takes http(s)
    /// URLs whose path ends in an audio extension, or that match --url-pattern; URLs in comments
    /// are skipped; JSON escapes (\u0026) and XML entities (&amp;) are decoded first; UTF-8 and
    /// UTF-16 are read. Strings that start with <speak are checked as SSML prompts. At most
    /// 16 MiB per file. Repeatable; replaces the config's extract_from.
    #[arg(long, value_name = "PATH")]
    pub extract_from: Vec<PathBuf>,

    /// With --extract-from: also take URLs that match this regular expression.
    #[arg(long, value_name = "REGEX", value_parser = crate::settings::parse_url_pattern)]
    pub url_pattern: Option<String>,

    /// Do not check URLs found in files (--extract-from, --urls-from) that match this regular
    /// expression (repeatable; added to the patterns in .acs-preflight-ignore and `url_ignore`).
    #[arg(long, value_name = "REGEX")]
    pub url_ignore: Vec<String>,

    /// Skip files and folders matching this glob inside the folders walked (repeatable; added
    /// to the config's exclude).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Apply the exclude patterns to files and folders named on the command line too (for
    /// pre-commit, which names every staged file).
    #[arg(long)]
    pub force_exclude: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of stdout (replaced whole, never left half-written, keeping
    /// its permissions; a symlink or folder at FILE is refused).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to PATH, from the same run (repeatable:
    /// `--report sarif=results.sarif --report markdown=summary.md`). Each file is written like
    /// --output; stdout keeps --format.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<(Format, PathBuf)>,

    /// List passing inputs too, and the files the walk skipped or excluded, with the reason.
    #[arg(short, long)]
    pub verbose: bool,

    /// The Call Automation action that plays the prompts; decides the predicted ACS failure
    /// [default: play].
    #[arg(long, value_enum)]
    pub action: Option<ActionArg>,

    /// Accept MP3 files that begin with an ID3v2 tag (ACS's newer docs list them as supported).
    #[arg(long)]
    pub allow_mp3: bool,

    /// Files checked in parallel, and URL requests in flight [default: one per CPU for files,
    /// 16 for URLs].
    #[arg(short, long, value_name = "N", value_parser = |s: &str| limits::JOBS.parse(s))]
    pub jobs: Option<f64>,

    /// URL requests in flight to one host [default: 8].
    #[arg(long, value_name = "N", value_parser = |s: &str| limits::HOST_JOBS.parse(s))]
    pub host_jobs: Option<f64>,

    /// Check URLs on loopback, private and other non-public addresses (staging hosts, tests).
    /// By default such URLs are reported as url-private without any request.
    #[arg(long)]
    pub allow_private: bool,

    /// Longest time for one URL, in seconds: connects, retries, Retry-After waits and redirect
    /// hops included (connecting takes at most 10 of them) [default: 20].
    #[arg(long, value_name = "SECONDS", value_parser = |s: &str| limits::TIMEOUT.parse(s))]
    pub timeout: Option<f64>,

    /// Retries of a URL request after 429, 5xx, 408 or a reset connection [default: 3].
    #[arg(long, value_name = "N", value_parser = |s: &str| limits::RETRIES.parse(s))]
    pub retries: Option<f64>,

    /// Warn (sas-expiring) when a SAS token in a URL expires within this many days [default: 7].
    #[arg(long, value_name = "DAYS", value_parser = |s: &str| limits::SAS_MIN_DAYS.parse(s))]
    pub sas_min_days: Option<f64>,

    /// Read every sample of local files: silence, clipping, leading and trailing silence, DC
    /// offset, loudness outliers, streams that stop decoding.
    #[arg(long)]
    pub deep: bool,

    /// With --deep: frames below this level are silent, in dBFS [default: -50].
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = |s: &str| limits::SILENCE_DB.parse(s))]
    pub silence_db: Option<f64>,

    /// With --deep: report more silence than this at the start or end, in seconds [default: 2].
    #[arg(long, value_name = "SECONDS", value_parser = |s: &str| limits::MAX_SILENCE.parse(s))]
    pub max_silence: Option<f64>,

    /// With --deep: report a true peak above this level (true-peak), in dBTP [default: -1].
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = |s: &str| limits::TRUE_PEAK_DB.parse(s))]
    pub true_peak_db: Option<f64>,

    /// The least severe finding that makes the run exit 1 [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Read settings from FILE instead of the acs-preflight.toml found in the working folder or
    /// its parents.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no acs-preflight.toml at all: only flags and defaults apply (the URL ignore file is
    /// still read).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// When to use colour in human output (NO_COLOR is honoured under `auto`).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// List the inputs that would be checked, one per line (files after the walk and the
    /// excludes; URLs with the files and lines they came from; deployed copies), and exit 0.
    /// No prompt file is opened and no request is sent; credentials in URLs are redacted. With
    /// --format json: a JSON array.
    #[arg(long)]
    pub dump: bool,

    /// Send no request: local files are checked as usual; URLs get only the checks that need
    /// no network (syntax, scheme, credentials, SAS expiry, start and permissions, IP-literal
    /// private addresses) and a url-not-checked warning, which does not count towards the exit
    /// status.
    #[arg(long)]
    pub offline: bool,

    /// Compare each prompt found in the folders given with its deployed copy at BASE_URL plus
    /// its path below the folder (deployed-missing, deployed-differs). A SAS query on BASE_URL
    /// (a container SAS) is applied to every derived URL and redacted everywhere.
    #[arg(long, value_name = "BASE_URL")]
    pub deployed_at: Option<String>,
}

/// `--report FORMAT=PATH`.
fn parse_report(value: &str) -> Result<(Format, PathBuf), String> {
    let formats = || {
        Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((format, path)) = value.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH, e.g. sarif=results.sarif (FORMAT: {})",
            formats()
        ));
    };
    let format = Format::from_str(format, true)
        .map_err(|_| format!("unknown format `{format}` (one of {})", formats()))?;
    if path.is_empty() {
        return Err("the PATH after `=` is empty".to_owned());
    }
    Ok((format, PathBuf::from(path)))
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any input has an error finding.
    Error,
    /// Exit 1 when any input has an error or a warning.
    Warning,
}

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding and a summary, for people.
    Human,
    /// One JSON document (schema in the README).
    Json,
    /// JSON Lines, streamed: one result per line as it is due, then a summary line.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML (Ant schema), for test-result publishers.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown summary table, for a PR comment or $GITHUB_STEP_SUMMARY.
    Markdown,
}

/// Formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A list for people.
    Human,
    /// A JSON array of rule objects.
    Json,
    /// A Markdown table (the README's rule table is this output).
    Markdown,
}

/// `--action` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionArg {
    /// The Play action: format problems fail with 400 Play Failed, subcode 8535.
    Play,
    /// The prompt of a Recognize action: 500 Recognize Failed, subcode 8511.
    Recognize,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorArg {
    /// Sets the colour choice for everything written through anstream.
    pub fn apply(self) {
        match self {
            ColorArg::Auto => {}
            ColorArg::Always => anstream::ColorChoice::Always.write_global(),
            ColorArg::Never => anstream::ColorChoice::Never.write_global(),
        }
    }
}
