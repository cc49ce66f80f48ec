//! `--format sarif`: SARIF 2.1.0, with `tool.driver.rules` generated from the rule registry.

use std::io::{self, Write};

use crate::{Action, Report, Rule, Severity};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

use super::{place, Place};

/// Characters escaped in a path made into a URI reference (RFC 3986): all but unreserved
/// characters and `/`.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':');

/// A local path as a SARIF artifact URI (relative paths stay relative).
pub fn path_uri(path: &str) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| std::path::Path::new(path).strip_prefix(c).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned());
    utf8_percent_encode(&rel, PATH).to_string()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: Rule, action: Action) -> Value {
    let info = rule.info();
    let acs = match rule.prediction(action) {
        Some(p) => format!("ACS raises {p} ({} action).", action),
        None => "ACS is not expected to fail on this.".to_owned(),
    };
    json!({
        "id": info.id,
        "name": info.id,
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": info.explanation },
        "help": {
            "text": format!("{acs} {}", info.advice),
            "markdown": format!("{acs}\n\n**Fix:** {}", info.advice),
        },
        "defaultConfiguration": { "level": level(info.default_severity) },
        "properties": { "acs": rule.prediction(action) },
    })
}

/// Writes the SARIF log.
pub fn print(report: &Report, action: Action, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|&r| rule_descriptor(r, action))
        .collect();
    let mut results = Vec::new();
    for r in &report.results {
        let locations: Vec<Value> = if !r.sources.is_empty() {
            r.sources
                .iter()
                .map(|s| {
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": path_uri(&s.file) },
                            "region": { "startLine": s.line },
                        }
                    })
                })
                .collect()
        } else {
            let uri = match place(r) {
                Place::File(p) => path_uri(p),
                Place::Url(u) => u.to_owned(),
            };
            vec![json!({ "physicalLocation": { "artifactLocation": { "uri": uri } } })]
        };
        for f in &r.findings {
            let index = Rule::ALL.iter().position(|&x| x == f.rule).unwrap_or(0);
            let mut text = format!("{}: {}", r.input, f.message);
            if let Some(acs) = &f.acs {
                text.push_str(&format!(" ({acs})"));
            }
            results.push(json!({
                "ruleId": f.rule.id(),
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": locations,
                "properties": { "input": r.input, "advice": f.advice, "acs": f.acs },
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "acs-preflight",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://crates.io/crates/acs-preflight",
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    super::json_pretty(out, &log)?;
    writeln!(out)
}
