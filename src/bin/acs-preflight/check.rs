//! `acs-preflight check`.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use acs_preflight::{Overrides, Scan, ScanEvent, Settings, Summary};
use anyhow::Context;

use crate::args::{CheckArgs, Format};
use crate::printer;
use crate::progress::Progress;
use crate::{EXIT_CLEAN, EXIT_FINDINGS};

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<u8> {
    args.color.apply();
    let Settings {
        options,
        fail_on,
        inputs,
        ..
    } = Overrides::from(&args).check_settings()?;
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
