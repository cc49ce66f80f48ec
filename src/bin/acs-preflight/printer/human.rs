//! `--format human`: one line per finding, advice under each file, a summary line.

use std::io::{self, Write};
use std::time::Duration;

use acs_preflight::{escape_text, Report, Severity, Status};
use anstyle::{AnsiColor, Style};

const PATH: Style = Style::new().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default();
const PASS: Style = AnsiColor::Green.on_default().bold();

/// Writes every failing or warned input and a summary. `out` strips the styles when colour is
/// off (an `anstream` stream).
pub fn print(report: &Report, elapsed: Duration, out: &mut dyn Write) -> io::Result<()> {
    for result in &report.results {
        if result.status == Status::Pass {
            continue;
        }
        // Names, URLs, messages and advice come from the input: escaped once, here.
        let input = escape_text(&result.input);
        let mut advice: Vec<&str> = Vec::new();
        let from = if result.sources.is_empty() {
            String::new()
        } else {
            let places: Vec<String> = result
                .sources
                .iter()
                .map(|s| escape_text(&s.to_string()).into_owned())
                .collect();
            format!(" (from {})", places.join(", "))
        };
        for f in &result.findings {
            let style = match f.severity {
                Severity::Error => ERROR,
                Severity::Warning => WARNING,
            };
            writeln!(
                out,
                "{PATH}{input}{PATH:#}{from}: {style}{}[{}]{style:#} {}{}",
                f.severity,
                f.rule,
                escape_text(&f.message),
                f.acs_suffix()
            )?;
            if !advice.contains(&f.advice.as_str()) {
                advice.push(&f.advice);
            }
        }
        for a in advice {
            writeln!(out, "  {HELP}help:{HELP:#} {}", escape_text(a))?;
        }
    }
    deep_table(report, out)?;
    let s = &report.summary;
    let verdict = if s.failed > 0 {
        format!("{ERROR}FAIL{ERROR:#}")
    } else if s.warned > 0 {
        format!("{WARNING}WARN{WARNING:#}")
    } else {
        format!("{PASS}PASS{PASS:#}")
    };
    writeln!(
        out,
        "{verdict} checked {} input{}: {} passed, {} warned, {} failed ({} error{}, {} warning{}) in {:.2}s",
        s.checked,
        plural(s.checked),
        s.passed,
        s.warned,
        s.failed,
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        elapsed.as_secs_f64()
    )
}

/// `--deep`: a compact table of the measured levels, one row per analysed input.
fn deep_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<_> = report
        .results
        .iter()
        .filter_map(|r| {
            r.audio
                .as_ref()
                .filter(|a| a.peak_dbfs.is_some())
                .map(|a| (escape_text(&r.input), a))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let width = rows
        .iter()
        .map(|(input, _)| input.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let num = |v: Option<f64>| v.map_or("-".to_owned(), |x| format!("{x:.1}"));
    let ms = |v: Option<u64>| v.map_or("-".to_owned(), |x| format!("{x}"));
    writeln!(
        out,
        "{:<width$}  {:>9}  {:>8}  {:>6}  {:>8}  {:>9}",
        "input", "peak dBFS", "RMS dBFS", "LUFS", "lead ms", "trail ms"
    )?;
    for (input, a) in rows {
        writeln!(
            out,
            "{:<width$}  {:>9}  {:>8}  {:>6}  {:>8}  {:>9}",
            input,
            num(a.peak_dbfs),
            num(a.rms_dbfs),
            num(a.loudness_lufs),
            ms(a.leading_silence_ms),
            ms(a.trailing_silence_ms)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
