//! `acs-preflight.toml`: settings kept in the repository. Command-line flags override them.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use acs_preflight::limits;
use acs_preflight::Level;
use acs_preflight::Rule;
use anyhow::{bail, Context};
use serde::Deserialize;

/// The file name searched for.
pub const FILE_NAME: &str = "acs-preflight.toml";

/// The file's contents. Every key is optional; an unknown key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Files, folders and URLs to check when none are given on the command line.
    pub inputs: Option<Vec<String>>,
    /// Glob patterns of files and folders to skip inside walked folders.
    pub exclude: Option<Vec<String>>,
    /// `play` or `recognize`.
    pub action: Option<ActionName>,
    pub allow_mp3: Option<bool>,
    pub allow_private: Option<bool>,
    // Numbers are read as f64 and checked against `acs_preflight::limits`, so an integer the
    // type would hold but the range does not (`jobs = 65535`) is refused like the flag's.
    pub jobs: Option<f64>,
    pub host_jobs: Option<f64>,
    /// Seconds.
    pub timeout: Option<f64>,
    pub retries: Option<f64>,
    pub sas_min_days: Option<f64>,
    /// Config and source files to find prompt URLs in.
    pub extract_from: Option<Vec<PathBuf>>,
    pub url_pattern: Option<String>,
    /// Read every sample of local files.
    pub deep: Option<bool>,
    /// `--deep`: the silence level in dBFS.
    pub silence_db: Option<f64>,
    /// `--deep`: the longest silence at either end, in seconds.
    pub max_silence: Option<f64>,
    /// `error` (default) or `warning`: the least severe finding that makes the run fail.
    pub fail_on: Option<FailOnName>,
    /// `<rule-id> = "error" | "warning" | "off"`.
    pub rules: Option<BTreeMap<String, String>>,
}

/// `action` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionName {
    Play,
    Recognize,
}

/// `fail_on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOnName {
    Error,
    Warning,
}

/// A config file read, with where it was.
#[derive(Debug)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// Its settings.
    pub config: Config,
    /// The rule levels, validated.
    pub levels: BTreeMap<Rule, Level>,
}

impl Loaded {
    /// A path written in the file under `key`, taken relative to the file's folder. It must stay
    /// inside that folder: the file comes from the repository being checked, so it may not send
    /// the run elsewhere on the machine (an absolute path, `..`, or a symlink leading out, such as
    /// one to `/proc/self/environ`). Paths given on the command line have no such bound.
    pub fn resolve(&self, key: &str, p: &Path) -> anyhow::Result<PathBuf> {
        let shown = acs_preflight::path_to_string(&self.path);
        let named = acs_preflight::path_to_string(p);
        let leaves = p.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
        if leaves {
            bail!(
                "{shown}: {key} names {named}, outside the folder of {FILE_NAME}; paths in it \
                 must stay inside that folder (name others on the command line)"
            );
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
            Err(e) => bail!("{shown}: {key} names {named}, which cannot be resolved: {e}"),
            Ok((real_dir, real)) if !real.starts_with(&real_dir) => {
                bail!(
                    "{shown}: {key} names {named}, which leads outside the folder of {FILE_NAME} \
                     through a symlink; paths in it must stay inside that folder (name others on \
                     the command line)"
                );
            }
            Ok(_) => {}
        }
        Ok(joined)
    }
}

/// The config file for this run: `explicit` when given, else `acs-preflight.toml` in the
/// working folder or the nearest parent, stopping at the repository root (a folder holding
/// `.git`).
pub fn find(explicit: Option<&Path>) -> anyhow::Result<Option<Loaded>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match discover() {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    load(&path).map(Some)
}

fn discover() -> Option<PathBuf> {
    let mut dir = PathBuf::new();
    let cwd = std::env::current_dir().ok()?;
    let mut here: Option<&Path> = Some(&cwd);
    while let Some(abs) = here {
        let candidate = dir.join(FILE_NAME);
        if abs.join(FILE_NAME).is_file() {
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

/// Reads and validates one config file.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let shown = acs_preflight::path_to_string(path);
    // Through the library's bounded reader, like URL lists: at most limits::MAX_TEXT_BYTES.
    let bytes = limits::open_regular(path)
        .and_then(limits::read_bounded)
        .with_context(|| format!("cannot read {shown}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{shown}: not UTF-8 (byte {} is not valid); TOML files are UTF-8",
            e.utf8_error().valid_up_to()
        )
    })?;
    let config: Config = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let mut levels = BTreeMap::new();
    for (id, level) in config.rules.iter().flatten() {
        let Ok(rule) = id.parse::<Rule>() else {
            bail!("{shown}: [rules] names `{id}`, which is not a rule (see `acs-preflight rules`)");
        };
        let level: Level = level
            .parse()
            .map_err(|e| anyhow::anyhow!("{shown}: [rules] {id}: {e}"))?;
        levels.insert(rule, level);
    }
    // The same limits, and the same range text, as the flags'.
    let numbers = [
        (limits::JOBS, config.jobs),
        (limits::HOST_JOBS, config.host_jobs),
        (limits::TIMEOUT, config.timeout),
        (limits::RETRIES, config.retries),
        (limits::SAS_MIN_DAYS, config.sas_min_days),
        (limits::SILENCE_DB, config.silence_db),
        (limits::MAX_SILENCE, config.max_silence),
    ];
    for (limit, value) in numbers {
        if let Some(v) = value {
            limit
                .check(v)
                .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        }
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        config,
        levels,
    })
}
