//! The `acs-preflight` command.

mod args;
mod config;
mod printer;
mod progress;

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use acs_preflight::remote;
use acs_preflight::{
    fix_paths, Action, CheckOptions, FixMode, FixOptions, Input, Rule, Scan, ScanEvent, Severity,
    Summary, UrlInput,
};
use anyhow::Context;
use clap::Parser;
use regex::Regex;

use args::{
    ActionArg, CheckArgs, Cli, ColorArg, Command, ExplainArgs, FailOn, FixArgs, FixFormat, Format,
    RulesArgs, RulesFormat,
};
use config::{ActionName, FailOnName, Loaded};
use progress::Progress;

/// Exit status when no input failed.
const EXIT_CLEAN: u8 = 0;
/// Exit status when at least one input failed.
const EXIT_FINDINGS: u8 = 1;
/// Exit status when the tool could not run.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => rules(args).map(|()| EXIT_CLEAN),
        Command::Explain(args) => explain(args).map(|()| EXIT_CLEAN),
        Command::Fix(args) => fix(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_CLEAN),
        Err(err) => {
            // Errors quote input (config lines, patterns, names): escaped like a report's text,
            // line by line (a TOML error spans lines).
            let message = remote::sas::redact(&format!("{err:#}"));
            let message: Vec<_> = message
                .split('\n')
                .map(acs_preflight::escape_text)
                .collect();
            let _ = writeln!(io::stderr(), "acs-preflight: error: {}", message.join("\n"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The settings of a run: flags first, then the config file, then defaults.
struct Settings {
    options: CheckOptions,
    fail_on: Severity,
    inputs: Vec<Input>,
}

fn settings(args: &CheckArgs) -> anyhow::Result<Settings> {
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
fn with_walk_and_levels(
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

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    match args.color {
        ColorArg::Auto => {}
        ColorArg::Always => anstream::ColorChoice::Always.write_global(),
        ColorArg::Never => anstream::ColorChoice::Never.write_global(),
    }
    let Settings {
        options,
        fail_on,
        inputs,
    } = settings(&args)?;
    let action = options.action;

    let started = Instant::now();
    let progress = Progress::new();
    let on_event = |event: ScanEvent<'_>| match event {
        ScanEvent::Found => progress.found(),
        ScanEvent::Checked(_) => progress.tick(),
    };
    let scan = Scan::from_inputs(inputs, options)?;
    if args.format == Format::Jsonl {
        // Streamed: each result is written as soon as it is due and then dropped.
        let stream = |out: &mut dyn Write| -> anyhow::Result<Summary> {
            let mut failed: Option<io::Error> = None;
            let summary = scan.run_into(on_event, &mut |r| {
                if failed.is_none() {
                    if let Err(e) = printer::json::line(&r, out) {
                        failed = Some(e);
                    }
                }
            });
            progress.finish();
            let summary = summary?;
            if let Some(e) = failed {
                return Err(e).context("cannot write the report");
            }
            printer::json::summary_line(&summary, out).context("cannot write the report")?;
            Ok(summary)
        };
        let summary = match &args.output {
            Some(path) => {
                let mut summary = None;
                write_atomically(path, |out| {
                    summary = Some(stream(out).map_err(io::Error::other)?);
                    Ok(())
                })?;
                summary.unwrap_or_default()
            }
            None => {
                let mut out = BufWriter::new(io::stdout().lock());
                let summary = stream(&mut out)?;
                out.flush().context("cannot write the report")?;
                summary
            }
        };
        return Ok(if summary.fails(fail_on) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        });
    }
    let report = scan.run(on_event);
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();

    let render = |out: &mut dyn Write, plain: bool| -> io::Result<()> {
        match args.format {
            Format::Human if plain => {
                let mut styled = Vec::new();
                printer::human::print(&report, elapsed, &mut styled)?;
                out.write_all(&anstream::adapter::strip_bytes(&styled).into_vec())
            }
            Format::Human => printer::human::print(&report, elapsed, out),
            Format::Json => printer::json::print(&report, out),
            // Handled above, streamed.
            Format::Jsonl => Ok(()),
            Format::Sarif => printer::sarif::print(&report, action, out),
            Format::Junit => printer::junit::print(&report, fail_on, elapsed, out),
            Format::Github => printer::github::print(&report, out),
            Format::Markdown => printer::markdown::print(&report, out),
        }
    };
    match &args.output {
        Some(path) => write_atomically(path, |out| render(out, true))?,
        // Buffered: reports are written in many small pieces. Only the human report has
        // styles, so only it goes through anstream (which strips them when colour is off).
        None if args.format == Format::Human => {
            let mut out = BufWriter::new(anstream::stdout().lock());
            render(&mut out, false)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            render(&mut out, true)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
    }
    Ok(if report.fails(fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Writes `path` whole or not at all, through the library's one file-writing path: a report
/// that exists is replaced (keeping its permissions) only once the new one is complete; a
/// symlink or folder at `path` is refused, never written through.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    Ok(acs_preflight::write_file(path, write)?)
}

/// Everything to check, in order: the arguments (or the config's `inputs`), then
/// `--urls-from`, then `--extract-from` (or the config's `extract_from`).
fn inputs(args: &CheckArgs, loaded: Option<&Loaded>) -> anyhow::Result<Vec<Input>> {
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

fn fix(args: FixArgs) -> anyhow::Result<u8> {
    match args.color {
        ColorArg::Auto => {}
        ColorArg::Always => anstream::ColorChoice::Always.write_global(),
        ColorArg::Never => anstream::ColorChoice::Never.write_global(),
    }
    // The config file decides what counts as broken (`allow_mp3`, `[rules]`) and what is
    // skipped (`exclude`), so `fix` never rewrites a file `check` accepts or never sees.
    let loaded = config::find(args.config.as_deref())?;
    let file = loaded.as_ref().map(|l| &l.config);
    let mut check = CheckOptions::default()
        .allow_mp3(args.allow_mp3 || file.and_then(|f| f.allow_mp3).unwrap_or(false));
    if let Some(j) = args.jobs.or(file.and_then(|f| f.jobs)) {
        check = check.jobs(j as usize);
    }
    let check = with_walk_and_levels(check, &args.exclude, loaded.as_ref());
    let mode = match &args.out {
        Some(dir) => FixMode::OutDir(dir.clone()),
        None => FixMode::InPlace {
            backup: !args.no_backup,
        },
    };
    let options = FixOptions {
        mode,
        dry_run: args.dry_run,
        overwrite: args.overwrite,
    };
    let started = Instant::now();
    let progress = Progress::new();
    let report = fix_paths(&args.paths, &check, &options, &|| progress.found(), &|_| {
        progress.tick()
    });
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();
    match args.format {
        FixFormat::Human => {
            let mut out = BufWriter::new(anstream::stdout().lock());
            printer::fix::human(&report, args.dry_run, elapsed, &mut out).and_then(|()| out.flush())
        }
        FixFormat::Json => {
            let mut out = BufWriter::new(io::stdout().lock());
            printer::fix::json(&report, &mut out).and_then(|()| out.flush())
        }
    }
    .context("cannot write the report")?;
    Ok(if report.is_ok() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

fn rules(args: RulesArgs) -> anyhow::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        RulesFormat::Human => printer::rules::human(&mut out),
        RulesFormat::Json => printer::rules::json(&mut out),
        RulesFormat::Markdown => printer::rules::markdown(&mut out),
    }
    .and_then(|()| out.flush())
    .context("cannot write the rule list")
}

fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let rule: Rule = args.rule.parse()?;
    let mut out = BufWriter::new(io::stdout().lock());
    printer::rules::explain(rule, &mut out)
        .and_then(|()| out.flush())
        .context("cannot write the explanation")
}
