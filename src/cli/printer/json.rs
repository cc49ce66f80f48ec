//! `--format json`: the report as one JSON document; `--format jsonl`: one line per result.
//!
//! Both add to the library's report what the run knows besides it: `config`, the config file
//! read (`null` when none).

use std::io::{self, Write};
use std::path::Path;

use crate::{path_to_string, CheckResult, Report, Summary};
use serde::Serialize;

use super::{json_line, json_pretty};

/// The JSON document: the report's fields, then `config`.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    config: Option<String>,
}

/// The closing line of `--format jsonl`.
#[derive(Serialize)]
struct SummaryLine<'a> {
    version: u32,
    summary: &'a Summary,
    config: Option<String>,
}

fn shown(config: Option<&Path>) -> Option<String> {
    config.map(path_to_string)
}

/// Writes the report as pretty JSON followed by a newline.
pub fn print(report: &Report, config: Option<&Path>, out: &mut dyn Write) -> io::Result<()> {
    json_pretty(
        out,
        &Document {
            report,
            config: shown(config),
        },
    )?;
    writeln!(out)
}

/// `--format jsonl`: one result as one line of JSON (`out` buffered, see [`json_line`]).
pub fn line<W: Write + ?Sized>(result: &CheckResult, out: &mut W) -> io::Result<()> {
    json_line(out, result)?;
    writeln!(out)
}

/// `--format jsonl`: the closing line, `{"version": 1, "summary": {...}, "config": ...}`.
pub fn summary_line<W: Write + ?Sized>(
    summary: &Summary,
    config: Option<&Path>,
    out: &mut W,
) -> io::Result<()> {
    json_line(
        out,
        &SummaryLine {
            version: Report::VERSION,
            summary,
            config: shown(config),
        },
    )?;
    writeln!(out)
}

/// `--format jsonl` from a whole report (when it is also written in other formats).
pub fn lines(report: &Report, config: Option<&Path>, out: &mut dyn Write) -> io::Result<()> {
    let mut out = Lines::new(out);
    for r in &report.results {
        line(r, &mut out)?;
    }
    summary_line(&report.summary, config, &mut out)?;
    out.finish()
}

/// A buffer of a known type before a `dyn Write`, for the many small writes of JSON lines.
pub struct Lines<'a>(io::BufWriter<&'a mut dyn Write>);

impl<'a> Lines<'a> {
    /// Buffers writes to `out`.
    pub fn new(out: &'a mut dyn Write) -> Self {
        Lines(io::BufWriter::with_capacity(
            crate::write::REPORT_BUFFER,
            out,
        ))
    }

    /// Hands what is buffered on to `out`, without flushing `out` (its owner's call).
    pub fn finish(self) -> io::Result<()> {
        self.0.into_inner().map(|_| ()).map_err(|e| e.into_error())
    }
}

impl Write for Lines<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
