//! `fix` reports: one line per input and a summary, or JSON.

use std::io::{self, Write};
use std::time::Duration;

use acs_preflight::{escape_text, FixAction, FixReport, Status};
use anstyle::{AnsiColor, Style};

const PATH: Style = Style::new().bold();
const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();

/// Writes one line per input, then the summary.
pub fn human(
    report: &FixReport,
    dry_run: bool,
    elapsed: Duration,
    out: &mut dyn Write,
) -> io::Result<()> {
    for r in &report.results {
        // Names and reasons come from the input: escaped once, here.
        let input = escape_text(&r.input);
        let output = escape_text(r.output.as_deref().unwrap_or(""));
        let reason = escape_text(r.reason.as_deref().unwrap_or(""));
        match r.action {
            FixAction::AlreadyValid => {
                writeln!(out, "{PATH}{input}{PATH:#}: already valid, left alone")?
            }
            FixAction::WouldConvert => {
                writeln!(out, "{PATH}{input}{PATH:#}: would convert -> {output}")?
            }
            FixAction::Converted => {
                let what = r
                    .conversion
                    .as_ref()
                    .map(|c| {
                        let mut parts = vec![format!(
                            "{} Hz, {} ch -> 16000 Hz mono",
                            c.rate_in, c.channels_in
                        )];
                        if c.dithered {
                            parts.push("dithered".to_owned());
                        }
                        parts.push(format!("{} ms", c.duration_out_ms));
                        parts.join(", ")
                    })
                    .unwrap_or_default();
                let verdict = match r.after.as_ref().map(|a| a.status) {
                    Some(Status::Pass) => format!("{GOOD}pass{GOOD:#}"),
                    Some(Status::Warn) => "warn".to_owned(),
                    _ => format!("{BAD}fail{BAD:#}"),
                };
                write!(
                    out,
                    "{PATH}{input}{PATH:#}: converted -> {output} ({what}); re-check: {verdict}"
                )?;
                if let Some(b) = &r.backup {
                    write!(out, "; original kept as {}", escape_text(b))?;
                }
                writeln!(out)?;
            }
            FixAction::CannotFix => writeln!(
                out,
                "{PATH}{input}{PATH:#}: {BAD}cannot fix{BAD:#}: {reason}; left alone"
            )?,
            FixAction::Failed => writeln!(
                out,
                "{PATH}{input}{PATH:#}: {BAD}conversion failed{BAD:#}: {reason}; left alone"
            )?,
            FixAction::Refused => {
                writeln!(out, "{PATH}{input}{PATH:#}: {BAD}refused{BAD:#}: {reason}")?
            }
        }
    }
    let s = &report.summary;
    let verdict = if report.is_ok() {
        format!("{GOOD}OK{GOOD:#}")
    } else {
        format!("{BAD}FAIL{BAD:#}")
    };
    let converted = if dry_run {
        "would be converted"
    } else {
        "converted"
    };
    writeln!(
        out,
        "{verdict} {} input{}: {} {converted}, {} already valid, {} not fixed in {:.2}s",
        s.inputs,
        if s.inputs == 1 { "" } else { "s" },
        s.converted,
        s.already_valid,
        s.not_fixed,
        elapsed.as_secs_f64()
    )
}

/// Writes the report as JSON.
pub fn json(report: &FixReport, out: &mut dyn Write) -> io::Result<()> {
    super::json_pretty(out, report)?;
    writeln!(out)
}
