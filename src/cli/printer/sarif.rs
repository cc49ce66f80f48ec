//! `--format sarif`: SARIF 2.1.0, with `tool.driver.rules` generated from the rule registry.

use std::io::{self, Write};

use crate::{Action, Report, Rule, Severity};
use percent_encoding::percent_encode;
use serde_json::{json, Value};

use super::{place, Place};

use crate::display::URI_SEGMENT as SEGMENT;

/// A local path, as reports show it, as a SARIF artifact URI: relative to the working folder
/// when inside it, with `/` between components on every platform and each component
/// percent-encoded (RFC 3986); a path outside it becomes a `file:` URI.
pub fn path_uri(path: &str) -> String {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref().map(crate::path_to_string);
    uri_of(path, cwd.as_deref(), cfg!(windows))
}

/// [`path_uri`] for a path shown on Windows (`windows`) or Unix, the working folder shown alike.
fn uri_of(shown: &str, cwd: Option<&str>, windows: bool) -> String {
    let parts = crate::display::path_components(shown, windows);
    let drive = |p: &[u8]| windows && p.len() == 2 && p[0].is_ascii_alphabetic() && p[1] == b':';
    let absolute = parts.len() > 1 && (parts[0].is_empty() || drive(&parts[0]));
    let kept = |parts: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        parts
            .into_iter()
            .filter(|p| !p.is_empty() && p.as_slice() != b".")
            .collect()
    };
    let same = |a: &Vec<u8>, b: &Vec<u8>| {
        if windows {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let encode = |parts: &[Vec<u8>]| -> String {
        parts
            .iter()
            .map(|p| percent_encode(p, SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/")
    };
    let unc = absolute && parts.len() > 2 && parts[0].is_empty() && parts[1].is_empty();
    let parts = kept(parts);
    if !absolute {
        return encode(&parts);
    }
    if let Some(base) = cwd.map(|c| kept(crate::display::path_components(c, windows))) {
        if parts.len() > base.len() && parts.iter().zip(&base).all(|(a, b)| same(a, b)) {
            return encode(&parts[base.len()..]);
        }
    }
    match parts.split_first() {
        // `file:///C:/dir/a.wav`, `file://server/share/a.wav`, `file:///dir/a.wav`
        Some((d, rest)) if drive(d) => {
            format!("file:///{}/{}", String::from_utf8_lossy(d), encode(rest))
        }
        _ if unc => format!("file://{}", encode(&parts)),
        _ => format!("file:///{}", encode(&parts)),
    }
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
                .map(|s| match s.line {
                    // A whole file (the local copy of a deployed prompt): no region.
                    0 => json!({
                        "physicalLocation": { "artifactLocation": { "uri": path_uri(&s.file) } }
                    }),
                    line => json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": path_uri(&s.file) },
                            "region": { "startLine": line },
                        }
                    }),
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
            // A finding about a line of a file named directly (an SSML file): that line.
            let at = |uri: String, line| {
                json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": { "startLine": line },
                    }
                })
            };
            let locations = match (f.line, r.sources.as_slice(), place(r)) {
                (Some(line), [], Place::File(p)) => vec![at(path_uri(p), line)],
                // An SSML string found in a file: the finding's line in that file.
                (Some(line), [s], _) => vec![at(path_uri(&s.file), line)],
                _ => locations.clone(),
            };
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

#[cfg(test)]
mod tests {
    use super::uri_of;

    #[test]
    fn artifact_uris_use_forward_slashes_relative_to_the_working_folder() {
        let cases = [
            // (shown, working folder, Windows?, URI)
            (
                "fixtures\\valid\\a b.wav",
                "C:\\repo",
                true,
                "fixtures/valid/a%20b.wav",
            ),
            (
                "fixtures/valid\\a.wav",
                "C:\\repo",
                true,
                "fixtures/valid/a.wav",
            ),
            ("C:\\repo\\p\\a.wav", "c:\\Repo", true, "p/a.wav"),
            (
                "C:\\other\\a.wav",
                "C:\\repo",
                true,
                "file:///C:/other/a.wav",
            ),
            (
                "\\\\srv\\share\\a.wav",
                "C:\\repo",
                true,
                "file://srv/share/a.wav",
            ),
            ("d\\\\x787F.wav", "C:\\repo", true, "d/x7F.wav"),
            ("d\\\\x7F#1.wav", "C:\\repo", true, "d/%7F%231.wav"),
            ("..\\a.wav", "C:\\repo", true, "../a.wav"),
            ("fixtures/a.wav", "/repo", false, "fixtures/a.wav"),
            ("./p/a\\\\b.wav", "/repo", false, "p/a%5Cb.wav"),
            (
                "/repo/p/\\xFF\\u{9B}.wav",
                "/repo",
                false,
                "p/%FF%C2%9B.wav",
            ),
            ("/Repo/p/a.wav", "/repo", false, "file:///Repo/p/a.wav"),
            ("/tmp/x:y.wav", "/repo", false, "file:///tmp/x%3Ay.wav"),
        ];
        for (shown, cwd, windows, want) in cases {
            assert_eq!(uri_of(shown, Some(cwd), windows), want, "{shown}");
        }
    }
}
