//! The `acs-preflight` command: the library's command line ([`acs_preflight::cli::run`]).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(acs_preflight::cli::run(std::env::args_os()))
}
