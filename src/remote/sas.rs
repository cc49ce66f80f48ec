//! Azure SAS tokens in prompt URLs: their validity window and permissions, and keeping their
//! signature (`sig`) out of every output.

use std::sync::LazyLock;

use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use reqwest::Url;

use crate::rules::Rule;

/// What replaces a SAS signature everywhere it would be shown.
pub const REDACTED: &str = "REDACTED";

/// A `sig=` field and its whole value: everything up to the next field (`&`), the fragment
/// (`#`), white space, a quote or an angle bracket. (A closing parenthesis right after a URL in a
/// message is taken too: losing it is better than showing a byte of a signature.)
static SIG_IN_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)((?:^|[?&;])sig=)[^&#\s"'<>]*"#).ok());

/// `text` with the value of every `sig=` query field replaced by `REDACTED`.
///
/// Applied to URLs, messages and error chains: anything that may hold a URL passes through it
/// before it leaves the library.
pub fn redact(text: &str) -> String {
    match SIG_IN_TEXT.as_ref() {
        Some(re) if text.to_ascii_lowercase().contains("sig=") => re
            .replace_all(text, format!("${{1}}{REDACTED}").as_str())
            .into_owned(),
        _ => text.to_owned(),
    }
}

/// A URL as text with its signature redacted.
pub fn redact_url(url: &Url) -> String {
    redact(url.as_str())
}

/// Parses a SAS time: `YYYY-MM-DD`, or a date and time in UTC (`Z` or an offset), with or
/// without seconds, as Azure Storage accepts them.
fn parse_time(value: &str) -> Option<Timestamp> {
    if let Ok(t) = value.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = value.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    value
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

fn human(d: SignedDuration) -> String {
    let secs = d.as_secs().unsigned_abs();
    match secs {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3_600 => format!("{} hours", s / 3_600),
        s if s >= 120 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

/// Findings about the SAS token in `url`, if it carries one (a `sig` field).
pub(crate) fn check(url: &Url, now: Timestamp, min_days: u32) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let field = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if field("sig").is_none() {
        return out;
    }
    if let Some(sp) = field("sp") {
        if !sp.contains('r') {
            out.push((
                Rule::SasNoRead,
                format!("the SAS permissions sp={sp} do not include r (read); ACS cannot download the file"),
            ));
        }
    }
    if let Some(st) = field("st") {
        if let Some(start) = parse_time(&st) {
            if start > now {
                out.push((
                    Rule::SasNotYetValid,
                    format!(
                        "the SAS starts at {start} (st), {} from now; until then Azure answers 403",
                        human(start.duration_since(now))
                    ),
                ));
            }
        }
    }
    if let Some(se) = field("se") {
        match parse_time(&se) {
            Some(end) if end <= now => out.push((
                Rule::SasExpired,
                format!(
                    "the SAS expired at {end} (se), {} ago; Azure answers 403 AuthenticationFailed",
                    human(now.duration_since(end))
                ),
            )),
            Some(end) if end.duration_since(now) < SignedDuration::from_hours(24 * i64::from(min_days)) => {
                out.push((
                    Rule::SasExpiring,
                    format!(
                        "the SAS expires at {end} (se), in {}: less than the {min_days} days asked for",
                        human(end.duration_since(now))
                    ),
                ))
            }
            Some(_) => {}
            None => out.push((
                Rule::SasExpired,
                format!("the SAS expiry se={se} is not a date Azure accepts; the token is invalid"),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(q: &str) -> Url {
        Url::parse(&format!(
            "https://acct.blob.core.windows.net/prompts/a.wav?{q}"
        ))
        .unwrap()
    }

    fn now() -> Timestamp {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    fn rules(q: &str) -> Vec<Rule> {
        check(&url(q), now(), 7)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    #[test]
    fn redacts_every_signature() {
        assert_eq!(
            redact("https://a/b.wav?sv=2022&sig=abc%2Bdef%3D&sp=r"),
            "https://a/b.wav?sv=2022&sig=REDACTED&sp=r"
        );
        assert_eq!(redact("x?SIG=abc"), "x?SIG=REDACTED");
        assert_eq!(
            redact("error for url (https://h/a.wav?sig=s3cret): refused; again https://h/b?x=1&sig=s3c!r3t#f"),
            "error for url (https://h/a.wav?sig=REDACTED refused; again https://h/b?x=1&sig=REDACTED#f"
        );
        // Found by fuzzing: "sig=" inside a host name is not a SAS field.
        assert_eq!(
            redact("https://contoso.sig=.core.windows.net/prompts/welcome.wav"),
            "https://contoso.sig=.core.windows.net/prompts/welcome.wav"
        );
        assert_eq!(
            redact("no signature here: design=1"),
            "no signature here: design=1"
        );
        // Only the sig field: a field that merely ends in "sig" is left alone.
        assert_eq!(redact("https://h/a?xsig=1"), "https://h/a?xsig=1");
    }

    #[test]
    fn valid_token_passes() {
        assert_eq!(
            rules("sv=2022-11-02&st=2026-05-01&se=2026-12-31T00:00:00Z&sr=b&sp=r&sig=x"),
            vec![]
        );
        // Not a SAS URL at all.
        assert_eq!(rules("se=2000-01-01&sp=w"), vec![]);
    }

    #[test]
    fn each_problem_is_found() {
        assert_eq!(
            rules("se=2026-05-31T00:00:00Z&sp=r&sig=x"),
            vec![Rule::SasExpired]
        );
        assert_eq!(
            rules("se=2026-06-03T00:00Z&sp=r&sig=x"),
            vec![Rule::SasExpiring]
        );
        assert_eq!(
            rules("st=2026-06-02&se=2027-01-01&sp=r&sig=x"),
            vec![Rule::SasNotYetValid]
        );
        assert_eq!(rules("se=2027-01-01&sp=wl&sig=x"), vec![Rule::SasNoRead]);
        assert_eq!(rules("se=never&sp=r&sig=x"), vec![Rule::SasExpired]);
        let msg = &check(&url("se=2026-05-30T12:00:00Z&sp=r&sig=x"), now(), 7)[0].1;
        assert!(msg.contains("2 days ago"), "{msg}");
    }

    #[test]
    fn expiring_threshold_is_configurable() {
        let u = url("se=2026-06-20T00:00:00Z&sp=r&sig=x");
        assert!(check(&u, now(), 7).is_empty());
        assert_eq!(check(&u, now(), 30)[0].0, Rule::SasExpiring);
    }
}
