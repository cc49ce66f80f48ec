//! SSML strings inside config and source files.

use crate::report::Source;

/// An SSML document found as a string in a config or source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedSsml {
    /// The string's value, its escapes decoded.
    pub text: String,
    /// Where it starts.
    pub source: Source,
    /// Whether it is an interpolated string (`$"..."`, a template literal, an f-string) whose
    /// holes are read as text.
    pub interpolated: bool,
}

/// The SSML strings in `text`.
pub fn extract_ssml(
    _text: &str,
    _file: &str,
    _syntax: crate::remote::Syntax,
) -> Vec<ExtractedSsml> {
    Vec::new()
}
