//! `--format github`: GitHub Actions workflow commands, one annotation per finding, then a
//! summary line.

use std::io::{self, Write};

use crate::{escape_text, Report, Severity};

use super::{place, tally, Place, RunInfo};

/// Escapes a command's message (GitHub's rules: `%`, CR and LF). Text from the input is passed
/// through [`escape_text`] first, so the CR and LF left are ours.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value (also `:` and `,`), which comes from the input.
fn property(s: &str) -> String {
    data(&escape_text(s))
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Writes the annotations and a summary line.
pub fn print(report: &Report, run: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    for r in &report.results {
        for f in &r.findings {
            let kind = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            // One annotation per place the input is written (a URL in several files), at the
            // finding's own line when it has one.
            let mut places: Vec<(Option<&str>, Option<usize>)> = r
                .sources
                .iter()
                .map(|s| {
                    let line = f.line.map_or(s.line, |l| l as usize);
                    (Some(s.file.as_str()), (line > 0).then_some(line))
                })
                .collect();
            if places.is_empty() {
                places.push(match place(r) {
                    Place::File(p) => (Some(p), f.line.map(|l| l as usize)),
                    Place::Url(_) => (None, None),
                });
            }
            let mut message = format!("{}: {}", escape_text(&r.input), escape_text(&f.message));
            // As every printer says it: a warning only may cause the failure.
            message.push_str(&f.acs_suffix());
            message.push_str(&format!("\nhelp: {}", escape_text(&f.advice)));
            for (file, line) in places {
                let mut props = Vec::new();
                if let Some(file) = file {
                    props.push(format!("file={}", property(file)));
                }
                if let Some(line) = line {
                    props.push(format!("line={line}"));
                }
                props.push(format!(
                    "title={}",
                    property(&format!("acs-preflight {}", f.rule))
                ));
                writeln!(out, "::{kind} {}::{}", props.join(","), data(&message))?;
            }
        }
    }
    let s = &report.summary;
    let why = run
        .failed_by_warnings(report)
        .map(|why| format!("; the run fails: {why}"))
        .unwrap_or_default();
    let (inputs, counts) = tally(s);
    writeln!(out, "acs-preflight: checked {inputs}: {counts}{why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_github_rules() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
