//! Printers: each renders a report (or the rule catalog) and nothing else.
//!
//! Everything that came from input (names, URLs, messages, advice) passes through
//! [`crate::escape_text`] once, here at the printer boundary, or through the JSON
//! formatter below: no control character or bidirectional-text control reaches a terminal, a
//! CI log or a report raw.

pub mod dump;
pub mod fix;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rules;
pub mod sarif;

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use crate::{is_unsafe_char, CheckResult, Report, Severity, Skipped, Summary};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// A serde_json formatter that also writes DEL, the C1 controls and the bidirectional-text
/// controls as `\uNNNN` (serde_json escapes only C0): JSON stays lossless, and no control
/// character from the input reaches the output raw.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Nearly every fragment is plain ASCII (C0 never gets here: serde_json escapes it).
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // What PrettyFormatter does differently from the defaults: indentation.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// serde_json's `PrettyFormatter` (two spaces) started `depth` levels in: a value serialized
/// with it is byte for byte what `PrettyFormatter` writes for it nested that deep in a document,
/// so a document can be written a part at a time (`--format json` writes each result as it
/// comes). serde_json keeps its formatter's depth private, hence this copy of its few lines.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Self {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Opens an array or object (`[` or `{`) one level deeper.
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// Closes an array or object, on a line of its own when it held anything.
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    /// Starts an element or a key on a line of its own.
    fn next_line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next_line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next_line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` as indented JSON nested `depth` levels in a document (see `Nested`); `out`
/// should be a buffer of a known type, as for [`json_line`].
pub fn json_nested<W: Write + ?Sized>(
    out: &mut W,
    depth: usize,
    value: &impl Serialize,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Safe(Nested::at(depth)));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Writes `value` as indented JSON (every JSON printer goes through this or [`json_line`]),
/// straight from the data (no `serde_json::Value`, no string per result). serde writes in many
/// small pieces (a key, a quote, an indent): they go into a buffer of a known type, a copy
/// each, and on to `out` in blocks, not one call through `dyn Write` each.
pub fn json_pretty(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let mut buffer = io::BufWriter::with_capacity(crate::write::REPORT_BUFFER, out);
    let mut ser = serde_json::Serializer::with_formatter(&mut buffer, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::from)?;
    // Handed on without flushing `out`: that is its owner's call.
    buffer.into_inner().map(|_| ()).map_err(|e| e.into_error())
}

/// Writes `value` as JSON on one line, straight from the data. Called once per result: give it
/// a buffered writer of a known type (not `dyn Write`) and serde's small writes are copies.
pub fn json_line<W: Write + ?Sized>(out: &mut W, value: &impl Serialize) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Safe(CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// How an input is located for a dashboard: a path relative to the working folder, or a URL.
pub enum Place<'a> {
    /// A local file, as given or found.
    File(&'a str),
    /// A URL (already redacted).
    Url(&'a str),
}

/// Whether the input is a URL (URLs are shown redacted, with their scheme). A line of a URL list
/// or config file that is no URL at all (`not a url`) is one too: it is shown with where it was
/// written. (An SSML string found in a file is named after its place already.)
pub fn place(result: &CheckResult) -> Place<'_> {
    let written_elsewhere = result
        .sources
        .iter()
        .any(|s| !result.input.starts_with(&s.to_string()));
    if result.http.is_some() || result.input.contains("://") || written_elsewhere {
        Place::Url(&result.input)
    } else {
        Place::File(&result.input)
    }
}

/// What a run knows besides its report, for the printers that show it.
pub struct RunInfo<'a> {
    /// The least severe finding that fails the run.
    pub fail_on: Severity,
    /// How long the run took.
    pub elapsed: Duration,
    /// The config file read, if any.
    pub config: Option<&'a Path>,
    /// `--verbose`: list passing inputs and `skipped`.
    pub verbose: bool,
    /// What the walk passed over, in walk order (collected under `--verbose` only).
    pub skipped: &'a [Skipped],
    /// URLs found in files or lists that an ignore pattern left out, in order.
    pub ignored: &'a [crate::remote::Extracted],
    /// The terminal's width, when the report goes to a terminal: long URLs are shortened to it.
    pub width: Option<usize>,
    /// What `--extract-from` was given that gave no prompt ([`crate::remote::Extraction::found_nothing`]).
    pub found_nothing: &'a [std::path::PathBuf],
}

impl RunInfo<'_> {
    /// Why the run fails when only `--fail-on warning` makes it fail: `2 warnings (--fail-on
    /// warning)`; `None` when it passes or an error fails it.
    pub fn failed_by_warnings(&self, report: &Report) -> Option<String> {
        let s = &report.summary;
        (self.fail_on == Severity::Warning && s.errors == 0 && s.warnings > 0).then(|| {
            format!(
                "{} (--fail-on warning)",
                count(s.warnings, "warning", "warnings")
            )
        })
    }
}

/// `1 error`, `2 errors`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `N inputs` and `P passed, W warned, F failed (E errors, W warnings)`: the counts every
/// summary line gives, worded once.
pub fn tally(s: &Summary) -> (String, String) {
    (
        count(s.checked, "input", "inputs"),
        format!(
            "{} passed, {} warned, {} failed ({}, {})",
            s.passed,
            s.warned,
            s.failed,
            count(s.errors, "error", "errors"),
            count(s.warnings, "warning", "warnings"),
        ),
    )
}

/// Whether the input counts as failed under `fail_on`.
pub fn failed(result: &CheckResult, fail_on: Severity) -> bool {
    result
        .findings
        .iter()
        .any(|f| f.severity >= fail_on && f.counts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_writes_unsafe_characters_escaped_and_the_rest_as_is() {
        let mut out = Vec::new();
        let text = "plain ascii, caf\u{e9} \u{7f}\u{9b}\u{202e}\u{1b} end";
        json_line(&mut out, &[text, "only ascii"]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\"plain ascii, caf\u{e9} \\u007f\\u009b\\u202e\\u001b end\",\"only ascii\"]"
        );
        let mut out = Vec::new();
        json_pretty(&mut out, &["\u{2066}x"]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[\n  \"\\u2066x\"\n]");
    }
}
