//! `--format json`: the report as one JSON document.

use std::io::{self, Write};

use acs_preflight::Report;

/// Writes the report as pretty JSON followed by a newline.
pub fn print(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
