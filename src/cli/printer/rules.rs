//! `acs-preflight rules`: the rule catalog in three formats, all read from the registry.

use std::io::{self, Write};

use crate::{AcsPrediction, Action, Rule};
use serde::Serialize;

#[derive(Serialize)]
struct RuleJson {
    id: &'static str,
    severity: &'static str,
    acs: Option<Predictions>,
    summary: &'static str,
    advice: &'static str,
}

#[derive(Serialize)]
struct Predictions {
    play: AcsPrediction,
    recognize: AcsPrediction,
}

fn predictions(rule: Rule) -> Option<Predictions> {
    Some(Predictions {
        play: rule.prediction(Action::Play)?,
        recognize: rule.prediction(Action::Recognize)?,
    })
}

fn short(p: &AcsPrediction) -> String {
    format!("{} {} / {}", p.code, p.message, p.subcode)
}

/// One block per rule.
pub fn human(out: &mut dyn Write) -> io::Result<()> {
    for &rule in Rule::ALL {
        let info = rule.info();
        let acs = match predictions(rule) {
            Some(p) => format!(
                "play: {}; recognize: {}",
                short(&p.play),
                short(&p.recognize)
            ),
            None => "ACS is not expected to fail".to_owned(),
        };
        writeln!(out, "{:<20} {:<8} {acs}", info.id, info.default_severity)?;
        writeln!(out, "    {}", info.summary)?;
        writeln!(out, "    advice: {}", info.advice)?;
    }
    Ok(())
}

/// A JSON array of rule objects.
pub fn json(out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<RuleJson> = Rule::ALL
        .iter()
        .map(|&rule| {
            let info = rule.info();
            RuleJson {
                id: info.id,
                severity: info.default_severity.as_str(),
                acs: predictions(rule),
                summary: info.summary,
                advice: info.advice,
            }
        })
        .collect();
    super::json_pretty(out, &rules)?;
    writeln!(out)
}

/// A Markdown table, the one the README shows.
pub fn markdown(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| rule | default | ACS on Play | ACS on Recognize | when | advice |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for &rule in Rule::ALL {
        let info = rule.info();
        let (play, rec) = match predictions(rule) {
            Some(p) => (short(&p.play), short(&p.recognize)),
            None => ("none".to_owned(), "none".to_owned()),
        };
        writeln!(
            out,
            "| `{}` | {} | {play} | {rec} | {} | {} |",
            info.id, info.default_severity, info.summary, info.advice
        )?;
    }
    Ok(())
}

/// The full explanation of one rule.
pub fn explain(rule: Rule, out: &mut dyn Write) -> io::Result<()> {
    let info = rule.info();
    writeln!(out, "{} ({} by default)", info.id, info.default_severity)?;
    writeln!(out)?;
    writeln!(out, "When: {}.", info.summary)?;
    match predictions(rule) {
        Some(p) => writeln!(
            out,
            "ACS: on Play, {}; on Recognize, {}.",
            short(&p.play),
            short(&p.recognize)
        )?,
        None => writeln!(out, "ACS: not expected to fail.")?,
    }
    writeln!(out)?;
    writeln!(out, "{}", textwrap(info.explanation, 96))?;
    writeln!(out)?;
    writeln!(out, "Fix: {}.", info.advice)
}

/// Wraps text at `width` columns on spaces.
fn textwrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}
