//! The settings of a run, from three places in order: what the caller gave explicitly (the
//! command line's flags, a library caller's arguments), then `acs-preflight.toml`, then the
//! defaults of [`CheckOptions`]. Every front door goes through [`Overrides`], whose values have
//! the config file's keys and pass the same [`Config::validate`], so a setting means the same
//! and has the same range wherever it is given.
//!
//! ```no_run
//! use acs_preflight::settings::Overrides;
//!
//! // What `acs-preflight check --deep prompts` runs with, in the working folder's config.
//! let mut overrides = Overrides::default();
//! overrides.inputs = vec!["prompts".into()];
//! overrides.values.deep = Some(true);
//! let settings = overrides.check_settings()?;
//! assert!(settings.options.deep);
//! # Ok::<(), acs_preflight::settings::SettingsError>(())
//! ```

mod file;

use std::collections::HashSet;
use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use regex::Regex;

use crate::display::path_to_string;
use crate::limits::{self, LimitError};
use crate::options::CheckOptions;
use crate::remote::{
    self, ExtractError, Extracted, Extraction, Named, SearchKind, Searched, SearchedFile,
    UrlIgnore, UrlInput, IGNORE_FILE_NAME,
};
use crate::rules::Severity;
use crate::scan::Input;
use crate::walk::Exclude;

pub use file::{Config, ConfigFile, PathReason, CONFIG_FILE_NAME};

/// What a caller set explicitly; each value set here wins over the config file's, and what
/// neither sets keeps its default. `values` has the config file's keys and is validated by the
/// same [`Config::validate`], so a value means the same and has the same range wherever it is
/// given.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// The config file to read instead of the one found from the working folder.
    pub config: Option<PathBuf>,
    /// Read no config file at all (`--no-config`): `config` is then ignored.
    pub no_config: bool,
    /// Files, folders and URLs to check, as given (an argument with a scheme is a URL; a path
    /// need not be UTF-8). They come before `values.inputs`. When both are empty, and no URL
    /// list or file to extract from is given, the config file's `inputs` are checked.
    pub inputs: Vec<OsString>,
    /// A file of prompt URLs, one per line; `-` is standard input.
    pub urls_from: Option<PathBuf>,
    /// The settings the config file can hold, given explicitly.
    pub values: Config,
}

/// The settings of a `check` run, merged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The options every check runs with.
    pub options: CheckOptions,
    /// The least severe finding that makes the run fail.
    pub fail_on: Severity,
    /// Everything to check, in order.
    pub inputs: Vec<Input>,
    /// The config file read, if any.
    pub config: Option<PathBuf>,
    /// What was searched for URLs (`--extract-from`, `--urls-from`), what it gave and what was
    /// ignored.
    pub extraction: Extraction,
    /// `fix`'s sound cures (loudness, silence, DC); off for `check`.
    pub fix: crate::AudioFixes,
    /// The URL ignore patterns (the ignore file, `url_ignore`, `--url-ignore`), for the URLs a
    /// scan finds as it reads SSML (`audio src`): hand them to [`Scan::ignoring_urls`].
    ///
    /// [`Scan::ignoring_urls`]: crate::Scan::ignoring_urls
    pub url_ignore: Vec<UrlIgnore>,
}

/// A setting that keeps a run from starting. Each names the file or setting at fault.
///
/// Messages never quote the config file's text, but they name what it names (a rule id, a
/// level, a path), which a hostile repository chooses: a front door that shows them on a
/// terminal passes them through [`escape_text`](crate::escape_text) and
/// [`redact`](crate::remote::sas::redact), as the command line does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The config file could not be read.
    #[error("cannot read {}", file::shown(.path))]
    ReadConfig {
        /// The config file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The config file is not UTF-8.
    #[error("{}: not UTF-8 (byte {byte} is not valid); TOML files are UTF-8", file::shown(.path))]
    NotUtf8 {
        /// The config file.
        path: PathBuf,
        /// The offset of the first invalid byte.
        byte: usize,
    },
    /// The config file is not valid TOML, has an unknown key or a value of the wrong type.
    #[error("{}: {message}", file::shown(.path))]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// The parser's message and the key, with the line and column; never the file's text.
        message: String,
    },
    /// `[rules]` names no rule.
    #[error(
        "{}[rules] names `{id}`, which is not a rule{}",
        file::origin(.config),
        crate::rules::did_you_mean(id)
    )]
    UnknownRule {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// The key.
        id: String,
    },
    /// `[rules]` gives a rule a level that is not one.
    #[error("{}[rules] {id}: {message}", file::origin(.config))]
    Level {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// The rule.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// A number is outside its range.
    #[error("{}{limit}", file::origin(.config))]
    Range {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// The setting and its range.
        limit: LimitError,
    },
    /// A path in the config file leaves the file's folder or cannot be resolved.
    #[error("{}: {key} names {}, {reason}", file::shown(.path), file::shown(.named))]
    ConfigPath {
        /// The config file.
        path: PathBuf,
        /// The key that names it.
        key: &'static str,
        /// The path as written.
        named: PathBuf,
        /// Why it is refused.
        reason: PathReason,
    },
    /// `url_pattern` is not a regular expression.
    #[error("{}url_pattern is not a valid regular expression", file::origin(.config))]
    UrlPattern {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// Why.
        #[source]
        source: regex::Error,
    },
    /// `url_pattern` is longer than [`crate::limits::MAX_PATTERN_BYTES`].
    #[error(
        "{}url_pattern is {len} bytes long; at most {max} are read",
        file::origin(.config),
        max = crate::limits::MAX_PATTERN_BYTES
    )]
    UrlPatternTooLong {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// Its length in bytes.
        len: usize,
    },
    /// `exclude` holds more than [`crate::limits::MAX_EXCLUDE_PATTERNS`] patterns, or one longer
    /// than [`crate::limits::MAX_PATTERN_BYTES`].
    #[error(
        "{}exclude holds {count} patterns, the longest {longest} bytes; at most {max} patterns \
         of at most {bytes} bytes are taken",
        file::origin(.config),
        max = crate::limits::MAX_EXCLUDE_PATTERNS,
        bytes = crate::limits::MAX_PATTERN_BYTES
    )]
    TooManyExcludes {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// How many patterns.
        count: usize,
        /// The longest pattern's length in bytes.
        longest: usize,
    },
    /// Standard input could not be read as a URL list.
    #[error("cannot read URLs from stdin")]
    Stdin(#[source] io::Error),
    /// A URL list or a file to extract URLs from could not be read.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// A path named by the caller does not exist (a typo, not a broken prompt).
    #[error("{}: no such file or folder", file::shown(.0))]
    MissingInput(PathBuf),
    /// Nothing to check: nothing was given, and the config file names nothing.
    #[error(
        "no inputs: name files, folders or URLs, use --urls-from or --extract-from, or set \
         `inputs` in {CONFIG_FILE_NAME}"
    )]
    NoInputs,
    /// Files or URL lists were searched and give no URL to check (and nothing else was given).
    #[error("{}", nothing_found(.extraction, *.pattern))]
    NothingFound {
        /// What was searched, what it gave and what was ignored.
        extraction: Extraction,
        /// Whether a URL pattern was set.
        pattern: bool,
    },
    /// An `exclude` pattern is not a valid glob (found when walking a folder for URLs).
    #[error("invalid exclude pattern `{pattern}`: {reason}")]
    Exclude {
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The URL ignore file could not be read, or leads outside its folder.
    #[error("cannot read {}", file::shown(.path))]
    ReadIgnore {
        /// The ignore file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A URL ignore pattern is not a regular expression (or there are too many).
    #[error("{}`{pattern}` is not a valid regular expression", ignore_origin(.path, *.line))]
    UrlIgnore {
        /// The ignore file or config file it came from; `None` when given explicitly.
        path: Option<PathBuf>,
        /// Its line in the ignore file; 0 elsewhere.
        line: usize,
        /// The pattern.
        pattern: String,
        /// Why.
        #[source]
        source: regex::Error,
    },
    /// `deployed_at` is not an http(s) URL with a host (or is too long).
    #[error("{}deployed_at {url} is not a base URL to check against: {reason}", file::origin(.config))]
    DeployedAt {
        /// The config file it came from; `None` when given explicitly.
        config: Option<PathBuf>,
        /// The URL, redacted.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// Where a URL ignore pattern came from, before a message about it.
fn ignore_origin(path: &Option<PathBuf>, line: usize) -> String {
    match path {
        Some(p) if line > 0 => format!("{}:{line}: ", file::shown(p)),
        Some(p) => format!("{}: url_ignore ", file::shown(p)),
        None => "--url-ignore ".to_owned(),
    }
}

/// What was searched, and how to find more, when no URL came out of it.
fn nothing_found(extraction: &Extraction, pattern: bool) -> String {
    let files = |n: usize| match n {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    let searched: Vec<String> = extraction
        .searched
        .iter()
        .map(|s| {
            let given = path_to_string(&s.given);
            let read = s.files.iter().filter(|f| f.note.is_none()).count();
            match s.kind {
                SearchKind::List => format!("the URL list {given}"),
                SearchKind::File => given,
                SearchKind::Folder if s.files.is_empty() => {
                    format!("{given} (no config or source file in it)")
                }
                SearchKind::Glob if s.files.is_empty() => format!("{given} (no file matches)"),
                SearchKind::Folder | SearchKind::Glob => format!("{given} ({})", files(read)),
            }
        })
        .collect();
    let mut message = format!("no prompt URLs to check in {}", searched.join(", "));
    let urls = |n: usize| match n {
        1 => "1 URL".to_owned(),
        n => format!("{n} URLs"),
    };
    let all = || extraction.searched.iter().flat_map(|s| &s.files);
    let commented: usize = all().map(|f| f.commented).sum();
    if commented > 0 {
        message.push_str(&format!("; {} in comments skipped", urls(commented)));
    }
    let ignored = extraction.ignored.len();
    if ignored > 0 {
        let file = extraction
            .ignore_file
            .as_deref()
            .map_or_else(|| IGNORE_FILE_NAME.to_owned(), path_to_string);
        message.push_str(&format!(
            "; {} found {} an ignore pattern ({file}, url_ignore, --url-ignore)",
            urls(ignored),
            if ignored == 1 { "matches" } else { "match" }
        ));
    }
    // The first few files that gave nothing for a reason; a folder may hold many.
    const NOTES: usize = 3;
    let noted: Vec<&SearchedFile> = all().filter(|f| f.note.is_some()).collect();
    for f in noted.iter().take(NOTES) {
        if let Some(note) = &f.note {
            message.push_str(&format!("; {}: {note}", path_to_string(&f.path)));
        }
    }
    if noted.len() > NOTES {
        message.push_str(&format!("; and {} more files", noted.len() - NOTES));
    }
    let lists_only = extraction
        .searched
        .iter()
        .all(|s| s.kind == SearchKind::List);
    if !lists_only {
        message.push_str(if pattern {
            ". Only http(s) URLs whose path ends in an audio extension (.wav, .mp3, ...) or that \
             match the URL pattern, and SSML strings (starting with <speak), are taken: check \
             --url-pattern (or `url_pattern`)"
        } else {
            ". Only http(s) URLs whose path ends in an audio extension (.wav, .mp3, ...), and \
             SSML strings (starting with <speak), are taken; to take other URLs too, give \
             --url-pattern REGEX (or set `url_pattern`)"
        });
    }
    message
}

/// Parses a `url_pattern` given as a command-line value, as [`crate::limits::Limit::parse`]
/// does a number: at most [`crate::limits::MAX_PATTERN_BYTES`], and a valid regular expression.
/// The error is `...` after which clap names the flag and the value.
pub fn parse_url_pattern(text: &str) -> Result<String, String> {
    let max = crate::limits::MAX_PATTERN_BYTES;
    if text.len() > max {
        return Err(format!("{} bytes long; at most {max} are read", text.len()));
    }
    Regex::new(text)
        .map(|_| text.to_owned())
        .map_err(|e| format!("not a valid regular expression: {e}"))
}

impl Overrides {
    /// The config file these settings read: [`Overrides::config`], else the one found; none
    /// with [`Overrides::no_config`].
    pub fn config_file(&self) -> Result<Option<ConfigFile>, SettingsError> {
        if self.no_config {
            return Ok(None);
        }
        ConfigFile::find(self.config.as_deref())
    }

    /// The settings of `check`: every option, the failure threshold and the inputs (URL lists
    /// and files to extract from are read here).
    pub fn check_settings(&self) -> Result<Settings, SettingsError> {
        let loaded = self.config_file()?;
        let (given, file) = self.layers(loaded.as_ref());
        let mut options = self.shared_options(loaded.as_ref())?;
        if let Some(action) = given.action.or(file.action) {
            options = options.action(action);
        }
        if let Some(allow) = given.allow_private.or(file.allow_private) {
            options = options.allow_private(allow);
        }
        if let Some(deep) = given.deep.or(file.deep) {
            options = options.deep(deep);
        }
        if let Some(n) = given.host_jobs.or(file.host_jobs) {
            options = options.host_jobs(n as usize);
        }
        if let Some(t) = given.timeout.or(file.timeout) {
            options = options.timeout(Duration::from_secs_f64(t));
        }
        if let Some(n) = given.retries.or(file.retries) {
            options = options.retries(n as u32);
        }
        if let Some(n) = given.sas_min_days.or(file.sas_min_days) {
            options = options.sas_min_days(n as u32);
        }
        let silence_db = given.silence_db.or(file.silence_db);
        let max_silence = given.max_silence.or(file.max_silence);
        if silence_db.is_some() || max_silence.is_some() {
            let below = silence_db.unwrap_or(options.silence_db);
            let longest = max_silence.map_or(options.max_silence, Duration::from_secs_f64);
            options = options.silence(below, longest);
        }
        if let Some(db) = given.true_peak_db.or(file.true_peak_db) {
            options = options.true_peak_db(db);
        }
        if let Some(offline) = given.offline.or(file.offline) {
            options = options.offline(offline);
        }
        if let Some(base) = given.deployed_at.as_ref().or(file.deployed_at.as_ref()) {
            options = options.deployed_at(base.clone());
        }
        let fail_on = given.fail_on.or(file.fail_on).unwrap_or(Severity::Error);
        let (inputs, extraction, url_ignore) = self.inputs(loaded.as_ref(), &options)?;
        Ok(Settings {
            options,
            fail_on,
            inputs,
            config: loaded.map(|l| l.path),
            extraction,
            fix: crate::AudioFixes::default(),
            url_ignore,
        })
    }

    /// The settings of `fix`: what decides which prompts are broken (`allow_mp3`, `[rules]`),
    /// which are skipped (`exclude`, `force_exclude`) and how many are converted at once
    /// (`jobs`), so that `fix` never rewrites a file `check` accepts or never sees; and the
    /// inputs named, else the config's `inputs` (URLs among them are reported by `fix` as not
    /// convertible).
    ///
    /// The sound cures come from `loudness`, `match_set`, `trim_silence` and `remove_dc`, with
    /// `true_peak_db` as the ceiling and `silence_db` as the silence level, the values `--deep`
    /// reports against.
    pub fn fix_settings(&self) -> Result<Settings, SettingsError> {
        let loaded = self.config_file()?;
        let mut options = self.shared_options(loaded.as_ref())?;
        let (given, file) = self.layers(loaded.as_ref());
        if let Some(db) = given.silence_db.or(file.silence_db) {
            let longest = options.max_silence;
            options = options.silence(db, longest);
        }
        let mut fix = crate::AudioFixes::default();
        if let Some(db) = given.true_peak_db.or(file.true_peak_db) {
            options = options.true_peak_db(db);
            fix.true_peak_db = db;
        }
        fix.loudness = given.loudness.or(file.loudness);
        fix.match_set = given.match_set.or(file.match_set).unwrap_or(false);
        fix.trim_silence = given.trim_silence.or(file.trim_silence);
        fix.remove_dc = given.remove_dc.or(file.remove_dc).unwrap_or(false);
        let (inputs, _) = self.named_inputs(loaded.as_ref())?;
        if inputs.is_empty() {
            return Err(SettingsError::NoInputs);
        }
        Ok(Settings {
            options,
            fail_on: Severity::Error,
            inputs,
            config: loaded.map(|l| l.path),
            extraction: Extraction::default(),
            fix,
            url_ignore: Vec::new(),
        })
    }

    /// The explicit values and the file's (empty without a file).
    fn layers<'a>(&'a self, loaded: Option<&'a ConfigFile>) -> (&'a Config, &'a Config) {
        static NONE: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
        let file = loaded.map_or_else(|| NONE.get_or_init(Config::default), |l| &l.config);
        (&self.values, file)
    }

    /// The options `check` and `fix` share; validates the explicit values.
    fn shared_options(&self, loaded: Option<&ConfigFile>) -> Result<CheckOptions, SettingsError> {
        let given_levels = self.values.validate(None)?;
        let (given, file) = self.layers(loaded);
        let mut options = CheckOptions::default();
        if let Some(allow) = given.allow_mp3.or(file.allow_mp3) {
            options = options.allow_mp3(allow);
        }
        if let Some(n) = given.jobs.or(file.jobs) {
            options = options.jobs(n as usize);
        }
        // Patterns add up: the file's, then the caller's.
        let exclude = file.exclude.iter().chain(&given.exclude).flatten();
        options = options.exclude(exclude.cloned());
        if let Some(force) = given.force_exclude.or(file.force_exclude) {
            options = options.force_exclude(force);
        }
        // The file's levels, then the caller's over them.
        let file_levels = loaded.iter().flat_map(|l| &l.levels);
        for (&rule, &level) in file_levels.chain(&given_levels) {
            options = options.level(rule, level);
        }
        Ok(options)
    }

    /// The files, folders and URLs named: by the caller, else the config's `inputs`. Returns
    /// whether they came from the config. A path the caller names must exist.
    fn named_inputs(
        &self,
        loaded: Option<&ConfigFile>,
    ) -> Result<(Vec<Input>, bool), SettingsError> {
        let mut inputs: Vec<Input> = self.inputs.iter().cloned().map(Input::from_arg).collect();
        inputs.extend(self.values.inputs.iter().flatten().map(Input::from_arg));
        for input in &inputs {
            if let Input::Path(p) = input {
                if let Err(e) = std::fs::symlink_metadata(p) {
                    if e.kind() == io::ErrorKind::NotFound {
                        return Err(SettingsError::MissingInput(p.clone()));
                    }
                }
            }
        }
        if !inputs.is_empty() {
            return Ok((inputs, false));
        }
        for i in loaded
            .iter()
            .flat_map(|l| l.config.inputs.iter().flatten().map(move |i| (l, i)))
        {
            let (l, i) = i;
            inputs.push(match Input::from_arg(i) {
                Input::Path(p) => Input::Path(l.resolve("inputs", &p)?),
                url => url,
            });
        }
        Ok((inputs, true))
    }

    /// Everything to check, in order: the inputs named, then the URL list, then the URLs
    /// extracted from files, folders and globs, less those an ignore pattern matches; what was
    /// searched; and the ignore patterns (for the `audio src` URLs a scan finds).
    ///
    /// Inputs named by the caller are exactly what is checked: the config's `inputs` and
    /// `extract_from` are then not used. Without them, the config's `inputs` are checked, and
    /// its `extract_from` unless the caller gives its own; a URL list is always added.
    fn inputs(
        &self,
        loaded: Option<&ConfigFile>,
        options: &CheckOptions,
    ) -> Result<(Vec<Input>, Extraction, Vec<UrlIgnore>), SettingsError> {
        let (given, _) = self.layers(loaded);
        let (mut inputs, from_config) = self.named_inputs(loaded)?;
        let mut extraction = Extraction::default();
        let mut found: Vec<Extracted> = Vec::new();
        let mut ssml: Vec<crate::ssml::ExtractedSsml> = Vec::new();
        let mut ssml_files: Vec<Input> = Vec::new();
        if let Some(file) = &self.urls_from {
            // Stdin and files go through the same bounded, lossy reader.
            let (list, encoding) = if file.as_os_str() == "-" {
                remote::read_list(io::stdin().lock(), "<stdin>").map_err(SettingsError::Stdin)?
            } else {
                remote::list_file(file)?
            };
            extraction.searched.push(Searched {
                given: file.clone(),
                kind: SearchKind::List,
                files: vec![SearchedFile {
                    path: file.clone(),
                    found: list.len(),
                    commented: 0,
                    encoding,
                    note: None,
                }],
                prompts: list.len(),
            });
            found.extend(list);
        }
        let pattern = match (&given.url_pattern, loaded) {
            (Some(p), _) => Some((p, None)),
            (None, Some(l)) => l.config.url_pattern.as_ref().map(|p| (p, Some(&l.path))),
            (None, None) => None,
        };
        let pattern = pattern
            .map(|(p, config)| {
                // Its length was bounded by Config::validate, with the other values.
                Regex::new(p).map_err(|source| SettingsError::UrlPattern {
                    config: config.cloned(),
                    source,
                })
            })
            .transpose()?;
        let named: Vec<Named> = match (&given.extract_from, loaded) {
            (Some(files), _) => files.iter().map(|p| Named::of(p)).collect(),
            (None, Some(l)) if from_config => l
                .config
                .extract_from
                .iter()
                .flatten()
                .map(|p| config_named(l, p))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        if !named.is_empty() {
            let exclude = Exclude::new(&options.exclude, false)
                .map_err(|(pattern, reason)| SettingsError::Exclude { pattern, reason })?;
            let mut seen = HashSet::new();
            for n in &named {
                let (files, problems) = n.files(&exclude)?;
                let mut searched = Searched {
                    given: n.given(),
                    kind: n.kind(),
                    files: Vec::new(),
                    prompts: 0,
                };
                for file in files {
                    if !seen.insert(file.clone()) {
                        continue;
                    }
                    // An SSML document is a prompt of its own: checked as one (its `audio src`
                    // by Speech's rules), not searched for Play URLs.
                    let extension = crate::walk::extension_of(&file);
                    if crate::ssml::is_ssml_extension(extension.as_deref())
                        && crate::ssml::is_ssml_file(&file, extension.as_deref())
                    {
                        searched.files.push(SearchedFile {
                            path: file.clone(),
                            found: 0,
                            commented: 0,
                            encoding: remote::Encoding::Utf8,
                            note: Some("an SSML document: checked as an SSML prompt".to_owned()),
                        });
                        ssml_files.push(Input::Path(file));
                        searched.prompts += 1;
                        continue;
                    }
                    match remote::search_file(&file, pattern.as_ref()) {
                        Ok((urls, s)) => {
                            // The same file's SSML strings (read again; bounded the same way).
                            let texts = crate::ssml::search_file(&file).unwrap_or_default();
                            // An `audio src` written inside an SSML string is Speech's to
                            // fetch, in Speech's formats (the SSML string's own input), not a
                            // Play prompt; the same URL written elsewhere is one.
                            let spans: Vec<(usize, usize, HashSet<String>)> = texts
                                .iter()
                                .map(|t| {
                                    let srcs = crate::ssml::audio_sources(&t.text);
                                    (t.source.line, t.end_line, srcs.into_iter().collect())
                                })
                                .collect();
                            // (An SSML string in JSON may keep `&amp;`; the parsed `src` has `&`.)
                            found.extend(urls.into_iter().filter(|u| {
                                let line = u.source.line;
                                !spans.iter().any(|(from, to, srcs)| {
                                    (*from..=*to).contains(&line)
                                        && (srcs.contains(&u.url)
                                            || srcs.contains(
                                                crate::remote::decode_xml(&u.url).as_ref(),
                                            ))
                                })
                            }));
                            searched.prompts += s.found + texts.len();
                            ssml.extend(texts);
                            searched.files.push(s);
                        }
                        // A file named is read or stops the run; one found in a folder or by a
                        // glob that cannot be read is noted and skipped.
                        Err(e) if n.kind() == SearchKind::File => return Err(e.into()),
                        Err(e) => searched
                            .files
                            .push(remote::unread(file, crate::walk::io_reason(&e.source))),
                    }
                }
                searched.files.extend(problems);
                extraction.searched.push(searched);
            }
        }
        // Read once, for the URLs found here and the `audio src` URLs the scan finds.
        let ignores = self.url_ignores(loaded, &mut extraction)?;
        if !found.is_empty() {
            let (ignored, kept): (Vec<_>, Vec<_>) = found
                .into_iter()
                .partition(|e| ignores.iter().any(|i| i.matches(&e.url)));
            extraction.ignored = ignored;
            inputs.extend(kept.into_iter().map(|e| {
                Input::Url(UrlInput {
                    url: e.url,
                    sources: vec![e.source],
                })
            }));
        }
        inputs.extend(ssml_files);
        inputs.extend(
            ssml.into_iter()
                .map(|e| Input::Ssml(crate::ssml::SsmlInput::from(e))),
        );
        if inputs.is_empty() {
            if extraction.searched.is_empty() {
                return Err(SettingsError::NoInputs);
            }
            return Err(SettingsError::NothingFound {
                extraction,
                pattern: pattern.is_some(),
            });
        }
        Ok((inputs, extraction, ignores))
    }

    /// The URL ignore patterns: the ignore file's (next to the config file, else in the working
    /// folder), the config file's `url_ignore` and the caller's, all applied.
    fn url_ignores(
        &self,
        loaded: Option<&ConfigFile>,
        extraction: &mut Extraction,
    ) -> Result<Vec<UrlIgnore>, SettingsError> {
        let mut ignores = Vec::new();
        let dir = loaded
            .and_then(|l| l.path.parent())
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let path = if dir == Path::new(".") {
            PathBuf::from(IGNORE_FILE_NAME)
        } else {
            dir.join(IGNORE_FILE_NAME)
        };
        if let Some(text) = read_ignore_file(dir, &path)? {
            let lines = remote::ignore_lines(&text);
            ignores.push(
                UrlIgnore::new(&lines).map_err(|e| SettingsError::UrlIgnore {
                    path: Some(path.clone()),
                    line: e.line,
                    pattern: e.pattern,
                    source: e.source,
                })?,
            );
            extraction.ignore_file = Some(path);
        }
        let lists = [
            (
                loaded.map(|l| &l.path),
                loaded.and_then(|l| l.config.url_ignore.as_ref()),
            ),
            (None, self.values.url_ignore.as_ref()),
        ];
        for (origin, list) in lists {
            let Some(list) = list else { continue };
            let lines: Vec<(usize, &str)> = list.iter().map(|p| (0, p.as_str())).collect();
            ignores.push(
                UrlIgnore::new(&lines).map_err(|e| SettingsError::UrlIgnore {
                    path: origin.cloned(),
                    line: 0,
                    pattern: e.pattern,
                    source: e.source,
                })?,
            );
        }
        Ok(ignores)
    }
}

/// The text of the ignore file at `path` in `dir`, `None` when there is none. It comes from the
/// repository: a symlink may not lead out of `dir`, and it is read like any list (bounded,
/// regular files only, UTF-8 or UTF-16).
fn read_ignore_file(dir: &Path, path: &Path) -> Result<Option<String>, SettingsError> {
    let error = |source| SettingsError::ReadIgnore {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(e)),
        Ok(m) if m.file_type().is_symlink() => {
            let inside = std::fs::canonicalize(dir)
                .and_then(|d| Ok(std::fs::canonicalize(path)?.starts_with(d)))
                .map_err(error)?;
            if !inside {
                return Err(error(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "it is a symlink leading outside its folder",
                )));
            }
        }
        Ok(_) => {}
    }
    let bytes = crate::open::open_regular(path)
        .and_then(limits::read_bounded)
        .map_err(error)?;
    Ok(Some(remote::decode_text(&bytes).0))
}

/// A path in the config file's `extract_from`: a file or folder inside the config file's
/// folder ([`ConfigFile::resolve`]), or a glob whose leading folders are.
fn config_named(l: &ConfigFile, p: &Path) -> Result<Named, SettingsError> {
    const KEY: &str = "extract_from";
    let unresolved = match l.resolve(KEY, p) {
        Ok(resolved) => return Ok(Named::of(&resolved)),
        Err(
            e @ SettingsError::ConfigPath {
                reason: PathReason::Unresolvable(_),
                ..
            },
        ) => e,
        Err(e) => return Err(e),
    };
    let Some(Named::Glob { base, pattern }) = Named::glob(p) else {
        return Err(unresolved);
    };
    // The glob itself may not climb out either (`*/../../x`).
    if Path::new(&pattern)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(SettingsError::ConfigPath {
            path: l.path.clone(),
            key: KEY,
            named: p.to_path_buf(),
            reason: PathReason::Outside,
        });
    }
    let dir = l.path.parent().filter(|d| !d.as_os_str().is_empty());
    let base = match (base.as_os_str() == ".", dir) {
        (true, Some(dir)) => dir.to_path_buf(),
        (true, None) => base,
        (false, _) => l.resolve(KEY, &base).map_err(|e| match e {
            SettingsError::ConfigPath {
                path, key, reason, ..
            } => SettingsError::ConfigPath {
                path,
                key,
                named: p.to_path_buf(),
                reason,
            },
            e => e,
        })?,
    };
    Ok(Named::Glob { base, pattern })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Action;

    fn config(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn with_config(path: &std::path::Path) -> Overrides {
        Overrides {
            config: Some(path.to_path_buf()),
            inputs: vec!["https://example.com/a.wav".into()],
            ..Overrides::default()
        }
    }

    #[test]
    fn a_value_out_of_range_is_refused_alike_from_the_file_and_from_a_caller() {
        let (_dir, path) = config("jobs = 65535\n");
        let from_file = with_config(&path).check_settings().unwrap_err();
        let shown = path.display();
        let range = "jobs = 65535 is out of range: it must be an integer from 1 to 1024";
        assert_eq!(from_file.to_string(), format!("{shown}: {range}"));
        // The same for fix, which does not use every key: the file is wrong for everyone.
        let from_fix = with_config(&path).fix_settings().unwrap_err();
        assert_eq!(from_fix.to_string(), from_file.to_string());

        let (_dir, empty) = config("");
        let mut o = with_config(&empty);
        o.values.jobs = Some(65535.0);
        assert_eq!(o.check_settings().unwrap_err().to_string(), range);
        let mut o = with_config(&empty);
        o.values.timeout = Some(-1.0);
        assert_eq!(
            o.check_settings().unwrap_err().to_string(),
            "timeout = -1 is out of range: it must be a number of seconds above 0 and at most 3600"
        );
        let mut o = with_config(&empty);
        o.values.rules = Some([("no-such-rule".to_string(), "off".to_string())].into());
        assert_eq!(
            o.check_settings().unwrap_err().to_string(),
            "[rules] names `no-such-rule`, which is not a rule (see `acs-preflight rules`)"
        );
    }

    #[test]
    fn seconds_that_round_to_no_time_are_refused_as_written_from_the_file_and_a_caller() {
        // 1e-10 s is above 0, but as a Duration it is 0 ns, which the scan refuses later,
        // without the file's name and showing another value.
        let (_dir, path) = config("timeout = 1e-10\n");
        let err = with_config(&path).check_settings().unwrap_err();
        let range = "timeout = 0.0000000001 is out of range: it must be a number of seconds \
                     above 0 and at most 3600";
        assert_eq!(err.to_string(), format!("{}: {range}", path.display()));
        let (_dir, empty) = config("");
        let mut o = with_config(&empty);
        o.values.timeout = Some(1e-10);
        assert_eq!(o.check_settings().unwrap_err().to_string(), range);
        // What does convert is taken exactly; -0.0 is 0.
        let mut o = with_config(&empty);
        o.values.timeout = Some(1e-9);
        o.values.max_silence = Some(-0.0);
        let s = o.check_settings().unwrap();
        assert_eq!(s.options.timeout, Duration::from_nanos(1));
        assert_eq!(s.options.max_silence, Duration::ZERO);
        assert!(s.options.validate().is_ok());
    }

    #[test]
    fn explicit_values_beat_the_file_and_the_file_beats_the_defaults() {
        let (_dir, path) = config(
            "action = \"recognize\"\ndeep = true\nretries = 5\nsilence_db = -40\n\
             fail_on = \"warning\"\nexclude = [\"drafts/**\"]\n[rules]\nsas-expiring = \"off\"\n",
        );
        let s = with_config(&path).check_settings().unwrap();
        assert_eq!(s.options.action, Action::Recognize);
        assert!(s.options.deep);
        assert_eq!(s.options.retries, 5);
        assert_eq!(s.options.silence_db, -40.0);
        assert_eq!(s.options.max_silence, CheckOptions::default().max_silence);
        assert_eq!(s.fail_on, Severity::Warning);
        assert_eq!(s.options.exclude, vec!["drafts/**".to_string()]);
        assert_eq!(s.config.as_deref(), Some(path.as_path()));
        assert_eq!(s.options.levels.len(), 1);

        let mut o = with_config(&path);
        o.values.action = Some(Action::Play);
        o.values.retries = Some(1.0);
        o.values.deep = Some(false);
        o.values.exclude = Some(vec!["old/**".into()]);
        let s = o.check_settings().unwrap();
        assert_eq!(s.options.action, Action::Play);
        assert_eq!(s.options.retries, 1);
        assert!(!s.options.deep);
        // Exclude patterns add up.
        assert_eq!(
            s.options.exclude,
            vec!["drafts/**".to_string(), "old/**".to_string()]
        );

        let (_dir, empty) = config("");
        let s = with_config(&empty).check_settings().unwrap();
        let defaults = CheckOptions::default();
        assert_eq!(s.options, defaults.exclude(Vec::<String>::new()));
        assert_eq!(s.fail_on, Severity::Error);
    }

    #[test]
    fn fix_takes_only_what_decides_what_is_broken_and_skipped() {
        let (dir, path) = config(
            "allow_mp3 = true\ndeep = true\njobs = 2\naction = \"recognize\"\ninputs = [\"p\"]\n",
        );
        std::fs::create_dir(dir.path().join("p")).unwrap();
        let o = Overrides {
            config: Some(path.clone()),
            ..Overrides::default()
        };
        let s = o.fix_settings().unwrap();
        assert!(s.options.allow_mp3);
        assert_eq!(s.options.jobs, Some(2));
        assert!(!s.options.deep, "fix never reads samples to decide");
        assert_eq!(s.options.action, Action::Play);
        assert_eq!(s.config, Some(path));
        assert_eq!(s.inputs, vec![Input::Path(dir.path().join("p"))]);
    }

    #[test]
    fn config_paths_stay_inside_the_config_folder() {
        let (_dir, path) = config("inputs = [\"../elsewhere\"]\n");
        let o = Overrides {
            config: Some(path.clone()),
            ..Overrides::default()
        };
        let err = o.check_settings().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: inputs names ../elsewhere, outside the folder of acs-preflight.toml; paths \
                 in it must stay inside that folder (name others on the command line)",
                path.display()
            )
        );
    }

    #[test]
    fn a_url_pattern_is_bounded_before_it_is_compiled() {
        let long = "a".repeat(crate::limits::MAX_PATTERN_BYTES + 1);
        let (_dir, path) = config(&format!("url_pattern = \"{long}\"\n"));
        let mut o = with_config(&path);
        o.values.extract_from = Some(vec![path.clone()]);
        let err = o.check_settings().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: url_pattern is 4097 bytes long; at most 4096 are read",
                path.display()
            )
        );
        let (_dir, empty) = config("");
        let mut o = with_config(&empty);
        o.values.url_pattern = Some(long);
        assert_eq!(
            o.check_settings().unwrap_err().to_string(),
            "url_pattern is 4097 bytes long; at most 4096 are read"
        );
    }

    #[test]
    fn exclude_lists_are_bounded() {
        let many: Vec<String> = (0..1001).map(|i| format!("\"p{i}\"")).collect();
        let (_dir, path) = config(&format!("exclude = [{}]\n", many.join(",")));
        let err = with_config(&path).check_settings().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: exclude holds 1001 patterns, the longest 5 bytes; at most 1000 patterns of \
                 at most 4096 bytes are taken",
                path.display()
            )
        );
        let (_dir, empty) = config("");
        let mut o = with_config(&empty);
        o.values.exclude = Some(vec!["a".repeat(5000)]);
        assert!(o.fix_settings().is_err());
    }

    #[test]
    fn nothing_to_check_is_a_setup_error() {
        let (_dir, path) = config("");
        let o = Overrides {
            config: Some(path),
            ..Overrides::default()
        };
        assert!(matches!(o.check_settings(), Err(SettingsError::NoInputs)));
    }

    #[test]
    fn what_extraction_searched_found_and_ignored_is_data() {
        let (dir, path) = config("extract_from = [\"cfg\", \"*.yml\"]\nurl_ignore = [\"old\"]\n");
        std::fs::create_dir(dir.path().join("cfg")).unwrap();
        std::fs::write(
            dir.path().join("cfg/a.json"),
            "{\"A\": \"https://h.example/a.wav\", \"B\": \"https://h.example/old.wav\"}\n\
             // \"https://h.example/c.wav\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(IGNORE_FILE_NAME),
            "^https://h\\.example/a\\.wav$\n",
        )
        .unwrap();
        let o = Overrides {
            config: Some(path),
            ..Overrides::default()
        };
        let err = o.check_settings().unwrap_err();
        let SettingsError::NothingFound {
            extraction,
            pattern,
        } = err
        else {
            panic!("{err:?}");
        };
        assert!(!pattern);
        let ignored: Vec<&str> = extraction.ignored.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            ignored,
            ["https://h.example/a.wav", "https://h.example/old.wav"]
        );
        assert_eq!(
            extraction.ignore_file,
            Some(dir.path().join(IGNORE_FILE_NAME))
        );
        let kinds: Vec<SearchKind> = extraction.searched.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [SearchKind::Folder, SearchKind::Glob]);
        let file = &extraction.searched[0].files[0];
        assert_eq!((file.found, file.commented), (2, 1));
        assert!(file.path.ends_with("cfg/a.json"));
        assert!(extraction.searched[1].files.is_empty());
    }
}
