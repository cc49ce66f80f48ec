//! `--format json`: the report as one JSON document; `--format jsonl`: one line per result.
//!
//! Both add to the library's report what the run knows besides it: `config`, the config file
//! read (`null` when none).

use std::io::{self, Write};
use std::path::Path;

use crate::{path_to_string, CheckResult, Report, Summary};
use serde::Serialize;

use super::{json_line, json_nested, json_pretty};

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

/// `--format json` written as the results come, byte for byte what [`print`] writes for the
/// whole report: the document's head before the first result, each result as it is due (nested
/// in `results`), then `summary` and `config` once the scan is over. No report is held: the
/// results are serialized while the scan runs, and dropped.
/// With `lines`, the same for `--format jsonl` (a line per result, then the summary line).
pub struct Streamed<'a> {
    out: Lines<'a>,
    lines: bool,
    results: usize,
}

impl<'a> Streamed<'a> {
    /// A document (`lines`: JSON lines) written to `out`, buffered here; nothing is written
    /// before the first result.
    pub fn new(out: &'a mut dyn Write, lines: bool) -> Self {
        Streamed {
            out: Lines::new(out),
            lines,
            results: 0,
        }
    }

    /// Hands what is buffered on to `out` and flushes it (a terminal shows each line).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The head: the report's fields before `results` (as `print` writes them).
    fn head(&mut self) -> io::Result<()> {
        write!(
            self.out,
            "{{\n  \"version\": {},\n  \"results\": [",
            Report::VERSION
        )
    }

    /// The next result, in report order.
    pub fn result(&mut self, result: &CheckResult) -> io::Result<()> {
        if self.lines {
            return line(result, &mut self.out);
        }
        if self.results == 0 {
            self.head()?;
            self.out.write_all(b"\n    ")?;
        } else {
            self.out.write_all(b",\n    ")?;
        }
        self.results += 1;
        json_nested(&mut self.out, 2, result)
    }

    /// Closes `results` and writes `summary`, `config` and the final newline.
    pub fn finish(mut self, summary: &Summary, config: Option<&Path>) -> io::Result<()> {
        if self.lines {
            summary_line(summary, config, &mut self.out)?;
            return self.out.finish();
        }
        if self.results == 0 {
            self.head()?;
            self.out.write_all(b"]")?;
        } else {
            self.out.write_all(b"\n  ]")?;
        }
        self.out.write_all(b",\n  \"summary\": ")?;
        json_nested(&mut self.out, 1, summary)?;
        self.out.write_all(b",\n  \"config\": ")?;
        json_nested(&mut self.out, 1, &shown(config))?;
        self.out.write_all(b"\n}\n")?;
        self.out.finish()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckOptions, Finding, HttpInfo, Rule, Source};

    /// What `Streamed` writes for `report`, a result at a time.
    fn streamed(report: &Report, config: Option<&Path>) -> String {
        let mut out = Vec::new();
        let mut doc = Streamed::new(&mut out, false);
        for r in &report.results {
            doc.result(r).unwrap();
        }
        doc.finish(&report.summary, config).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn whole(report: &Report, config: Option<&Path>) -> String {
        let mut out = Vec::new();
        print(report, config, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_streamed_document_is_the_whole_one_byte_for_byte() {
        let options = CheckOptions::default();
        let mut fixtures = crate::check_paths(&["fixtures"], &options).unwrap();
        assert!(fixtures.results.len() > 10);
        assert!(fixtures
            .results
            .iter()
            .any(|r| r.status == crate::Status::Fail));
        // A URL's result (sources, http) and hostile text in names and messages.
        let mut url = options.result(
            "https://h.example/a\u{202e}.wav?sig=REDACTED".to_owned(),
            None,
            vec![Finding::new(
                Rule::Unreadable,
                options.action,
                "\"quoted\"\n\u{7f}\u{1b}[31m",
            )],
        );
        url.sources = vec![Source {
            file: "src/\u{85}prompts.json".to_owned(),
            line: 3,
        }];
        url.http = Some(HttpInfo::default());
        fixtures.results.push(url);
        fixtures.summary = crate::Summary::of(&fixtures.results);
        let one = Report::new(fixtures.results[..1].to_vec());
        let empty = Report::new(Vec::new());
        for report in [&fixtures, &one, &empty] {
            for config in [None, Some(Path::new("cfg/acs \"preflight\"\u{1}.toml"))] {
                assert_eq!(streamed(report, config), whole(report, config));
            }
        }
        assert!(whole(&empty, None).contains("\"results\": [],"));
    }
}
