//! Fuzzes the text handling of URLs: extraction from config files and SAS redaction.
#![no_main]

use acs_preflight::remote::{extract_urls, sas::redact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for e in extract_urls(&text, "f", None) {
        assert!(e.source.line >= 1);
        let shown = redact(&e.url);
        // Redaction never leaves a sig value behind.
        if let Some(at) = shown.to_ascii_lowercase().find("sig=") {
            let rest = &shown[at + 4..];
            assert!(rest.starts_with("REDACTED") || rest.is_empty() || !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || "%+/=_.~-".contains(c)), "{shown}");
        }
    }
});
