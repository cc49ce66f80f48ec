//! The `acs-preflight` command.

mod args;
mod check;
mod fix;
mod printer;
mod progress;
mod rules;
mod settings;

use std::io::{self, Write};
use std::process::ExitCode;

use acs_preflight::remote;
use clap::Parser;

use args::{Cli, Command};

/// Exit status when no input failed.
const EXIT_CLEAN: u8 = 0;
/// Exit status when at least one input failed.
const EXIT_FINDINGS: u8 = 1;
/// Exit status when the tool could not run.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(args) => check::check(args),
        Command::Rules(args) => rules::rules(args).map(|()| EXIT_CLEAN),
        Command::Explain(args) => rules::explain(args).map(|()| EXIT_CLEAN),
        Command::Fix(args) => fix::fix(args),
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
