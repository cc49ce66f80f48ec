//! The command line, as a front door over the library (feature `cli`): the `acs-preflight`
//! binary and the Python package's `acs-preflight` command both run [`run`], so they parse,
//! print and exit alike. Its printers ([`printer`]) render reports for every format.

mod args;
mod check;
mod fix;
pub mod printer;
mod progress;
mod rules;
mod settings;

use std::ffi::OsString;
use std::io::{self, Write};

use crate::remote;
use clap::Parser;

use args::{Cli, Command};

/// Exit status when no input failed.
const EXIT_CLEAN: u8 = 0;
/// Exit status when at least one input failed.
const EXIT_FINDINGS: u8 = 1;
/// Exit status when the tool could not run.
const EXIT_ERROR: u8 = 2;

/// Runs the command line on `args` (the program name first, as `std::env::args_os` gives it)
/// and returns the exit status: 0 clean, 1 findings, 2 could not run. Writes the report to
/// stdout and errors to stderr, as the `acs-preflight` binary does.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are printed to stdout and succeed; usage errors go to
            // stderr with clap's exit status (2), redacted: clap quotes the value it refused
            // (`--jobs 'https://h/a.wav?sig=...'`).
            if e.use_stderr() {
                // Redacted, and each line escaped as every printer escapes input-derived text:
                // a value holding a line break cannot start a line with a CI log command.
                let text = crate::remote::sas::redact(&e.render().to_string());
                let mut shown = String::with_capacity(text.len());
                for line in text.lines() {
                    shown.push_str(&crate::escape_text(line));
                    shown.push('\n');
                }
                let _ = io::stderr().write_all(shown.as_bytes());
            } else {
                let _ = e.print();
            }
            return u8::try_from(e.exit_code()).unwrap_or(EXIT_ERROR);
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::check(*args),
        Command::Rules(args) => rules::rules(args).map(|()| EXIT_CLEAN),
        Command::Explain(args) => rules::explain(args).map(|()| EXIT_CLEAN),
        Command::Fix(args) => fix::fix(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => EXIT_CLEAN,
        Err(err) => {
            let _ = writeln!(
                io::stderr(),
                "acs-preflight: error: {}",
                error_text(err.as_ref())
            );
            EXIT_ERROR
        }
    }
}

/// An error that keeps a run from starting, as the command line shows it: the error and its
/// causes joined by `: `, credentials in URLs redacted, and control characters escaped line by line
/// (errors quote input: config lines, patterns, names; a regex error spans lines). Every line
/// after the first starts with `  | `, so that no text from the input begins a line: CI runners
/// read a line that begins (after blanks) with `::` as a workflow command. The Python package
/// raises its exceptions with this text.
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        chain.push_str(": ");
        chain.push_str(&e.to_string());
        cause = e.source();
    }
    let message = remote::sas::redact(&chain);
    let message: Vec<_> = message.split('\n').map(crate::escape_text).collect();
    message.join("\n  | ")
}

/// Refuses a place to write that is a URL (`--out https://...`): nothing can be written to one,
/// and a folder named after a signed URL would put its signature on disk and in every report.
/// The URL is shown redacted.
pub(crate) fn refuse_url_destination(flag: &str, path: &std::path::Path) -> anyhow::Result<()> {
    let text = path.to_string_lossy();
    if crate::scan::looks_like_url(&text) {
        anyhow::bail!(
            "{flag} names a file or folder to write, and {} is a URL",
            remote::sas::redact(&crate::path_to_string(path))
        );
    }
    Ok(())
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
