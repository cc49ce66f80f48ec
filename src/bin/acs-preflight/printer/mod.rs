//! Printers: each renders a report (or the rule catalog) and nothing else.

pub mod fix;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rules;
pub mod sarif;

use acs_preflight::{CheckResult, Severity};

/// How an input is located for a dashboard: a path relative to the working folder, or a URL.
pub enum Place<'a> {
    /// A local file, as given or found.
    File(&'a str),
    /// A URL (already redacted).
    Url(&'a str),
}

/// Whether the input is a URL (URLs are shown redacted, with their scheme).
pub fn place(result: &CheckResult) -> Place<'_> {
    if result.http.is_some() || result.input.contains("://") {
        Place::Url(&result.input)
    } else {
        Place::File(&result.input)
    }
}

/// Whether the input counts as failed under `fail_on`.
pub fn failed(result: &CheckResult, fail_on: Severity) -> bool {
    result.findings.iter().any(|f| f.severity >= fail_on)
}
