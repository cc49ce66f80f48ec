//! The `acs-preflight` command.

mod args;
mod printer;
mod progress;

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use acs_preflight::remote;
use acs_preflight::{CheckOptions, Input, Scan, ScanEvent, UrlInput};
use anyhow::Context;
use clap::Parser;
use regex::Regex;

use args::{CheckArgs, Cli, ColorArg, Command, Format, RulesArgs, RulesFormat};
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
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_CLEAN),
        Err(err) => {
            let _ = writeln!(io::stderr(), "acs-preflight: error: {err:#}");
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

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    match args.color {
        ColorArg::Auto => {}
        ColorArg::Always => anstream::ColorChoice::Always.write_global(),
        ColorArg::Never => anstream::ColorChoice::Never.write_global(),
    }
    let mut options = CheckOptions::default()
        .action(args.action.into())
        .allow_mp3(args.allow_mp3)
        .allow_private(args.allow_private)
        .host_jobs(usize::from(args.host_jobs))
        .timeout(Duration::from_secs_f64(args.timeout))
        .retries(args.retries)
        .sas_min_days(args.sas_min_days);
    if let Some(jobs) = args.jobs {
        options = options.jobs(usize::from(jobs));
    }
    let inputs = inputs(&args)?;

    let started = Instant::now();
    let progress = Progress::new();
    let report = Scan::from_inputs(inputs, options)?.run(|event| match event {
        ScanEvent::Found => progress.found(),
        ScanEvent::Checked(_) => progress.tick(),
    });
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();

    // Buffered: the report is written in many small pieces.
    match args.format {
        Format::Human => {
            let mut out = BufWriter::new(anstream::stdout().lock());
            printer::human::print(&report, elapsed, &mut out).and_then(|()| out.flush())
        }
        Format::Json => {
            let mut out = BufWriter::new(io::stdout().lock());
            printer::json::print(&report, &mut out).and_then(|()| out.flush())
        }
    }
    .context("cannot write the report")?;
    Ok(if report.is_ok() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

/// Everything to check, in order: the arguments, then `--urls-from`, then `--extract-from`.
fn inputs(args: &CheckArgs) -> anyhow::Result<Vec<Input>> {
    let mut inputs: Vec<Input> = args.inputs.iter().cloned().map(Input::from_arg).collect();
    let as_urls = |found: Vec<remote::Extracted>| {
        found.into_iter().map(|e| {
            Input::Url(UrlInput {
                url: e.url,
                sources: vec![e.source],
            })
        })
    };
    if let Some(file) = &args.urls_from {
        let (text, name) = if file.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .context("cannot read URLs from stdin")?;
            (text, "<stdin>".to_owned())
        } else {
            let bytes = std::fs::read(file).map_err(|source| remote::ExtractError {
                path: file.clone(),
                source,
            })?;
            (
                String::from_utf8_lossy(&bytes).into_owned(),
                acs_preflight::path_to_string(file),
            )
        };
        inputs.extend(as_urls(remote::url_list(&text, &name)));
    }
    let pattern = args
        .url_pattern
        .as_deref()
        .map(Regex::new)
        .transpose()
        .context("--url-pattern is not a valid regular expression")?;
    for file in &args.extract_from {
        inputs.extend(as_urls(remote::extract_from_file(file, pattern.as_ref())?));
    }
    if inputs.is_empty() {
        anyhow::bail!(
            "no inputs: the files given to --urls-from and --extract-from hold no prompt URLs"
        );
    }
    Ok(inputs)
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
