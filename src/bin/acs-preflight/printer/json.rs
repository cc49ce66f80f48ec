//! `--format json`: the report as one JSON document.

use std::io::{self, Write};

use acs_preflight::{CheckResult, Report, Summary};
use serde_json::json;

use super::{json_line, json_pretty};

/// Writes the report as pretty JSON followed by a newline.
pub fn print(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    json_pretty(out, report)?;
    writeln!(out)
}

/// `--format jsonl`: one result as one line of JSON.
pub fn line(result: &CheckResult, out: &mut dyn Write) -> io::Result<()> {
    json_line(out, result)?;
    writeln!(out)
}

/// `--format jsonl`: the closing line, `{"version": 1, "summary": {...}}`.
pub fn summary_line(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    json_line(
        out,
        &json!({ "version": Report::VERSION, "summary": summary }),
    )?;
    writeln!(out)
}
