//! `--format junit`: JUnit XML as the Ant schema defines it (Azure DevOps' PublishTestResults
//! and Jenkins read it): one testcase per input, a `<failure>` per failing input. Warnings on
//! inputs that do not fail go to the suite's `<system-out>` (the Ant schema has no output per
//! testcase), so they are not lost.

use std::io::{self, Write};
use std::time::Duration;

use crate::{escape_text, Report, Severity};

use super::{failed, place, Place};

/// Escapes text for XML 1.0: markup characters as entities, characters XML cannot hold as
/// `\xNN`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// (classname, name): the folder and file of a path, or the host and path of a URL.
fn split(input: &str, is_url: bool) -> (String, String) {
    if is_url && !input.contains("://") {
        // A line of a URL list that is no URL: one test case named after it, whole.
        return ("urls".to_owned(), input.to_owned());
    }
    if is_url {
        let rest = input.split_once("://").map_or(input, |(_, r)| r);
        return match rest.split_once('/') {
            Some((host, path)) => (host.to_owned(), format!("/{path}")),
            None => (rest.to_owned(), "/".to_owned()),
        };
    }
    match input.rsplit_once('/') {
        Some((dir, file)) if !dir.is_empty() => (dir.to_owned(), file.to_owned()),
        _ => (".".to_owned(), input.to_owned()),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Writes the JUnit document.
pub fn print(
    report: &Report,
    fail_on: Severity,
    elapsed: Duration,
    out: &mut dyn Write,
) -> io::Result<()> {
    let failures = report.results.iter().filter(|r| failed(r, fail_on)).count();
    let timestamp = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S");
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, "<testsuites>")?;
    writeln!(
        out,
        r#"  <testsuite name="acs-preflight" package="acs-preflight" id="0" tests="{}" failures="{failures}" errors="0" skipped="0" time="{:.3}" timestamp="{timestamp}" hostname="{}">"#,
        report.results.len(),
        elapsed.as_secs_f64(),
        escape(&hostname())
    )?;
    writeln!(out, "    <properties>")?;
    writeln!(
        out,
        r#"      <property name="tool" value="acs-preflight {}"/>"#,
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "    </properties>")?;
    for r in &report.results {
        let is_url = matches!(place(r), Place::Url(_));
        // Names, messages and advice come from the input: control characters escaped once
        // (escape_text), then XML markup (escape).
        let (classname, name) = split(&escape_text(&r.input), is_url);
        let open = format!(
            r#"    <testcase name="{}" classname="{}" time="0""#,
            escape(&name),
            escape(&classname)
        );
        if !failed(r, fail_on) {
            writeln!(out, "{open}/>")?;
            continue;
        }
        let failing: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= fail_on)
            .collect();
        let rules: Vec<&str> = failing.iter().map(|f| f.rule.id()).collect();
        let first = failing
            .first()
            .map(|f| format!("{}: {}", f.rule, escape_text(&f.message)))
            .unwrap_or_default();
        writeln!(out, "{open}>")?;
        write!(
            out,
            r#"      <failure message="{}" type="{}">"#,
            escape(&first),
            escape(&rules.join(" "))
        )?;
        // Every finding of the input, its warnings too: the failure is where a reader looks.
        let mut body = String::new();
        for f in &r.findings {
            body.push_str(&format!(
                "{}[{}] {}",
                f.severity,
                f.rule,
                escape_text(&f.message)
            ));
            if let Some(acs) = &f.acs {
                body.push_str(&format!(" ({acs})"));
            }
            body.push('\n');
            body.push_str(&format!("  help: {}\n", escape_text(&f.advice)));
        }
        for s in &r.sources {
            body.push_str(&format!("from {}\n", escape_text(&s.to_string())));
        }
        write!(out, "{}", escape(&body))?;
        writeln!(out, "</failure>")?;
        writeln!(out, "    </testcase>")?;
    }
    let mut warnings = String::new();
    for r in report.results.iter().filter(|r| !failed(r, fail_on)) {
        for f in &r.findings {
            warnings.push_str(&format!(
                "{}: {}[{}] {}{}\n  help: {}\n",
                escape_text(&r.input),
                f.severity,
                f.rule,
                escape_text(&f.message),
                f.acs_suffix(),
                escape_text(&f.advice)
            ));
            for s in &r.sources {
                warnings.push_str(&format!("  from {}\n", escape_text(&s.to_string())));
            }
        }
    }
    if warnings.is_empty() {
        writeln!(out, "    <system-out/>")?;
    } else {
        writeln!(out, "    <system-out>{}</system-out>", escape(&warnings))?;
    }
    writeln!(out, "    <system-err/>")?;
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths_and_urls() {
        assert_eq!(split("a/b/c.wav", false), ("a/b".into(), "c.wav".into()));
        assert_eq!(split("c.wav", false), (".".into(), "c.wav".into()));
        assert_eq!(
            split("not a url", true),
            ("urls".into(), "not a url".into())
        );
        assert_eq!(
            split("https://h.example:8080/p/x.wav?sig=REDACTED", true),
            ("h.example:8080".into(), "/p/x.wav?sig=REDACTED".into())
        );
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;\\x01");
    }
}
