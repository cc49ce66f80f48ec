//! The settings of a `check` or `fix` run: flags first, then `acs-preflight.toml`, then the
//! defaults; and the inputs to check.

use std::io::{self};
use std::time::Duration;

use acs_preflight::remote;
use acs_preflight::{Action, CheckOptions, Input, Severity, UrlInput};
use anyhow::Context;
use regex::Regex;

use crate::args::{ActionArg, CheckArgs, FailOn};
use crate::config::{self, ActionName, FailOnName, Loaded};

/// The settings of a run: flags first, then the config file, then defaults.
pub(crate) struct Settings {
    pub(crate) options: CheckOptions,
    pub(crate) fail_on: Severity,
    pub(crate) inputs: Vec<Input>,
}

pub(crate) fn settings(args: &CheckArgs) -> anyhow::Result<Settings> {
    let loaded = config::find(args.config.as_deref())?;
    let none = config::Config::default();
    let file = loaded.as_ref().map_or(&none, |l| &l.config);

    let action = match (args.action, file.action) {
        (Some(ActionArg::Recognize), _) | (None, Some(ActionName::Recognize)) => Action::Recognize,
        _ => Action::Play,
    };
    let mut options = CheckOptions::default()
        .action(action)
        .allow_mp3(args.allow_mp3 || file.allow_mp3.unwrap_or(false))
        .allow_private(args.allow_private || file.allow_private.unwrap_or(false))
        .retries(args.retries.or(file.retries).map_or(3, |n| n as u32))
        .sas_min_days(
            args.sas_min_days
                .or(file.sas_min_days)
                .map_or(7, |n| n as u32),
        );
    options = options
        .deep(args.deep || file.deep.unwrap_or(false))
        .silence(
            args.silence_db.or(file.silence_db).unwrap_or(-50.0),
            Duration::from_secs_f64(args.max_silence.or(file.max_silence).unwrap_or(2.0)),
        );
    if let Some(t) = args.timeout.or(file.timeout) {
        options = options.timeout(Duration::from_secs_f64(t));
    }
    if let Some(j) = args.jobs.or(file.jobs) {
        options = options.jobs(j as usize);
    }
    if let Some(j) = args.host_jobs.or(file.host_jobs) {
        options = options.host_jobs(j as usize);
    }
    options = with_walk_and_levels(options, &args.exclude, loaded.as_ref());
    let fail_on = match (args.fail_on, file.fail_on) {
        (Some(FailOn::Warning), _) | (None, Some(FailOnName::Warning)) => Severity::Warning,
        _ => Severity::Error,
    };
    let inputs = inputs(args, loaded.as_ref())?;
    Ok(Settings {
        options,
        fail_on,
        inputs,
    })
}

/// The settings `check` and `fix` share beyond their own flags: the `--exclude` globs (or the
/// file's `exclude`) and the file's `[rules]` levels.
pub(crate) fn with_walk_and_levels(
    options: CheckOptions,
    exclude: &[String],
    loaded: Option<&Loaded>,
) -> CheckOptions {
    let file_exclude = loaded.and_then(|l| l.config.exclude.clone());
    let exclude = if exclude.is_empty() {
        file_exclude.unwrap_or_default()
    } else {
        exclude.to_vec()
    };
    let mut options = options.exclude(exclude);
    for (&rule, &level) in loaded.iter().flat_map(|l| &l.levels) {
        options = options.level(rule, level);
    }
    options
}

/// Everything to check, in order: the arguments (or the config's `inputs`), then
/// `--urls-from`, then `--extract-from` (or the config's `extract_from`).
pub(crate) fn inputs(args: &CheckArgs, loaded: Option<&Loaded>) -> anyhow::Result<Vec<Input>> {
    let mut inputs: Vec<Input> = args.inputs.iter().cloned().map(Input::from_arg).collect();
    let from_config =
        args.inputs.is_empty() && args.urls_from.is_none() && args.extract_from.is_empty();
    if from_config {
        if let Some(l) = loaded {
            for i in l.config.inputs.iter().flatten() {
                inputs.push(match Input::from_arg(i) {
                    Input::Path(p) => Input::Path(l.resolve("inputs", &p)?),
                    url => url,
                });
            }
        }
    }
    let as_urls = |found: Vec<remote::Extracted>| {
        found.into_iter().map(|e| {
            Input::Url(UrlInput {
                url: e.url,
                sources: vec![e.source],
            })
        })
    };
    if let Some(file) = &args.urls_from {
        // Stdin and files go through the same bounded, lossy reader.
        let list = if file.as_os_str() == "-" {
            remote::read_url_list(io::stdin().lock(), "<stdin>")
                .context("cannot read URLs from stdin")?
        } else {
            remote::url_list_file(file)?
        };
        inputs.extend(as_urls(list));
    }
    let config_pattern = loaded.and_then(|l| l.config.url_pattern.clone());
    let pattern = args
        .url_pattern
        .clone()
        .or(config_pattern)
        .as_deref()
        .map(Regex::new)
        .transpose()
        .context("--url-pattern is not a valid regular expression")?;
    let extract_from: Vec<_> = if !args.extract_from.is_empty() {
        args.extract_from.clone()
    } else if from_config {
        match loaded {
            Some(l) => l
                .config
                .extract_from
                .iter()
                .flatten()
                .map(|p| l.resolve("extract_from", p))
                .collect::<anyhow::Result<_>>()?,
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    for file in &extract_from {
        inputs.extend(as_urls(remote::extract_from_file(file, pattern.as_ref())?));
    }
    if inputs.is_empty() {
        anyhow::bail!(
            "no inputs: name files, folders or URLs, use --urls-from or --extract-from, or set `inputs` in {}",
            config::FILE_NAME
        );
    }
    Ok(inputs)
}
