//! `--format markdown`: a summary table for a PR comment or `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use crate::{escape_text, Report, Severity, Status};

use super::{tally, RunInfo};

/// Escapes text from the input for a table cell: control characters first, then Markdown.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_text(s).chars() {
        match c {
            // Markdown's own punctuation, as text: no link, image, emphasis or HTML renders.
            '\\' | '[' | ']' | '!' | '*' | '_' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '`' => out.push('\''),
            '<' => out.push_str("&lt;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for a cell inside a code span (`` `...` ``): taken literally by Markdown, so only the
/// table's `|` and the span's own backtick need care (a Windows path keeps single backslashes).
fn span(s: &str) -> String {
    escape_text(s)
        .replace('|', "\\|")
        .replace('`', "'")
        .replace('\n', " ")
}

/// Writes the summary, and a table of the flagged inputs: each input (a URL can be long) once,
/// on the row of its first finding, with where it was found; the advice on every row.
pub fn print(report: &Report, run: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let verdict = if s.failed > 0 {
        "❌ failed".to_owned()
    } else if let Some(why) = run.failed_by_warnings(report) {
        format!("❌ failed: {why}")
    } else if s.warned > 0 {
        "⚠️ passed with warnings".to_owned()
    } else {
        "✅ passed".to_owned()
    };
    writeln!(out, "### acs-preflight: {verdict}")?;
    writeln!(out)?;
    let (inputs, counts) = tally(s);
    writeln!(out, "{inputs} checked: {counts}.")?;
    let flagged: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Pass)
        .collect();
    if flagged.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| input | status | rule | finding | ACS | advice |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for r in flagged {
        let status = match r.status {
            Status::Fail => "❌ fail",
            Status::Warn => "⚠️ warn",
            Status::Pass => "✅ pass",
        };
        let mut input = format!("`{}`", span(&r.input));
        if !r.sources.is_empty() {
            let from: Vec<String> = r.sources.iter().map(|s| cell(&s.to_string())).collect();
            input.push_str(&format!(" (from {})", from.join(", ")));
        }
        for (i, f) in r.findings.iter().enumerate() {
            let acs = f
                .acs
                .map(|a| {
                    let failure = format!("{} {}, {}", a.code, a.message, a.subcode);
                    match f.severity {
                        Severity::Warning => format!("may cause {failure}"),
                        Severity::Error => failure,
                    }
                })
                .unwrap_or_default();
            let (input, status) = if i == 0 {
                (input.as_str(), status)
            } else {
                ("", "")
            };
            writeln!(
                out,
                "| {input} | {status} | `{}` {} | {} | {acs} | {} |",
                f.rule,
                f.severity,
                cell(&f.message),
                cell(&f.advice)
            )?;
        }
    }
    Ok(())
}
