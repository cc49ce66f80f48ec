//! `acs-preflight.toml`: settings kept in the repository being checked.
//!
//! The file comes from that repository, so it is read like any other hostile input: through the
//! bounded reader, validated against the same ranges as the flags, and every path it names must
//! stay inside its own folder.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::display::path_to_string;
use crate::limits::{self, LimitError};
use crate::options::Level;
use crate::rules::{Action, Rule, Severity};
use crate::settings::SettingsError;

/// The name of the config file.
pub const CONFIG_FILE_NAME: &str = "acs-preflight.toml";

/// Every setting `acs-preflight.toml` can hold, named as its keys. Each is optional; an unknown
/// key is an error. [`Overrides::values`](crate::settings::Overrides::values) has the same
/// shape, for the values a caller gives.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Files, folders and URLs to check when none are given on the command line.
    pub inputs: Option<Vec<String>>,
    /// Glob patterns of files and folders to skip inside walked folders. Patterns given by a
    /// caller add to the file's.
    pub exclude: Option<Vec<String>>,
    /// Apply `exclude` to files and folders named directly too (for pre-commit, which names
    /// every staged file).
    pub force_exclude: Option<bool>,
    /// `play` or `recognize`.
    pub action: Option<Action>,
    /// Accept MP3 files that begin with an ID3v2 tag.
    pub allow_mp3: Option<bool>,
    /// Check URLs on non-public addresses.
    pub allow_private: Option<bool>,
    // Numbers are f64 and checked against `limits` (Config::validate), so a value the type
    // would hold but the range does not (`jobs = 65535`, `retries = 2.5`) is refused with the
    // same words as the flag's, wherever it came from.
    /// Files checked in parallel, and URL requests in flight.
    /// Range: [`limits::JOBS`].
    pub jobs: Option<f64>,
    /// URL requests in flight to one host.
    /// Range: [`limits::HOST_JOBS`].
    pub host_jobs: Option<f64>,
    /// The longest time for one URL, in seconds.
    /// Range: [`limits::TIMEOUT`].
    pub timeout: Option<f64>,
    /// Retries of a URL request.
    /// Range: [`limits::RETRIES`].
    pub retries: Option<f64>,
    /// Warn when a SAS token expires within this many days.
    /// Range: [`limits::SAS_MIN_DAYS`].
    pub sas_min_days: Option<f64>,
    /// Config and source files, folders and globs to find prompt URLs in.
    pub extract_from: Option<Vec<PathBuf>>,
    /// With `extract_from`: also take URLs that match this regular expression.
    pub url_pattern: Option<String>,
    /// Regular expressions of URLs found in files (`extract_from`, `--urls-from`) not to check,
    /// added to those in `.acs-preflight-ignore`.
    pub url_ignore: Option<Vec<String>>,
    /// Read every sample of local files.
    pub deep: Option<bool>,
    /// `deep`: the silence level in dBFS.
    /// Range: [`limits::SILENCE_DB`].
    pub silence_db: Option<f64>,
    /// `deep`: the longest silence at either end, in seconds.
    /// Range: [`limits::MAX_SILENCE`].
    pub max_silence: Option<f64>,
    /// `deep`: a true peak above this level (dBTP) is reported (`true-peak`).
    /// Range: [`limits::TRUE_PEAK_DB`].
    pub true_peak_db: Option<f64>,
    /// `error` (default) or `warning`: the least severe finding that makes the run fail.
    pub fail_on: Option<Severity>,
    /// `<rule-id> = "error" | "warning" | "off"`.
    pub rules: Option<BTreeMap<String, String>>,
    /// Send no request: URLs get only the checks that need no network.
    pub offline: Option<bool>,
    /// The http(s) URL the prompts folders are deployed under (a SAS query on it is applied to
    /// every derived URL); each file found in a folder is compared with its deployed copy.
    pub deployed_at: Option<String>,
    /// `fix`: bring every prompt's integrated loudness to this many LUFS, under the
    /// `true_peak_db` ceiling. Range: [`limits::LOUDNESS`].
    pub loudness: Option<f64>,
    /// `fix`: bring every prompt to the median loudness of the set (instead of `loudness`).
    pub match_set: Option<bool>,
    /// `fix`: cut leading and trailing silence (below `silence_db`) to at most this many
    /// seconds. Range: [`limits::TRIM_SILENCE`].
    pub trim_silence: Option<f64>,
    /// `fix`: remove a DC offset.
    pub remove_dc: Option<bool>,
}

/// A config file read and validated, with where it was.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConfigFile {
    /// The file, as found or named.
    pub path: PathBuf,
    /// Its settings.
    pub config: Config,
    /// Its `[rules]` levels, validated.
    pub levels: BTreeMap<Rule, Level>,
}

impl ConfigFile {
    /// The config file for a run: `explicit` when given, else `acs-preflight.toml` in the
    /// working folder or the nearest parent, stopping at the repository root (a folder holding
    /// `.git`). `None` when there is none.
    pub fn find(explicit: Option<&Path>) -> Result<Option<ConfigFile>, SettingsError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match discover() {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        ConfigFile::load(&path).map(Some)
    }

    /// Reads and validates one config file: at most [`limits::MAX_TEXT_BYTES`], UTF-8, known
    /// keys only, then [`Config::validate`].
    pub fn load(path: &Path) -> Result<ConfigFile, SettingsError> {
        let at = || path.to_path_buf();
        let bytes = crate::open::open_regular(path)
            .and_then(limits::read_bounded)
            .map_err(|source| SettingsError::ReadConfig { path: at(), source })?;
        let text = String::from_utf8(bytes).map_err(|e| SettingsError::NotUtf8 {
            path: at(),
            byte: e.utf8_error().valid_up_to(),
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| SettingsError::Syntax {
            path: at(),
            message: syntax_message(&text, e),
        })?;
        let levels = config.validate(Some(path))?;
        Ok(ConfigFile {
            path: at(),
            config,
            levels,
        })
    }

    /// A path written in the file under `key`, taken relative to the file's folder. It must stay
    /// inside that folder: the file comes from the repository being checked, so it may not send
    /// the run elsewhere on the machine (an absolute path, `..`, or a symlink leading out, such as
    /// one to `/proc/self/environ`). Paths a caller names directly have no such bound.
    pub fn resolve(&self, key: &'static str, p: &Path) -> Result<PathBuf, SettingsError> {
        let leaves = p.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
        let error = |reason| SettingsError::ConfigPath {
            path: self.path.clone(),
            key,
            named: p.to_path_buf(),
            reason,
        };
        if leaves {
            return Err(error(PathReason::Outside));
        }
        let (dir, joined) = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => (dir, dir.join(p)),
            _ => (Path::new("."), p.to_path_buf()),
        };
        // Through symlinks too; a path that cannot be resolved (it does not exist, or a link
        // such as /proc/self/fd/N names what has no path) is not taken on trust.
        let resolved =
            std::fs::canonicalize(dir).and_then(|d| Ok((d, std::fs::canonicalize(&joined)?)));
        match resolved {
            Err(e) => Err(error(PathReason::Unresolvable(e.to_string()))),
            Ok((real_dir, real)) if !real.starts_with(&real_dir) => {
                Err(error(PathReason::ThroughSymlink))
            }
            Ok(_) => Ok(joined),
        }
    }
}

impl Config {
    /// Checks the values wherever they came from (the file named by `origin`, or a caller):
    /// every number against its range in [`limits`], the same text as the flags', and every
    /// `[rules]` entry. Returns the rule levels.
    pub fn validate(&self, origin: Option<&Path>) -> Result<BTreeMap<Rule, Level>, SettingsError> {
        let config = || origin.map(Path::to_path_buf);
        let exclude = self.exclude.as_deref().unwrap_or_default();
        let too_long = exclude.iter().find(|p| p.len() > limits::MAX_PATTERN_BYTES);
        if exclude.len() > limits::MAX_EXCLUDE_PATTERNS || too_long.is_some() {
            return Err(SettingsError::TooManyExcludes {
                config: config(),
                count: exclude.len(),
                longest: exclude.iter().map(String::len).max().unwrap_or(0),
            });
        }
        // A pattern is bounded before anything compiles it.
        if let Some(p) = self
            .url_pattern
            .as_ref()
            .filter(|p| p.len() > limits::MAX_PATTERN_BYTES)
        {
            return Err(SettingsError::UrlPatternTooLong {
                config: config(),
                len: p.len(),
            });
        }
        // Seconds are used as a `Duration`, in whole nanoseconds, so they are checked as used
        // too: `timeout = 1e-10` is 0 ns, refused here naming the file and the value as written.
        let seconds = |v: f64| Duration::from_secs_f64(v).as_secs_f64();
        let numbers = [
            (limits::JOBS, self.jobs, false),
            (limits::HOST_JOBS, self.host_jobs, false),
            (limits::TIMEOUT, self.timeout, true),
            (limits::RETRIES, self.retries, false),
            (limits::SAS_MIN_DAYS, self.sas_min_days, false),
            (limits::SILENCE_DB, self.silence_db, false),
            (limits::MAX_SILENCE, self.max_silence, true),
            (limits::TRUE_PEAK_DB, self.true_peak_db, false),
            (limits::LOUDNESS, self.loudness, false),
            (limits::TRIM_SILENCE, self.trim_silence, true),
        ];
        for (limit, value, in_seconds) in numbers {
            if let Some(v) = value {
                limit
                    .check(v)
                    .and_then(|v| match in_seconds {
                        true => limit.check(seconds(v)),
                        false => Ok(v),
                    })
                    .map_err(|e| SettingsError::Range {
                        config: config(),
                        limit: LimitError {
                            value: v.to_string(),
                            ..e
                        },
                    })?;
            }
        }
        if let Some(base) = &self.deployed_at {
            crate::remote::deployed_base(base).map_err(|reason| SettingsError::DeployedAt {
                config: config(),
                url: crate::remote::display_url(base),
                reason,
            })?;
        }
        let mut levels = BTreeMap::new();
        for (id, level) in self.rules.iter().flatten() {
            let Ok(rule) = id.parse::<Rule>() else {
                return Err(SettingsError::UnknownRule {
                    config: config(),
                    id: id.clone(),
                });
            };
            let level: Level = level.parse().map_err(|message| SettingsError::Level {
                config: config(),
                id: id.clone(),
                message,
            })?;
            levels.insert(rule, level);
        }
        Ok(levels)
    }
}

/// Why a path in the config file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathReason {
    /// Absolute, or climbing out with `..`.
    Outside,
    /// A symlink leads out of the file's folder.
    ThroughSymlink,
    /// It does not exist or has no path (the system's reason).
    Unresolvable(String),
}

impl std::fmt::Display for PathReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathReason::Outside => write!(
                f,
                "outside the folder of {CONFIG_FILE_NAME}; paths in it must stay inside that \
                 folder (name others on the command line)"
            ),
            PathReason::ThroughSymlink => write!(
                f,
                "which leads outside the folder of {CONFIG_FILE_NAME} through a symlink; paths \
                 in it must stay inside that folder (name others on the command line)"
            ),
            PathReason::Unresolvable(e) => write!(f, "which cannot be resolved: {e}"),
        }
    }
}

/// The parser's message and where (`line L, column C: ...`), never the file's text: the parser's
/// own message quotes the whole line, and a file that is a symlink to another (say
/// `/proc/self/environ`, whose one line is every secret of the run) would be printed.
fn syntax_message(text: &str, mut e: toml::de::Error) -> String {
    // Without the input, the parser's text is its message and the key it was at (`in `key``).
    e.set_input(None);
    let message = e.to_string().trim_end().replace('\n', " ");
    let Some(span) = e.span() else {
        return message;
    };
    let before = &text.as_bytes()[..span.start.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |nl| nl + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    format!("line {line}, column {column}: {message}")
}

/// `acs-preflight.toml` in the working folder or its nearest parent, up to the repository root.
fn discover() -> Option<PathBuf> {
    let mut dir = PathBuf::new();
    let cwd = std::env::current_dir().ok()?;
    let mut here: Option<&Path> = Some(&cwd);
    while let Some(abs) = here {
        let candidate = dir.join(CONFIG_FILE_NAME);
        if abs.join(CONFIG_FILE_NAME).is_file() {
            return Some(candidate);
        }
        if abs.join(".git").exists() {
            return None;
        }
        dir.push("..");
        here = abs.parent();
    }
    None
}

/// How a path is shown in messages.
pub(crate) fn shown(path: &Path) -> String {
    path_to_string(path)
}

/// `PATH: ` before a message about a value from a config file; nothing for a caller's value.
pub(crate) fn origin(config: &Option<PathBuf>) -> String {
    config
        .as_deref()
        .map_or_else(String::new, |p| format!("{}: ", shown(p)))
}
