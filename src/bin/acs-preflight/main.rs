//! The `acs-preflight` command.

mod args;
mod printer;
mod progress;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use acs_preflight::{CheckOptions, Scan, ScanEvent};
use anyhow::Context;
use clap::Parser;

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
        .allow_mp3(args.allow_mp3);
    if let Some(jobs) = args.jobs {
        options = options.jobs(usize::from(jobs));
    }

    let started = Instant::now();
    let progress = Progress::new();
    let report = Scan::new(&args.paths, options)?.run(|event| match event {
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
