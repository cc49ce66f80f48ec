//! Fuzzes the text handling of URLs: extraction from config files and the redaction of secrets.
//!
//! The redaction oracle: a URL is built from the input with a signature (under a `sig` name
//! with any of its bytes percent-encoded and any letters upper case) and a password, and shown
//! through `display_url` and inside an error message through `redact`. What is shown must not
//! depend on the signature or the password at all: the same URL with other values shows the
//! same, so not one byte of them can get through.
#![no_main]

use acs_preflight::remote::display_url;
use acs_preflight::remote::extract_urls;
use acs_preflight::remote::sas::{is_secret_name, redact};
use libfuzzer_sys::fuzz_target;

/// A signature value may hold anything but what ends a query field.
fn value_char(c: &char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, '&' | '#')
}

/// A password may hold anything but what ends the user information.
fn password_char(c: &char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, '@' | '/' | '?' | '#' | '\\' | '[' | ']')
}

/// `sig` spelled by the bits of `b`: each byte percent-encoded or not, each letter in either
/// case, the hex digits in either case.
fn sig_name(b: u8) -> String {
    "sig"
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let c = if b & (1 << i) != 0 { c.to_ascii_uppercase() } else { c };
            match (b & (1 << (i + 3)) != 0, b & 0x40 != 0) {
                (true, true) => format!("%{:02x}", c as u8),
                (true, false) => format!("%{:02X}", c as u8),
                (false, _) => c.to_string(),
            }
        })
        .collect()
}

/// The URL from its parts.
fn build(other: &str, name: &str, value: &str, password: &str, in_fragment: bool) -> String {
    let sig = format!("{name}={value}");
    if in_fragment {
        format!("https://bob:{password}@h.example/p/a.wav?{other}#t=1&{sig}")
    } else {
        format!("https://bob:{password}@h.example/p/a.wav?{other}&{sig}")
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for e in extract_urls(&text, "f", None) {
        assert!(e.source.line >= 1);
        let shown = redact(&e.url);
        // Every credential field of the query (`sig`, `token`, ...), however its name is
        // written, is redacted whole.
        let query = shown.split_once('?').map_or("", |(_, q)| q);
        let query = query.split('#').next().unwrap_or("");
        for field in query.split(['&', ';']) {
            if let Some((key, value)) = field.split_once('=') {
                if is_secret_name(key) {
                    assert!(value.is_empty() || value == "REDACTED", "{shown}");
                }
            }
        }
    }
    // Redaction is stable: redacting again changes nothing.
    let once = redact(&text);
    assert_eq!(redact(&once), once);

    // The oracle over generated URLs.
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let rest = String::from_utf8_lossy(rest);
    let mut parts = rest.splitn(3, '\u{1}');
    let value: String = parts.next().unwrap_or("").chars().filter(value_char).collect();
    let password: String = parts.next().unwrap_or("").chars().filter(password_char).collect();
    let other: String = parts.next().unwrap_or("").chars().filter(value_char).collect();
    if value.is_empty() || password.is_empty() {
        return;
    }
    let name = sig_name(control);
    let in_fragment = control & 0x80 != 0;
    let secret = build(&other, &name, &value, &password, in_fragment);
    let stand_in = build(&other, &name, "x", "y", in_fragment);
    assert_eq!(display_url(&secret), display_url(&stand_in), "{secret}");
    let message = |url: &str| redact(&format!("error sending request for url ({url}): refused"));
    assert_eq!(message(&secret), message(&stand_in), "{secret}");
});
