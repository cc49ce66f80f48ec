//! `--format markdown`: a summary table for a PR comment or `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use acs_preflight::{escape_text, Report, Status};

/// Escapes text from the input for a table cell: control characters first, then Markdown.
fn cell(s: &str) -> String {
    escape_text(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('`', "'")
        .replace('<', "&lt;")
}

/// Writes the summary.
pub fn print(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let verdict = if s.failed > 0 {
        "❌ failed"
    } else if s.warned > 0 {
        "⚠️ passed with warnings"
    } else {
        "✅ passed"
    };
    writeln!(out, "### acs-preflight: {verdict}")?;
    writeln!(out)?;
    writeln!(
        out,
        "{} inputs checked: {} passed, {} warned, {} failed ({} errors, {} warnings).",
        s.checked, s.passed, s.warned, s.failed, s.errors, s.warnings
    )?;
    let flagged: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Pass)
        .collect();
    if flagged.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| input | status | rule | finding | ACS |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for r in flagged {
        let status = match r.status {
            Status::Fail => "❌ fail",
            Status::Warn => "⚠️ warn",
            Status::Pass => "✅ pass",
        };
        let mut input = format!("`{}`", cell(&r.input));
        if !r.sources.is_empty() {
            let from: Vec<String> = r.sources.iter().map(|s| cell(&s.to_string())).collect();
            input.push_str(&format!(" (from {})", from.join(", ")));
        }
        for f in &r.findings {
            let acs = f
                .acs
                .map(|a| format!("{} {}, {}", a.code, a.message, a.subcode))
                .unwrap_or_default();
            writeln!(
                out,
                "| {input} | {status} | `{}` {} | {} | {acs} |",
                f.rule,
                f.severity,
                cell(&f.message)
            )?;
        }
    }
    Ok(())
}
