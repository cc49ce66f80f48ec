//! Azure SAS tokens in prompt URLs: their validity window and permissions; and keeping their
//! signature (`sig`), and every other credential a URL can carry (a password, a `token`, an
//! `api_key`: [`SECRET_FIELDS`]), out of every output.

use jiff::{SignedDuration, Timestamp};
use percent_encoding::percent_decode_str;
use reqwest::Url;

use super::Fetcher;
use crate::rules::Rule;

/// What replaces a SAS signature, or a URL's user name and password, everywhere it would be
/// shown.
pub const REDACTED: &str = "REDACTED";

/// Where a field value ends when text is scanned without a URL parser.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// One URL (a query, a fragment, or a URL that does not parse): a value runs to the next
    /// `&` or `#`.
    Url,
    /// Free text (messages, error chains): a value also ends at white space.
    Text,
}

/// Characters that end a field name when it is read back from its `=`. Generous on purpose: a
/// name cut short here can only make more fields look like `sig` and be redacted.
fn is_name_boundary(c: char) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            '?' | '&'
                | ';'
                | '='
                | '#'
                | '"'
                | '\''
                | '('
                | ')'
                | '<'
                | '>'
                | ','
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '`'
                | '\\'
                | '/'
                | ':'
        )
}

/// A field name as a server may read it: percent-decoded (more than once, so a double-encoded
/// name counts too), `+` read as a space, tabs and line breaks dropped (URL parsers drop them),
/// trimmed, and cut after the last separator a decoded escape made.
fn field_key(name: &str) -> String {
    let mut key = name.replace('+', " ");
    for _ in 0..4 {
        let decoded = percent_decode_str(&key).decode_utf8_lossy().into_owned();
        if decoded == key {
            break;
        }
        key = decoded;
    }
    key.retain(|c| !matches!(c, '\t' | '\n' | '\r'));
    let key = key.trim();
    // What a decoded escape made into a separator separates.
    key.rsplit(is_name_boundary)
        .next()
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Whether a field name, as written, means the SAS field `field` (lowercase ASCII: `sig`,
/// `sp`, `se`, ...): read as [`field_key`] does, compared in any case (Unicode case mapping, so
/// `ſig` and `sıg` mean `sig` too). Redaction and the SAS checks both name fields through this.
fn names_field(name: &str, field: &str) -> bool {
    let key = field_key(name);
    key.chars()
        .flat_map(char::to_uppercase)
        .eq(field.chars().flat_map(char::to_uppercase))
        || key.chars().flat_map(char::to_lowercase).eq(field.chars())
}

/// Whether a query field name, as written, means `sig` to a server: percent-decoded (more than
/// once, so a double-encoded name counts too), `+` read as a space, tabs and line breaks dropped
/// (URL parsers drop them), trimmed, and compared in any case (Unicode case mapping, so `ſig`
/// and `sıg` count as well).
pub fn is_sig_name(name: &str) -> bool {
    names_field(name, "sig")
}

/// The names of the URL fields whose values are credentials, and are shown as [`REDACTED`]
/// (the name stays, so a reader sees which field was there). Names are read as [`is_sig_name`]
/// reads `sig` (percent-decoded, any case), with `-`, `_`, `.` and spaces dropped, so that
/// `api_key`, `API-Key` and `apikey` are one name. An entry `*x` means every name that ends in
/// `x` (`*token` covers `access_token`, `id_token`, `X-Amz-Security-Token`, Akamai's
/// `__token__`); any other entry means that name only.
///
/// What is in the list, and why:
/// - `sig` (an Azure SAS) and `*signature` (AWS `X-Amz-Signature`, Google `X-Goog-Signature`,
///   CloudFront and OSS `Signature`, `oauth_signature`): the signature of a signed URL is what
///   grants access.
/// - `*token`, `jwt`, `auth`, `authorization`, `*sessionid`, `hdnts`, `hdnea` (Akamai token
///   authentication): bearer tokens and sessions, which grant access to whoever holds them.
/// - `key` (Google APIs' `?key=`), `*apikey`, `*accesskey` (`SharedAccessKey`), `*secretkey`,
///   `*privatekey`, `*subscriptionkey` (Azure API Management's `subscription-key`,
///   `Ocp-Apim-Subscription-Key`), `*secret` (`client_secret`): keys.
/// - `*password`, `*passwd`, `pwd`, `pass`: passwords.
/// - `code`: an Azure Functions function key (`?code=`) and an OAuth authorization code; a
///   harmless `code` (a language code) is hidden too, a price worth paying.
/// - CDN and single-sign-on tokens: `*authkey` (Alibaba Cloud CDN's `auth_key`), `verify`
///   (Cloudflare signed URLs), `sign` (Tencent Cloud CDN), `hmac`, `*tokenhash` (Wowza's
///   `wowzatokenhash`), `upt` (Upyun's `_upt`), `ticket` (CAS), `*sessid` (`PHPSESSID`),
///   `*verifier` (`oauth_verifier`).
///
/// Left out, as they grant nothing alone and tell a reader what the URL is: `X-Amz-Credential`
/// and `X-Goog-Credential` (an access key ID or a service account, with a date and region),
/// CloudFront's `Key-Pair-Id` and `Policy`, a SAS's `sv`, `sp`, `se`, `st`, `sr` (which the SAS
/// checks name in their messages), and names that merely hold one of these words elsewhere
/// (`xsig`, `keyframe`, `tokenizer`).
pub const SECRET_FIELDS: &[&str] = &[
    "sig",
    "*signature",
    "*token",
    "jwt",
    "auth",
    "authorization",
    "*sessionid",
    "hdnts",
    "hdnea",
    "key",
    "*apikey",
    "*accesskey",
    "*secretkey",
    "*privatekey",
    "*subscriptionkey",
    "*secret",
    "*password",
    "*passwd",
    "pwd",
    "pass",
    "code",
    "*authkey",
    "verify",
    "sign",
    "hmac",
    "*tokenhash",
    "upt",
    "ticket",
    "*sessid",
    "*verifier",
];

/// Whether a field name, as written, names a credential (one of [`SECRET_FIELDS`]): read as
/// [`is_sig_name`] reads `sig` (percent-decoded, trimmed, any case under Unicode case mapping),
/// with `-`, `_`, `.` and white space dropped. Every `sig` name is one.
pub fn is_secret_name(name: &str) -> bool {
    let key: Vec<char> = field_key(name)
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.') && !c.is_whitespace())
        .collect();
    // Compared upper-cased and lower-cased, as [`names_field`] does (`ſ` upper-cases to `S`).
    let upper: Vec<char> = key.iter().copied().flat_map(char::to_uppercase).collect();
    let lower: Vec<char> = key.iter().copied().flat_map(char::to_lowercase).collect();
    SECRET_FIELDS.iter().any(|entry| {
        let (suffix, word) = match entry.strip_prefix('*') {
            Some(word) => (true, word),
            None => (false, *entry),
        };
        let word_upper: Vec<char> = word.chars().flat_map(char::to_uppercase).collect();
        let word_lower: Vec<char> = word.chars().collect();
        let matches = |name: &[char], word: &[char]| {
            if suffix {
                name.ends_with(word)
            } else {
                name == word
            }
        };
        matches(&upper, &word_upper) || matches(&lower, &word_lower)
    })
}

/// One `name=value` field found by [`fields`]: byte ranges into the text scanned.
#[derive(Debug, Clone)]
struct Field {
    /// The name, read back from its `=` to a boundary (see [`is_name_boundary`]).
    name: std::ops::Range<usize>,
    /// The value, up to the next `&` or `#` (and white space in free text).
    value: std::ops::Range<usize>,
}

/// Every field of `text`: one for each `=`, its name read back to a boundary and its value
/// running to the next `&` or `#` (and white space in free text). Fields may overlap (the value
/// of one can hold the `=` of another): a reader that takes a value whole skips the fields
/// inside it. The one parse of SAS fields: redaction and [`check`] both read fields here.
fn fields(text: &str, scan: Scan) -> impl Iterator<Item = Field> + '_ {
    let ends_value =
        move |c: char| c == '&' || c == '#' || (scan == Scan::Text && c.is_ascii_whitespace());
    text.match_indices('=').map(move |(eq, _)| {
        // The name runs back to a boundary; `=` is one, so this never scans far.
        let name_start = text[..eq]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_name_boundary(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let value_start = eq + 1;
        let value_end = text[value_start..]
            .find(ends_value)
            .map_or(text.len(), |i| value_start + i);
        Field {
            name: name_start..eq,
            value: value_start..value_end,
        }
    })
}

/// `text` with the value of every field whose name is a credential's (see [`is_secret_name`]:
/// `sig`, `token`, `password`, ...) replaced by [`REDACTED`], whole: up to the next `&` or `#`
/// (and white space in free text).
fn redact_secret_fields(text: &str, scan: Scan) -> String {
    let mut out = String::with_capacity(text.len());
    let mut shown = 0; // `text[..shown]` is in `out`
    for field in fields(text, scan) {
        // A field inside a value already redacted is gone with it.
        if field.name.end < shown || !is_secret_name(&text[field.name.clone()]) {
            continue;
        }
        if !field.value.is_empty() && !already_redacted(&text[field.value.clone()]) {
            out.push_str(&text[shown..field.value.start]);
            out.push_str(REDACTED);
            shown = field.value.end;
        }
    }
    out.push_str(&text[shown..]);
    out
}

/// Whether a value is [`REDACTED`] already, followed only by punctuation that no signature
/// holds (`)`, `:`, a quote...): text that quotes a redacted URL keeps its punctuation. Anything
/// a signature could hold (letters, digits, `%`, `+`, `/`, `=`, `-`, `_`) after it is redacted.
fn already_redacted(value: &str) -> bool {
    value.strip_prefix(REDACTED).is_some_and(|rest| {
        rest.chars()
            .all(|c| c.is_ascii_punctuation() && !matches!(c, '%' | '+' | '/' | '=' | '-' | '_'))
    })
}

/// `text` with whatever stands between a `://` and the last `@` of what follows (up to `?`,
/// `#`, and white space in free text) replaced by [`REDACTED`]: the user name and password of a
/// URL that did not parse. Takes more than the user information when a path holds an `@`.
fn redact_userinfo_text(text: &str, scan: Scan) -> String {
    let mut out = String::with_capacity(text.len());
    let mut shown = 0;
    // A `://` before `end` has the same end and no `@` after the last one: the search goes on
    // from `end`, so a run of `://` is read once, not once for each.
    let mut from = 0;
    while let Some(at) = text[from..].find("://").map(|i| from + i + 3) {
        let end = text[at..]
            .find(|c: char| c == '?' || c == '#' || (scan == Scan::Text && c.is_ascii_whitespace()))
            .map_or(text.len(), |i| at + i);
        if let Some(i) = text[at..end].rfind('@') {
            out.push_str(&text[shown..at]);
            out.push_str(REDACTED);
            shown = at + i;
        }
        from = end;
    }
    out.push_str(&text[shown..]);
    out
}

/// A parsed URL for display: its user name and password (if any) become one [`REDACTED`], and
/// so does the value of every credential's field (`sig`, `token`, `password`, ...: see
/// [`SECRET_FIELDS`]) of its path, query and fragment, whatever the case or percent-encoding of
/// the name (see [`is_secret_name`]); a host that holds such a field is [`REDACTED`] whole. Only
/// what is shown changes: the URL requested is never one that went through here.
///
/// This is the one redaction of URLs: [`redact`] and [`redact_url_text`] send every URL that
/// parses through it. Each part is redacted on its own and set back through the parser, so what
/// is shown is a URL with the same parts, which parses back to itself: redacting it again
/// changes nothing.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    if !u.username().is_empty() || u.password().is_some() {
        let cleared = u.set_password(None).is_ok() && u.set_username(REDACTED).is_ok();
        if !cleared {
            return format!("{}:{REDACTED}", url.scheme());
        }
    }
    if let Some(host) = u.host_str() {
        if redact_secret_fields(host, Scan::Url) != host && u.set_host(Some(REDACTED)).is_err() {
            return format!("{}:{REDACTED}", url.scheme());
        }
    }
    let path = redact_secret_fields(u.path(), Scan::Url);
    if path != u.path() {
        u.set_path(&path);
    }
    if let Some(query) = u.query() {
        let query = redact_secret_fields(query, Scan::Url);
        u.set_query(Some(&query));
    }
    if let Some(fragment) = u.fragment() {
        let fragment = redact_secret_fields(fragment, Scan::Url);
        u.set_fragment(Some(&fragment));
    }
    u.into()
}

/// The fallback for text that does not parse as a URL: anything that may be user information,
/// then every credential's value, then user information again (a value may have held the `?`
/// that ended it), so that the result is its own redaction.
fn redact_unparsed(text: &str, scan: Scan) -> String {
    let userinfo = redact_userinfo_text(text, scan);
    redact_userinfo_text(&redact_secret_fields(&userinfo, scan), scan)
}

/// One URL as text, for display: parsed, it is [`redact_url`] (the parsed, normalised form);
/// if it does not parse, every credential's value (see [`is_secret_name`]) and anything that
/// may be user information is redacted from the text, a value running to the next `&` or `#`.
pub fn redact_url_text(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(u) => redact_url(&u),
        Err(_) => redact_unparsed(url, Scan::Url),
    }
}

/// Where a word of free text ends: white space or a C0 control character or DEL, as a URL ends
/// in the URL extraction (`extract.rs`), so a NUL-separated blob (an environment dump) is many
/// words.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\0'..='\x1f' | '\x7f')
}

/// A word that is a URL, with a lead before its scheme (`(`, `url=`): the lead and the URL.
/// The first `://` of the word must follow a scheme, and the lead must hold no credential's field
/// (the URL would be part of its value).
fn url_word(word: &str) -> Option<(&str, Url)> {
    let sep = match word.find("://") {
        Some(sep) => sep,
        // `https:/host` and `https:host` are URLs to a parser too (and the path a URL makes,
        // given where a path belongs, is written so): the `:` of the first such scheme.
        None => {
            let lower = word.to_ascii_lowercase();
            ["https:", "http:"]
                .iter()
                .filter_map(|scheme| lower.find(scheme).map(|i| i + scheme.len() - 1))
                .min()?
        }
    };
    let bytes = word.as_bytes();
    let mut start = sep;
    while start > 0
        && (bytes[start - 1].is_ascii_alphanumeric() || b"+.-".contains(&bytes[start - 1]))
    {
        start -= 1;
    }
    while start < sep && !bytes[start].is_ascii_alphabetic() {
        start += 1;
    }
    if start == sep {
        return None;
    }
    let (lead, written) = word.split_at(start);
    let probe = format!("{lead}x");
    if redact_secret_fields(&probe, Scan::Text) != probe {
        return None;
    }
    Some((lead, Url::parse(written).ok()?))
}

/// A word that is a URL (see [`url_word`]), for display: untouched unless the URL held a
/// secret, else the lead and [`redact_url`].
fn show_url_word(word: &str) -> Option<String> {
    let (lead, url) = url_word(word)?;
    let shown = redact_url(&url);
    Some(if shown == url.as_str() {
        word.to_owned()
    } else {
        format!("{lead}{shown}")
    })
}

/// One word of free text (no white space, no C0 control character), redacted: a URL goes through
/// [`redact_url`]; anything else through the text fallback, and if what that leaves is a URL
/// (a bad port was user information), through [`redact_url`] too. Either way the result is its
/// own redaction.
fn redact_word(word: &str) -> String {
    if let Some(shown) = show_url_word(word) {
        return shown;
    }
    let text = redact_unparsed(word, Scan::Text);
    show_url_word(&text).unwrap_or(text)
}

/// `text` (a message, an error chain) with its secrets redacted, word by word (a word ends at
/// white space, a C0 control character or DEL): a word that is a URL, maybe after a lead such as `(`,
/// goes through [`redact_url`]; any other word loses anything between `://` and an `@` and the
/// value of every credential's field (see [`is_secret_name`]), up to `&` or `#`.
///
/// The word after an HTTP authorization scheme (`Bearer`, `Basic`, in any case) is a
/// credential, and is [`REDACTED`] whole.
///
/// Anything that may hold a URL passes through it before it leaves the library or the binary.
/// Redacting twice changes nothing.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut after_scheme = false;
    while let Some(start) = rest.find(|c: char| !ends_word(c)) {
        out.push_str(&rest[..start]);
        let word = &rest[start..];
        let end = word.find(ends_word).unwrap_or(word.len());
        let word = &word[..end];
        if after_scheme && word != REDACTED {
            out.push_str(REDACTED);
        } else {
            out.push_str(&redact_word(word));
        }
        after_scheme = ["bearer", "basic"].iter().any(|scheme| {
            word.trim_start_matches(['\'', '"'])
                .eq_ignore_ascii_case(scheme)
        });
        rest = &rest[start + end..];
    }
    out.push_str(rest);
    out
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

/// What each SAS permission letter (`sp`) allows, in the words of Azure Storage's references
/// for a service SAS and an account SAS. `p` differs between them: see [`permission_name`].
const PERMISSIONS: &[(char, &str)] = &[
    ('r', "read"),
    ('a', "add"),
    ('c', "create"),
    ('w', "write"),
    ('d', "delete"),
    ('x', "delete version"),
    ('y', "permanent delete"),
    ('l', "list"),
    ('t', "tags"),
    ('f', "find by tags"),
    ('m', "move"),
    ('e', "execute"),
    ('o', "ownership"),
    ('i', "set immutability policy"),
    ('u', "update"),
];

/// The name of a documented permission letter: `p` is "permissions" in a service SAS and
/// "process" in an account SAS (one with an `ss` field).
fn permission_name(letter: char, account_sas: bool) -> Option<&'static str> {
    if letter == 'p' {
        return Some(if account_sas {
            "process"
        } else {
            "permissions"
        });
    }
    PERMISSIONS
        .iter()
        .find(|(l, _)| *l == letter)
        .map(|&(_, name)| name)
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A URL's SAS fields as a server reads them: the query's fields from [`fields`] (the parse
/// redaction uses), names matched as redaction matches `sig` (any case, percent-encoded or not),
/// values percent-decoded (`+` as a space), the first of each name kept, and a field that lies
/// inside an earlier field's value skipped.
struct SasFields {
    /// The first value of each field read, by its lowercase name.
    values: Vec<(&'static str, String)>,
    /// Whether the query holds a field redaction treats as the signature: a SAS.
    signed: bool,
}

impl SasFields {
    /// The SAS fields the checks read.
    const NAMES: [&'static str; 4] = ["sp", "st", "se", "ss"];

    fn read(url: &Url) -> SasFields {
        let query = url.query().unwrap_or("");
        let mut values: Vec<(&'static str, String)> = Vec::new();
        let mut signed = false;
        let mut outer_end = 0;
        for field in fields(query, Scan::Url) {
            let name = &query[field.name.clone()];
            signed |= is_sig_name(name);
            if field.name.start < outer_end {
                continue;
            }
            outer_end = field.value.end;
            let Some(&key) = Self::NAMES.iter().find(|n| names_field(name, n)) else {
                continue;
            };
            if values.iter().all(|(k, _)| *k != key) {
                let raw = query[field.value.clone()].replace('+', " ");
                values.push((
                    key,
                    percent_decode_str(&raw).decode_utf8_lossy().into_owned(),
                ));
            }
        }
        SasFields { values, signed }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Findings about the SAS token in `url`, if it carries one (a field redaction treats as `sig`);
/// `fetcher` downloads the file.
pub(crate) fn check(
    url: &Url,
    now: Timestamp,
    min_days: u32,
    fetcher: Fetcher,
) -> Vec<(Rule, String)> {
    let name = fetcher.name();
    let mut out = Vec::new();
    let sas = SasFields::read(url);
    if !sas.signed {
        return out;
    }
    if let Some(sp) = sas.get("sp") {
        if !sp.contains('r') {
            out.push((
                Rule::SasNoRead,
                format!("the SAS permissions sp={sp} do not include r (read); {name} cannot download the file"),
            ));
        }
        let account_sas = sas.get("ss").is_some();
        let (mut named, mut unknown): (Vec<String>, Vec<char>) = (Vec::new(), Vec::new());
        let mut seen: Vec<char> = vec!['r'];
        for c in sp.chars() {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c);
            match permission_name(c, account_sas) {
                Some(name) => named.push(format!("{name} ({c})")),
                None => unknown.push(c),
            }
        }
        if !unknown.is_empty() {
            let shown: String = unknown.iter().take(8).collect();
            let more = if unknown.len() > 8 { ", ..." } else { "" };
            named.push(format!("letters Azure does not document ({shown}{more})"));
        }
        if !named.is_empty() {
            out.push((
                Rule::SasTooPermissive,
                format!(
                    "the SAS permissions sp={sp} grant more than read (r): {}, which {name} never needs; anyone who can read this URL can use them",
                    and_list(&named)
                ),
            ));
        }
    }
    if let Some(st) = sas.get("st") {
        if let Some(start) = parse_time(st) {
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
    if let Some(se) = sas.get("se") {
        match parse_time(se) {
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
        check(&url(q), now(), 7, Fetcher::Acs)
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
    fn encoded_and_oddly_cased_names_are_sig_too() {
        for name in [
            "sig",
            "SIG",
            "Sig",
            "%73ig",
            "si%67",
            "%53%49%47",
            "%2573ig",
            "sig+",
            "%20sig",
            "\u{17f}ig",
            "s\u{131}g",
            "s\tig",
        ] {
            assert!(is_sig_name(name), "{name:?}");
        }
        for name in ["xsig", "sigx", "si", "sv", "signature", "%73i"] {
            assert!(!is_sig_name(name), "{name:?}");
        }
        for (url, shown) in [
            (
                "https://h/a.wav?sv=1&%73ig=S3CRET&sp=r",
                "https://h/a.wav?sv=1&%73ig=REDACTED&sp=r",
            ),
            (
                "https://h/a.wav?si%67=S3CRET",
                "https://h/a.wav?si%67=REDACTED",
            ),
            (
                "https://h/a.wav?%53%49%47=S3CRET#x",
                "https://h/a.wav?%53%49%47=REDACTED#x",
            ),
            // A quote does not end the value: the parsed URL encodes it.
            (
                "https://h/a.wav?sig=AB'S3CRET",
                "https://h/a.wav?sig=REDACTED",
            ),
            // Every copy, and one in the fragment.
            (
                "https://h/a.wav?sig=S3CRET&SIG=S3CRET2#x&sig=S3CRET3",
                "https://h/a.wav?sig=REDACTED&SIG=REDACTED#x&sig=REDACTED",
            ),
            // A field separated by ';'.
            (
                "https://h/a.wav?a=1;sig=S3CRET",
                "https://h/a.wav?a=1;sig=REDACTED",
            ),
        ] {
            assert_eq!(redact_url_text(url), shown, "{url}");
            assert_eq!(
                redact(&format!("for url ({url}): failed"))
                    .matches("S3CRET")
                    .count(),
                0
            );
        }
    }

    /// A URL written with one slash or none after its scheme (as a path made of a URL shows
    /// it) is a URL to redaction too: its user information goes.
    /// A bearer token or basic credentials in free text (a header quoted back) are redacted.
    #[test]
    fn authorization_credentials_in_text_are_redacted() {
        assert_eq!(
            redact("invalid value 'Authorization: Bearer eyJhbGciOi.x.y' for '--retries'"),
            "invalid value 'Authorization: Bearer REDACTED for '--retries'"
        );
        assert_eq!(redact("basic dXNlcjpwYXNz"), "basic REDACTED");
        assert_eq!(
            redact("the bearer of bad news"),
            "the bearer REDACTED bad news"
        );
        let once = redact("Bearer abc def");
        assert_eq!(redact(&once), once);
    }

    #[test]
    fn a_url_with_one_slash_is_redacted_whole() {
        assert_eq!(
            redact("no prompt URLs in https:/u:PASSW0RD@h.example/a.wav?sig=S, at all"),
            "no prompt URLs in https://REDACTED@h.example/a.wav?sig=REDACTED at all"
        );
        assert_eq!(
            redact("see HTTPS:u:PASSW0RD@h.example/a.wav"),
            "see https://REDACTED@h.example/a.wav"
        );
        assert_eq!(redact("http: is a scheme"), "http: is a scheme");
    }

    #[test]
    fn credentials_in_queries_are_redacted_by_name() {
        let url = "https://cdn.example/welcome.wav?token=T0K&password=hunter2&api_key=K3Y&access_token=ACC&code=C0DE&X-Amz-Signature=AMZ&X-Goog-Signature=GOOG&lang=en";
        let shown = "https://cdn.example/welcome.wav?token=REDACTED&password=REDACTED&api_key=REDACTED&access_token=REDACTED&code=REDACTED&X-Amz-Signature=REDACTED&X-Goog-Signature=REDACTED&lang=en";
        assert_eq!(redact_url_text(url), shown);
        assert_eq!(
            redact(&format!("error for url ({url}): refused")),
            format!("error for url ({shown}): refused")
        );
        // Not a URL at all: the text fallback reads the same names.
        assert_eq!(
            redact("GET [::1/a.wav?Api-Key=K3Y&sp=r and --password=hunter2 then id_token=ID"),
            "GET [::1/a.wav?Api-Key=REDACTED&sp=r and --password=REDACTED then id_token=REDACTED"
        );
        for name in [
            "token",
            "TOKEN",
            "access_token",
            "id_token",
            "refresh_token",
            "X-Amz-Security-Token",
            "__token__",
            "password",
            "Passwd",
            "pwd",
            "pass",
            "api_key",
            "apikey",
            "api-key",
            "x-api-key",
            "key",
            "subscription-key",
            "Ocp-Apim-Subscription-Key",
            "SharedAccessKey",
            "secret",
            "client_secret",
            "code",
            "signature",
            "X-Amz-Signature",
            "x-goog-signature",
            "oauth_signature",
            "auth_key",
            "verify",
            "sign",
            "hmac",
            "wowzatokenhash",
            "_upt",
            "ticket",
            "PHPSESSID",
            "oauth_verifier",
            "auth",
            "Authorization",
            "jwt",
            "jsessionid",
            "hdnts",
            "sig",
            // Percent-encoded, double-encoded, Unicode case mapping.
            "%74oken",
            "%2574oken",
            "api%5Fkey",
            "%41PI%2DKEY",
            "\u{17f}ecret",
            "pa\u{17f}\u{17f}word",
        ] {
            assert!(is_secret_name(name), "{name:?}");
            let url = format!("https://h.example/a.wav?x=1&{name}=S3CRET&y=2");
            let shown = redact_url_text(&url);
            assert!(!shown.contains("S3CRET"), "{shown}");
            assert!(shown.contains("=REDACTED&y=2"), "{shown}");
        }
        // Harmless fields keep their values: a SAS's own fields, and names that only hold a
        // credential's word somewhere else.
        for name in [
            "sv",
            "sp",
            "se",
            "st",
            "sr",
            "xsig",
            "keyframe",
            "monkey",
            "tokenizer",
            "lang",
            "X-Amz-Credential",
            "X-Amz-Date",
            "Key-Pair-Id",
            "Policy",
            "passage",
            "codec",
        ] {
            assert!(!is_secret_name(name), "{name:?}");
            let url = format!("https://h.example/a.wav?{name}=v4lue");
            assert_eq!(redact_url_text(&url), url);
        }
        // Idempotent, and what is shown does not depend on the secret.
        let once = redact(&format!("see {url} and token=abc"));
        assert_eq!(redact(&once), once);
        assert_eq!(
            redact_url_text(&url.replace("hunter2", "other")),
            redact_url_text(url)
        );
    }

    #[test]
    fn passwords_and_user_names_are_redacted() {
        assert_eq!(
            redact_url_text("https://bob:hunter2@h.example/a.wav"),
            "https://REDACTED@h.example/a.wav"
        );
        assert_eq!(
            redact_url_text("https://ghp_t0ken@h.example/a.wav"),
            "https://REDACTED@h.example/a.wav"
        );
        // Not a URL: everything up to the last '@' before the query goes.
        assert_eq!(
            redact_url_text("https://bob:hun/ter2@[::1/a.wav?sig=AB'C D&e=1"),
            "https://REDACTED@[::1/a.wav?sig=REDACTED&e=1"
        );
        assert_eq!(
            redact("GET http://bob:hunter2@h/a.wav and http://al:pw@[::1/x failed"),
            "GET http://REDACTED@h/a.wav and http://REDACTED@[::1/x failed"
        );
        // Nothing to hide: left as written.
        assert_eq!(redact("see https://h/@me/a.wav"), "see https://h/@me/a.wav");
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        // Found by fuzzing (target `text`): a URL whose host and path held `sig=` fields was
        // redacted as a URL, and then again as free text over its serialisation, a value running
        // over the `/` that began the path; the next pass read another URL.
        let text = "https://acct10&s\u{1b}e@2020-01-01&sp=r&%73ig=abc.blr&%73ig=abc.blobhttps://acct10&s\u{1b}e@2020-01-01&sp=r&%73ig=abc.blr&%73ig=abc..core.windows.net/p&se=2020-01-01&s\u{fffd}p=r&%73ig=abc\n";
        let once = redact(text);
        assert_eq!(redact(&once), once);
        assert!(!once.contains("abc"), "{once}");
        for text in [
            // A path and a host that hold `sig` fields.
            "https://h/a.wav&sig=S3CRET/x?b=1",
            "https://h&sig=S3CRET/a.wav",
            // A value that held the `?` which ended the user information.
            "https://h:x/sig=S3CRET?c&d@e",
            // Once its user information is gone, a bad port no longer stops it parsing.
            "https://h:99999/@x",
            // A `sig` value holding a URL, and one right before a URL.
            "sig=S3CRET!https://h/x&https://H/",
            "sig=S3CRET://a&https://H/",
            "%://a&sig=S3CRET!https://h/&b@c",
        ] {
            let once = redact(text);
            assert!(!once.contains("S3CRET"), "{once}");
            assert_eq!(redact(&once), once, "{text}");
        }
        assert_eq!(
            redact("https://h/a.wav&sig=S3CRET/x?b=1"),
            "https://h/a.wav&sig=REDACTED?b=1"
        );
        assert_eq!(
            redact("https://h&sig=S3CRET/a.wav"),
            "https://redacted/a.wav"
        );
    }

    #[test]
    fn a_url_ends_at_a_control_character() {
        // An environment dump: NUL-separated, each variable read on its own.
        assert_eq!(
            redact("A=1\0URL=https://h/a.wav?sig=S3CRET\0B=https://bob:pw@x/\0C=2"),
            "A=1\0URL=https://h/a.wav?sig=REDACTED\0B=https://REDACTED@x/\0C=2"
        );
        assert_eq!(
            redact("https://h/a.wav?sig=S3CRET\u{1b}[0m done"),
            "https://h/a.wav?sig=REDACTED\u{1b}[0m done"
        );
    }

    /// A generated signature: unique markers around characters that have ended a value before.
    fn signature(rng: &mut fastrand::Rng, markers: &mut Vec<String>) -> String {
        let specials = [
            "'",
            "\"",
            "%2B",
            "%3D",
            "%26",
            "%23",
            "%",
            "(",
            ")",
            ";",
            "=",
            "/",
            "?",
            "!",
            "*",
            "\u{e9}",
            "\u{20ac}",
            "\u{1f600}",
            "%E2%82%AC",
            "+",
            "<",
            ">",
            "\\",
        ];
        let mut value = String::new();
        for _ in 0..rng.usize(1..4) {
            let marker: String = (0..10).map(|_| rng.alphanumeric()).collect();
            let marker = format!("Q{marker}");
            value.push_str(&marker);
            markers.push(marker);
            value.push_str(specials[rng.usize(..specials.len())]);
        }
        value
    }

    /// `sig` with any of its bytes percent-encoded (either hex case) and any letters upper case.
    pub(crate) fn sig_name(rng: &mut fastrand::Rng) -> String {
        "sig"
            .chars()
            .map(|c| {
                let c = if rng.bool() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                match rng.u8(..3) {
                    0 => format!("%{:02X}", c as u8),
                    1 => format!("%{:02x}", c as u8),
                    _ => c.to_string(),
                }
            })
            .collect()
    }

    #[test]
    fn generated_signatures_never_survive_redaction() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let mut markers = Vec::new();
            let mut fields = vec!["sv=2022-11-02".to_owned(), "sp=r".to_owned()];
            for _ in 0..rng.usize(1..3) {
                fields.push(format!(
                    "{}={}",
                    sig_name(&mut rng),
                    signature(&mut rng, &mut markers)
                ));
            }
            rng.shuffle(&mut fields);
            let user = if rng.bool() {
                let pw: String = (0..8).map(|_| rng.alphanumeric()).collect();
                markers.push(format!("P{pw}"));
                format!("bob:P{pw}@")
            } else {
                String::new()
            };
            let host = if rng.u8(..4) == 0 {
                "[::1"
            } else {
                "h.example"
            };
            let fragment = match rng.u8(..3) {
                0 => String::new(),
                1 => "#t=1".to_owned(),
                _ => format!(
                    "#x&{}={}",
                    sig_name(&mut rng),
                    signature(&mut rng, &mut markers)
                ),
            };
            let url = format!(
                "https://{user}{host}/p/a.wav?{}{fragment}",
                fields.join("&")
            );
            for shown in [
                redact_url_text(&url),
                redact(&format!("error for url ({url}): refused")),
                redact(&format!("{url}\n")),
            ] {
                for m in &markers {
                    assert!(!shown.contains(m.as_str()), "{m} in {shown} (from {url})");
                }
                assert_eq!(redact(&shown), shown, "redacting again changes {shown}");
            }
        }
    }

    /// A string of characters drawn mostly from those that matter to URLs.
    fn garbage(rng: &mut fastrand::Rng, max: usize) -> String {
        let len = rng.usize(..max);
        let pool: Vec<char> = "sigSIG%0123456789aAfF=&;#?/@:[]\\'\"()<>+ \t\n.-_~!$*,|{}`^\u{e9}\u{17f}\u{131}\u{20ac}\u{1f600}"
            .chars()
            .collect();
        (0..len).map(|_| pool[rng.usize(..pool.len())]).collect()
    }

    #[test]
    fn what_is_shown_does_not_depend_on_the_secrets() {
        // The fuzz target `text`'s oracle, on generated input: a URL shows the same whatever its
        // signature and password are.
        let mut rng = fastrand::Rng::with_seed(8);
        for _ in 0..3000 {
            let value: String = garbage(&mut rng, 30)
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '&' | '#'))
                .collect();
            let password: String = garbage(&mut rng, 12)
                .chars()
                .filter(|c| {
                    !c.is_whitespace()
                        && !c.is_control()
                        && !matches!(c, '@' | '/' | '?' | '#' | '\\' | '[' | ']')
                })
                .collect();
            let other: String = garbage(&mut rng, 30)
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '&' | '#'))
                .collect();
            if value.is_empty() || password.is_empty() {
                continue;
            }
            let name = sig_name(&mut rng);
            let tail = if rng.bool() { "&" } else { "#t=1&" };
            let build = |v: &str, p: &str| {
                format!("https://bob:{p}@h.example/p/a.wav?{other}{tail}{name}={v}")
            };
            let (secret, stand_in) = (build(&value, &password), build("x", "y"));
            assert_eq!(
                redact_url_text(&secret),
                redact_url_text(&stand_in),
                "{secret}"
            );
            let message = |url: &str| redact(&format!("error for url ({url}): refused"));
            assert_eq!(message(&secret), message(&stand_in), "{secret}");
            // And free text made of the same pieces is stable.
            let text = garbage(&mut rng, 60);
            assert_eq!(redact(&redact(&text)), redact(&text), "{text:?}");
        }
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
        assert_eq!(
            rules("se=2027-01-01&sp=wl&sig=x"),
            vec![Rule::SasNoRead, Rule::SasTooPermissive]
        );
        assert_eq!(rules("se=never&sp=r&sig=x"), vec![Rule::SasExpired]);
        let msg = &check(
            &url("se=2026-05-30T12:00:00Z&sp=r&sig=x"),
            now(),
            7,
            Fetcher::Acs,
        )[0]
        .1;
        assert!(msg.contains("2 days ago"), "{msg}");
    }

    fn messages(q: &str) -> Vec<(Rule, String)> {
        check(&url(q), now(), 7, Fetcher::Acs)
    }

    #[test]
    fn more_than_read_is_named_in_words() {
        assert_eq!(
            messages("sv=2022-11-02&se=2027-01-01&sr=b&sp=racwdl&sig=x"),
            vec![(
                Rule::SasTooPermissive,
                "the SAS permissions sp=racwdl grant more than read (r): add (a), create (c), write (w), delete (d) and list (l), which ACS never needs; anyone who can read this URL can use them".to_owned()
            )]
        );
        // Only what is beyond read, once each; `p` as a service SAS and an account SAS name it.
        assert_eq!(
            messages("se=2027-01-01&sp=rwwp&sig=x")[0].1,
            "the SAS permissions sp=rwwp grant more than read (r): write (w) and permissions (p), which ACS never needs; anyone who can read this URL can use them"
        );
        assert_eq!(
            messages("ss=b&srt=o&se=2027-01-01&sp=rp&sig=x")[0].1,
            "the SAS permissions sp=rp grant more than read (r): process (p), which ACS never needs; anyone who can read this URL can use them"
        );
        assert_eq!(
            messages("se=2027-01-01&sp=rxytfmeoiuQ&sig=x")[0].1,
            "the SAS permissions sp=rxytfmeoiuQ grant more than read (r): delete version (x), permanent delete (y), tags (t), find by tags (f), move (m), execute (e), ownership (o), set immutability policy (i), update (u) and letters Azure does not document (Q), which ACS never needs; anyone who can read this URL can use them"
        );
        // Read only: nothing to say; not a SAS: not checked.
        assert_eq!(rules("se=2027-01-01&sp=r&sig=x"), vec![]);
        assert_eq!(rules("se=2027-01-01&sp=racwdl"), vec![]);
    }

    #[test]
    fn text_quoting_a_redacted_url_keeps_its_punctuation() {
        assert_eq!(
            redact("a hop (http://h/a.wav?sig=REDACTED): refused"),
            "a hop (http://h/a.wav?sig=REDACTED): refused"
        );
        assert_eq!(
            redact("`https://h/a?sig=REDACTED`."),
            "`https://h/a?sig=REDACTED`."
        );
        // What a signature could hold after it is redacted all the same.
        assert_eq!(redact("x?sig=REDACTEDs3cr3t"), "x?sig=REDACTED");
        assert_eq!(redact("x?sig=REDACTED%2Bk"), "x?sig=REDACTED");
        assert_eq!(redact("x?sig=REDACTED)k"), "x?sig=REDACTED");
        assert_eq!(redact("(x?sig=abc):"), "(x?sig=REDACTED");
    }

    #[test]
    fn the_checks_read_the_fields_redaction_reads() {
        // Names in another case or percent-encoded are the SAS's fields to redaction, and so
        // to the checks: the signature is hidden and the token is checked.
        for q in [
            "SE=2020-01-01&SP=racwdl&SIG=S3CRET",
            "Se=2020-01-01&sP=racwdl&Sig=S3CRET",
            "%73e=2020-01-01&%73p=racwdl&%2573ig=S3CRET",
        ] {
            let u = url(q);
            assert!(!redact_url(&u).contains("S3CRET"), "{q}");
            assert_eq!(
                rules(q),
                vec![Rule::SasTooPermissive, Rule::SasExpired],
                "{q}"
            );
        }
        // A percent-encoded value is read decoded, as Azure reads it.
        assert_eq!(
            rules("se=2026-05-31T00%3A00%3A00Z&sp=r&sig=x"),
            vec![Rule::SasExpired]
        );
        // The first field of a name counts, and a field inside another's value is not one.
        assert_eq!(rules("sp=r&sp=rw&sig=x"), vec![]);
        assert_eq!(rules("x=sp=rw&sp=r&sig=x"), vec![]);
        // A signature only in the fragment is never sent: not a SAS.
        assert_eq!(rules("sp=rw#sig=x"), vec![]);
    }

    #[test]
    fn expiring_threshold_is_configurable() {
        let u = url("se=2026-06-20T00:00:00Z&sp=r&sig=x");
        assert!(check(&u, now(), 7, Fetcher::Acs).is_empty());
        assert_eq!(check(&u, now(), 30, Fetcher::Acs)[0].0, Rule::SasExpiring);
    }
}
