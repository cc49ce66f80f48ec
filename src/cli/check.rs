//! `acs-preflight check`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::{Overrides, PassedOver, Report, Scan, ScanEvent, Settings, Status, Summary};
use anyhow::Context;

use crate::cli::args::{CheckArgs, Format};
use crate::cli::printer::{self, RunInfo};
use crate::cli::progress::Progress;
use crate::cli::{EXIT_CLEAN, EXIT_FINDINGS};

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<u8> {
    args.color.apply();
    let Settings {
        options,
        fail_on,
        inputs,
        config,
        extraction,
        url_ignore,
        ..
    } = Overrides::from(&args).check_settings()?;
    let action = options.action;
    let deep = options.deep;
    check_report_paths(&args)?;

    let started = Instant::now();
    let progress = Progress::new();
    // What the walk skipped (listed under --verbose) and the URLs ignore patterns left out.
    let passed_over = PassedOver::new(args.verbose);
    let on_event = |event: ScanEvent<'_>| {
        match event {
            ScanEvent::Found => progress.found(),
            ScanEvent::Checked(_) => progress.tick(),
            _ => {}
        }
        passed_over.note(event);
    };
    let scan = Scan::from_inputs(inputs, options)?
        .ignoring_urls(url_ignore)
        .with_ignored(extraction.ignored.clone());
    if args.dump {
        return dump(&scan, &args);
    }
    // JSON lines, and JSON when no whole-run pass (`--deep`'s loudness outliers) changes
    // results after the fact: streamed, each result written as soon as it is due (serialized
    // while the scan runs) and then dropped.
    let lines = args.format == Format::Jsonl;
    if args.reports.is_empty() && (lines || (args.format == Format::Json && !deep)) {
        // On a terminal, each JSON line is shown as it is done.
        let terminal = lines && args.output.is_none() && io::stdout().is_terminal();
        let stream = |out: &mut dyn Write| -> anyhow::Result<Summary> {
            let mut out = printer::json::Streamed::new(out, lines);
            let mut failed: Option<io::Error> = None;
            let summary = scan.run_into(on_event, &mut |r| {
                if failed.is_none() {
                    let written =
                        out.result(&r)
                            .and_then(|()| if terminal { out.flush() } else { Ok(()) });
                    if let Err(e) = written {
                        failed = Some(e);
                    }
                }
            });
            progress.finish();
            let summary = summary?;
            match failed {
                // The reader went away (`| head`): the run's verdict still stands.
                Some(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(summary),
                Some(e) => return Err(e).context("cannot write the report"),
                None => {}
            }
            closed_pipe_is_fine(out.finish(&summary, config.as_deref()))
                .context("cannot write the report")?;
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
                let mut out = report_stdout();
                let summary = stream(&mut out)?;
                closed_pipe_is_fine(out.flush()).context("cannot write the report")?;
                summary
            }
        };
        return Ok(if summary.fails(fail_on) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        });
    }
    let report =
        if args.format == Format::Human && !args.verbose && args.reports.is_empty() && !deep {
            // The human report shows only the inputs that warned or failed, and the counts: only
            // those results are kept (a clean tree of 10,000 files holds none).
            let mut shown = Vec::new();
            scan.run_into(on_event, &mut |r| {
                if r.status != Status::Pass {
                    shown.push(r);
                }
            })
            .map(|summary| {
                let mut report = Report::new(shown);
                report.summary = summary;
                report
            })
        } else {
            scan.run(on_event)
        };
    progress.finish();
    let report = report?;
    let (skipped, ignored) = passed_over.into_lists();
    let found_nothing = extraction.found_nothing();
    let mut run = RunInfo {
        fail_on,
        elapsed: started.elapsed(),
        config: config.as_deref(),
        verbose: args.verbose,
        skipped: &skipped,
        ignored: &ignored,
        width: None,
        found_nothing: &found_nothing,
    };

    let render = |format: Format, run: &RunInfo<'_>, out: &mut dyn Write, plain: bool| match format
    {
        Format::Human if plain => printer::human::print_plain(&report, run, out),
        Format::Human => printer::human::print(&report, run, out),
        Format::Json => printer::json::print(&report, run.config, out),
        Format::Jsonl => printer::json::lines(&report, run.config, out),
        Format::Sarif => printer::sarif::print(&report, action, out),
        Format::Junit => printer::junit::print(&report, run.fail_on, run.elapsed, out),
        Format::Github => printer::github::print(&report, run, out),
        Format::Markdown => printer::markdown::print(&report, run, out),
    };
    match &args.output {
        Some(path) => write_atomically(path, |out| render(args.format, &run, out, true))?,
        // Only the human report has styles, so only it goes through anstream (which strips
        // them when colour is off, into the buffer: no write per piece).
        None if args.format == Format::Human => {
            // Long URLs are shortened to the terminal's width, only on a terminal.
            if io::stdout().is_terminal() {
                run.width = terminal_size::terminal_size().map(|(w, _)| usize::from(w.0));
            }
            let choice = anstream::AutoStream::choice(&io::stdout());
            let mut out = anstream::AutoStream::new(report_stdout(), choice);
            closed_pipe_is_fine(
                render(args.format, &run, &mut out, false).and_then(|()| out.flush()),
            )
            .context("cannot write the report")?;
            run.width = None;
        }
        None => {
            let mut out = report_stdout();
            closed_pipe_is_fine(
                render(args.format, &run, &mut out, true).and_then(|()| out.flush()),
            )
            .context("cannot write the report")?;
        }
    }
    // The same report in more formats, each file written like --output.
    for (format, path) in &args.reports {
        write_atomically(path, |out| render(*format, &run, out, true))?;
    }
    Ok(if report.fails(fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// A report the reader stopped reading (`check | head`, a broken pipe) is not an error: the
/// run's verdict, not 0, is still the exit status, and the other reports are still written.
fn closed_pipe_is_fine(written: io::Result<()>) -> io::Result<()> {
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `--dump`: the inputs the scan would check, human (one per line) or a JSON array; exit 0.
fn dump(scan: &Scan, args: &CheckArgs) -> anyhow::Result<u8> {
    if !matches!(args.format, Format::Human | Format::Json) || !args.reports.is_empty() {
        anyhow::bail!("--dump lists the inputs as text (--format human) or JSON (--format json)");
    }
    let plan = scan.plan()?;
    let render = |out: &mut dyn Write| -> io::Result<()> {
        match args.format {
            Format::Json => printer::dump::json(&plan, out),
            _ => printer::dump::human(&plan, out),
        }
    };
    match &args.output {
        Some(path) => write_atomically(path, render)?,
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            render(&mut out)
                .and_then(|()| out.flush())
                .context("cannot write the list")?;
        }
    }
    Ok(EXIT_CLEAN)
}

/// Standard output for a report. Not a terminal: one buffer, written when full and at the end
/// (a few hundred writes for 10,000 results, not one or two per line). A terminal: at each
/// line's end, as the standard output does, so lines show as they come.
fn report_stdout() -> Box<dyn Write> {
    let stdout = io::stdout();
    if stdout.is_terminal() {
        Box::new(stdout.lock())
    } else {
        Box::new(BufWriter::with_capacity(
            crate::write::REPORT_BUFFER,
            stdout.lock(),
        ))
    }
}

/// Refuses a run that names one file for two reports (`--output` and `--report`): one would
/// silently replace the other. Names are compared as the files they reach (`r.json`,
/// `./r.json` and `sub/../r.json` are one file), not as written.
fn check_report_paths(args: &CheckArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        crate::cli::refuse_url_destination("--output", path)?;
    }
    for (_, path) in &args.reports {
        crate::cli::refuse_url_destination("--report", path)?;
    }
    // A report whose folder does not exist fails before the run, not after all of it.
    for path in args
        .output
        .iter()
        .chain(args.reports.iter().map(|(_, p)| p))
    {
        let folder = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(folder) = folder.filter(|d| !d.is_dir()) {
            anyhow::bail!(
                "cannot write {}: its folder {} does not exist",
                crate::path_to_string(path),
                crate::path_to_string(folder)
            );
        }
    }
    let mut seen: Vec<PathBuf> = args.output.iter().map(|p| report_identity(p)).collect();
    for (_, path) in &args.reports {
        let identity = report_identity(path);
        if seen.contains(&identity) {
            anyhow::bail!(
                "{} is named for two reports; give each --report (and --output) its own file",
                crate::path_to_string(path)
            );
        }
        seen.push(identity);
    }
    Ok(())
}

/// The file a report name reaches: its folder resolved (when it exists) and its name, else the
/// name written plainly.
fn report_identity(path: &Path) -> PathBuf {
    let plain: PathBuf = path.components().collect();
    let folder = match plain.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(folder), plain.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => plain,
    }
}

/// Writes `path` whole or not at all, through the library's one file-writing path: a report
/// that exists is replaced (keeping its permissions) only once the new one is complete; a
/// symlink or folder at `path` is refused, never written through.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    Ok(crate::write_file(path, write)?)
}
