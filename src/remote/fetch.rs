//! Fetching the first 64 KiB of a prompt URL the way ACS would fetch the whole file: without
//! credentials, from a public address, following redirects, retrying what ACS's error table says
//! to retry, all of it within one deadline per URL (`--timeout`).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    HeaderMap, ACCEPT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE, RETRY_AFTER,
};
use reqwest::{Client, StatusCode, Url};
use tokio::time::Instant;

use super::address::{never_contacted, non_public_name, non_public_reason, unresolvable_name};
use super::sas::{redact, redact_url, redact_url_text};
use crate::header::source::MAX_READ;
use crate::options::CheckOptions;
use crate::report::HttpInfo;
use crate::rules::Rule;

use super::{Fetcher, Issue};

/// The most redirects followed, as browsers and ACS's HTTP stack commonly allow.
pub(crate) const MAX_REDIRECTS: u32 = 10;
/// Longest wait honoured from a `Retry-After` header.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// First backoff; doubled on each retry.
const BACKOFF_START: Duration = Duration::from_millis(250);
/// Longest backoff.
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// Longest connect phase (or `--timeout`, when that is shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The connect limit under these options.
fn connect_limit(options: &CheckOptions) -> Duration {
    CONNECT_TIMEOUT.min(options.timeout)
}

/// Seconds for a message: `30`, `1.8`, `0.25`; below 10 ms, as many places as it takes
/// (`0.001`), so a short limit never reads as `0`.
pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    let text = if s > 0.0 && s < 0.01 {
        format!("{s}")
    } else {
        format!("{s:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A host that resolves to an address ACS cannot reach; raised by the resolver so no connection
/// is ever opened to it.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {ip}, which is {reason}")]
pub(crate) struct PrivateAddress {
    host: String,
    ip: IpAddr,
    reason: &'static str,
}

/// The resolver every connection goes through: it refuses names that resolve to any non-public
/// address (unless private addresses are allowed), so DNS cannot point a check at an internal
/// host, on the first request or on any redirect.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some((ip, reason)) = addrs
                .iter()
                .find_map(|a| never_contacted(a.ip()).map(|r| (a.ip(), r)))
            {
                return Err(Box::new(PrivateAddress { host, ip, reason }) as _);
            }
            if !allow_private {
                if let Some((ip, reason)) = addrs
                    .iter()
                    .find_map(|a| non_public_reason(a.ip()).map(|r| (a.ip(), r)))
                {
                    return Err(Box::new(PrivateAddress { host, ip, reason }) as _);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Builds the HTTP client: no proxy (ACS connects directly), no automatic redirects (each hop is
/// checked here), no decompression, the guarded resolver.
pub(crate) fn client(options: &CheckOptions) -> reqwest::Result<Client> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(connect_limit(options))
        .dns_resolver(GuardedResolver {
            allow_private: options.allow_private,
        })
        .user_agent(concat!("acs-preflight/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The body of a successful answer, as much of it as was read.
pub(crate) struct Body {
    /// The first bytes (at most [`MAX_READ`]).
    pub bytes: Vec<u8>,
    /// The full size of the resource, when the server said or the body ended.
    pub total: Option<u64>,
}

/// The outcome of fetching one URL.
pub(crate) struct Fetched {
    pub http: HttpInfo,
    pub body: Option<Body>,
    pub issues: Vec<Issue>,
    /// The headers of the final answer, when there was one that is not a redirect.
    pub headers: Option<HeaderMap>,
}

/// Why an attempt got no usable answer.
enum Failure {
    /// The name resolved (or the literal was) non-public: nothing was sent.
    Private(String),
    /// No complete answer before the URL's deadline.
    Timeout,
    /// No connection within the connect limit.
    ConnectTimeout,
    /// The connection was reset or closed early: worth a retry.
    Reset(String),
    /// TLS failed: the innermost cause.
    Tls(String),
    /// Anything else (DNS, refused, a malformed answer).
    Other(String),
}

/// An HTTP answer, with the body read when it was 2xx.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Option<Body>,
}

/// The message of an error and its causes, URL-free and redacted.
fn chain_message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    redact(&parts.join(": "))
}

/// The innermost cause's message, redacted.
fn last_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    redact(&cur.to_string())
}

fn classify(err: reqwest::Error) -> Failure {
    let timeout = err.is_timeout();
    if timeout && err.is_connect() {
        return Failure::ConnectTimeout;
    }
    let err = err.without_url();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = cur {
        if let Some(p) = e.downcast_ref::<PrivateAddress>() {
            return Failure::Private(p.to_string());
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                    return Failure::Reset(chain_message(&err));
                }
                TimedOut => return Failure::Timeout,
                _ => {}
            }
        }
        cur = e.source();
    }
    if timeout {
        return Failure::Timeout;
    }
    let message = chain_message(&err);
    let lower = message.to_ascii_lowercase();
    if lower.contains("connection refused") {
        return Failure::Other("the server refused the connection".to_owned());
    }
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        return Failure::Other(format!(
            "cannot resolve the host name ({})",
            last_cause(&err)
        ));
    }
    let cause = last_cause(&err);
    if tls_meaning(&cause).is_some()
        || lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
    {
        return Failure::Tls(cause);
    }
    // hyper reports a connection closed mid-message without an io::Error underneath.
    if lower.contains("connection closed")
        || lower.contains("incomplete")
        || lower.contains("reset")
    {
        Failure::Reset(message)
    } else {
        Failure::Other(message)
    }
}

/// One request: GET the first 64 KiB, read at most that much of a 2xx body. Never with
/// credentials: user information in the URL is dropped here, so no `Authorization` header can
/// come from it.
async fn attempt(client: &Client, url: &Url) -> Result<Answer, Failure> {
    let mut url = url.clone();
    if url.set_password(None).is_err() || url.set_username("").is_err() {
        return Err(Failure::Other("the URL cannot be requested".to_owned()));
    }
    let mut resp = client
        .get(url)
        .header(RANGE, format!("bytes=0-{}", MAX_READ - 1))
        .header(ACCEPT_ENCODING, "identity")
        .send()
        .await
        .map_err(classify)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    if !status.is_success() {
        return Ok(Answer {
            status,
            headers,
            body: None,
        });
    }
    let declared = total_size(status, &headers, resp.content_length());
    let mut bytes: Vec<u8> = Vec::new();
    let mut ended = false;
    while bytes.len() < MAX_READ {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_READ - bytes.len();
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                return Err(match classify(e) {
                    Failure::Reset(m) | Failure::Other(m) | Failure::Tls(m) => {
                        Failure::Reset(match declared {
                            Some(total) => format!(
                                "the connection closed after {} of {total} bytes ({m})",
                                bytes.len()
                            ),
                            None => {
                                format!("the connection closed after {} bytes ({m})", bytes.len())
                            }
                        })
                    }
                    other => other,
                });
            }
        }
    }
    // Dropping the response here closes the connection: a large body is never downloaded.
    drop(resp);
    // A body that ended is the whole resource, unless it was only the range asked for.
    let total = match declared {
        Some(t) => Some(t),
        None if ended && status != StatusCode::PARTIAL_CONTENT => Some(bytes.len() as u64),
        None => None,
    };
    Ok(Answer {
        status,
        headers,
        body: Some(Body { bytes, total }),
    })
}

/// The size of the whole resource: from `Content-Range` on a 206, from `Content-Length` on a 200.
fn total_size(status: StatusCode, headers: &HeaderMap, content_length: Option<u64>) -> Option<u64> {
    if status == StatusCode::PARTIAL_CONTENT {
        let range = headers.get(CONTENT_RANGE)?.to_str().ok()?;
        let total = range.rsplit('/').next()?;
        return total.trim().parse().ok();
    }
    content_length
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

fn backoff(retry: u32) -> Duration {
    BACKOFF_START
        .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
        .min(BACKOFF_MAX)
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// What a final 4xx/5xx usually means, for the message; `fetcher` fetches the file.
fn status_meaning(status: StatusCode, azure_code: Option<&str>, fetcher: Fetcher) -> String {
    let code = status.as_u16();
    let no_credentials;
    let general = match code {
        401 => {
            no_credentials = format!(
                "the server wants credentials, and {} sends none",
                fetcher.name()
            );
            no_credentials.as_str()
        }
        403 => "access is refused: on Azure Blob Storage an expired or wrong SAS (AuthenticationFailed) or a storage firewall (AuthorizationFailure)",
        404 => "no file at this URL (on Azure Blob Storage, also the answer to an anonymous read of a private container)",
        409 => "on Azure Blob Storage: the account does not allow anonymous access (PublicAccessNotPermitted), so the container is not public",
        410 => "the file is gone",
        429 => "the server is throttling requests",
        500..=599 => "a server error",
        _ => "a client error",
    };
    match azure_code {
        Some(c) => format!("{general}; Azure error code {c}"),
        None => general.to_owned(),
    }
}

/// Advice for a final 4xx/5xx where the rule's (make the file readable without credentials) does
/// not fit: throttling and server errors are the server's to fix, not access rights. `fetcher`
/// fetches the file.
fn status_advice(status: StatusCode, fetcher: Fetcher) -> Option<String> {
    let name = fetcher.name();
    match status.as_u16() {
        401 => Some(format!("make the file readable without signing in: {name} sends no credentials (on Azure Blob: a read-only SAS in the URL, or a public container)")),
        410 => Some("upload the prompt again, or point the URL at where it is now".to_owned()),
        408 | 429 => Some(format!("the server limits or drops requests, and {name} fetches the prompt at call time too: serve it from storage that is not throttled (such as Azure Blob Storage or a CDN), or raise the server's limits; then check again (a longer --timeout lets the check wait out a Retry-After)")),
        500..=599 => Some(format!("the server fails, and would fail {name}'s download too: fix the server (its logs say why) or serve the prompt from static storage such as Azure Blob Storage; a passing failure clears on a later check (--retries retries it)")),
        _ => None,
    }
}

/// Refuses, before any request or lookup, an IP literal that is not public and a name that public
/// DNS never answers ([`non_public_name`]); with `allow_private`, only a name that resolves
/// nowhere ([`unresolvable_name`]). Other names are checked by the resolver.
pub(crate) fn literal_guard(url: &Url, allow_private: bool) -> Option<String> {
    let ip: IpAddr = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(name) => {
            // A name that resolves nowhere is refused even where private hosts are allowed.
            let reason = if allow_private {
                unresolvable_name(name)
            } else {
                non_public_name(name)
            };
            return reason
                .map(|reason| format!("{} is {reason}", crate::display::escape_text(name)));
        }
    };
    if let Some(reason) = never_contacted(ip) {
        return Some(format!(
            "{ip} is {reason}, never contacted (not even with --allow-private)"
        ));
    }
    if allow_private {
        return None;
    }
    non_public_reason(ip).map(|reason| format!("{ip} is {reason}"))
}

/// Where a URL to request comes from.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The URL given.
    Input,
    /// The `n`-th redirect, from `from`.
    Redirect { n: u32, from: &'a Url },
}

/// What [`url_checks`] found: findings, and the one that ends the check, if any.
pub(crate) struct UrlChecks {
    pub issues: Vec<Issue>,
    pub stop: Option<Issue>,
}

/// Plain http where `fetcher` would fetch `message`'s URL: a warning for ACS (`url-insecure`),
/// and a refusal for Azure Speech, which fetches audio over https only (`ssml-audio-src`).
fn insecure(fetcher: Fetcher, message: String) -> Issue {
    match fetcher {
        Fetcher::Acs => Issue::new(Rule::UrlInsecure, message),
        Fetcher::Speech => Issue::new(
            Rule::SsmlAudioSrc,
            format!(
                "{message}; {} fetches audio over https only",
                fetcher.name()
            ),
        ),
    }
}

/// The checks every URL `fetcher` (ACS, or Azure Speech) would request gets, the input and each
/// redirect hop alike: an http(s) scheme and a host (or nothing can be requested: `stop`); no
/// user name or password (`url-invalid`: the fetcher fetches anonymously, and so does this
/// check, without them); no plain http (see [`insecure`]; on a hop, a downgrade from https).
/// The messages name the fetcher.
pub(crate) fn url_checks(url: &Url, step: Step<'_>, fetcher: Fetcher) -> UrlChecks {
    let name = fetcher.name();
    let shown = redact_url(url);
    let mut issues = Vec::new();
    let stop = |rule, message: String| UrlChecks {
        issues: Vec::new(),
        stop: Some(Issue::new(rule, message)),
    };
    match (url.scheme(), step) {
        ("https", _) => {}
        ("http", Step::Input) => issues.push(insecure(
            fetcher,
            "plain http: the prompt travels unencrypted and can be altered on the way".to_owned(),
        )),
        ("http", Step::Redirect { n, from }) => {
            if from.scheme() == "https" {
                issues.push(insecure(
                    fetcher,
                    format!("redirect {n} goes from https down to plain http ({shown}): from there the prompt travels unencrypted and can be altered on the way"),
                ));
            }
        }
        (other, Step::Input) => {
            return stop(
                Rule::UrlInvalid,
                format!("the scheme is {other}:, and {name} fetches http(s) URLs only"),
            )
        }
        (other, Step::Redirect { .. }) => {
            return stop(
                Rule::UrlRedirect,
                format!("redirect to a {other}: location, which {name} cannot fetch"),
            )
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return match step {
            Step::Input => stop(Rule::UrlInvalid, "the URL has no host".to_owned()),
            Step::Redirect { n, .. } => stop(
                Rule::UrlRedirect,
                format!("redirect {n} leads to a URL without a host ({shown})"),
            ),
        };
    }
    if !url.username().is_empty() || url.password().is_some() {
        let plain = redact_url(&without_credentials(url));
        issues.push(match step {
            Step::Input => Issue::new(
                Rule::UrlInvalid,
                format!("the URL carries a user name or password; {name} fetches without credentials, so it is checked without them"),
            )
            // The URL comes last: redaction reads a `sig` value up to white space or `&`.
            .advice(format!(
                "drop the user name and password (and change that password: it is written down), make the file readable without them (on Azure Blob: a read-only SAS in the query), and give {name} {plain}"
            )),
            Step::Redirect { n, .. } => Issue::new(
                Rule::UrlInvalid,
                format!("redirect {n} goes to a URL with a user name or password ({shown}); {name} fetches without credentials, so it is followed without them"),
            )
            .advice(format!(
                "make the server redirect without a user name and password, or give {name} the target directly: {plain}"
            )),
        });
    }
    UrlChecks { issues, stop: None }
}

/// `url` without its user name and password: what is requested, and shown as the final URL.
fn without_credentials(url: &Url) -> Url {
    let mut plain = url.clone();
    // Both fail only for URLs that cannot hold credentials in the first place.
    let _ = plain.set_password(None);
    let _ = plain.set_username("");
    plain
}

/// A wait before a retry.
#[derive(Clone, Copy)]
enum Wait {
    /// What a 429's `Retry-After` asked for, and what is waited (at most [`MAX_RETRY_AFTER`]).
    RetryAfter { asked: Duration, wait: Duration },
    /// The exponential backoff.
    Backoff(Duration),
}

impl Wait {
    fn duration(self) -> Duration {
        match self {
            Wait::RetryAfter { wait, .. } | Wait::Backoff(wait) => wait,
        }
    }

    /// Why the check stops instead: the wait does not fit in the `left` of `timeout`.
    fn does_not_fit(self, left: Duration, timeout: Duration) -> String {
        match self {
            Wait::RetryAfter { asked, .. } => format!(
                "Retry-After asks for {} s, more than the {} s left of --timeout {} s, so the check stops here",
                secs(asked),
                secs(left),
                secs(timeout)
            ),
            Wait::Backoff(wait) => format!(
                "another retry, {} s later, would not fit in the {} s left of --timeout {} s",
                secs(wait),
                secs(left),
                secs(timeout)
            ),
        }
    }
}

/// How long to wait before retrying after `answer` (the `retry`-th retry, from 0).
fn wait_after(answer: &Answer, retry: u32) -> Wait {
    if answer.status == StatusCode::TOO_MANY_REQUESTS {
        if let Some(asked) = retry_after(&answer.headers) {
            return Wait::RetryAfter {
                asked,
                wait: asked.min(MAX_RETRY_AFTER),
            };
        }
    }
    Wait::Backoff(backoff(retry))
}

/// `message`, then how many retries it took and why there were no more.
fn with_retries(mut message: String, retries: u32, cut_short: Option<String>) -> String {
    if retries > 0 {
        message.push_str(&format!(" (after {})", count(retries, "retry", "retries")));
    }
    if let Some(why) = cut_short {
        message.push_str("; ");
        message.push_str(&why);
    }
    message
}

/// `n` and the noun, singular or plural.
fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The finding for a request that got no answer: `retries` on this hop, `cut_short` saying why
/// there were no more; `fetcher` is who would fetch it.
fn failure_finding(
    failure: Failure,
    http: &HttpInfo,
    options: &CheckOptions,
    retries: u32,
    cut_short: Option<String>,
    fetcher: Fetcher,
) -> Issue {
    let (rule, message) = match failure {
        Failure::Private(m) => (
            Rule::UrlPrivate,
            format!(
                "{m}; {} cannot reach it, and no connection was opened",
                fetcher.name()
            ),
        ),
        Failure::Timeout => (
            Rule::UrlUnreachable,
            if http.redirects == 0 && http.retries == 0 {
                format!(
                    "no complete answer within {} s (--timeout)",
                    secs(options.timeout)
                )
            } else {
                format!(
                    "no complete answer within {} s (--timeout, which bounds the URL as a whole: here {} and {})",
                    secs(options.timeout),
                    count(http.redirects, "redirect", "redirects"),
                    count(http.retries, "retry", "retries")
                )
            },
        ),
        Failure::ConnectTimeout => (
            Rule::UrlUnreachable,
            format!(
                "no connection within {} s (the connect limit: {} s, or --timeout when shorter)",
                secs(connect_limit(options)),
                secs(CONNECT_TIMEOUT)
            ),
        ),
        Failure::Reset(m) => (Rule::UrlUnreachable, with_retries(m, retries, cut_short)),
        Failure::Other(m) => (Rule::UrlUnreachable, m),
        Failure::Tls(cause) => {
            return match tls_meaning(&cause) {
                Some((meaning, advice)) => Issue::new(
                    Rule::UrlUnreachable,
                    format!("TLS failed: {cause}; {meaning}"),
                )
                .advice(advice),
                None => Issue::new(Rule::UrlUnreachable, format!("TLS failed: {cause}")),
            }
        }
    };
    Issue::new(rule, message)
}

/// What a TLS error (the innermost cause, as rustls words it) most likely means, and what to
/// do about it: a sentence for the message and the advice.
fn tls_meaning(cause: &str) -> Option<(&'static str, &'static str)> {
    let lower = cause.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&["invalidcontenttype", "corrupt message"]) {
        Some((
            "the server did not answer in TLS: most likely this port serves plain http (an http:// URL written as https://, or the wrong port), or a proxy or firewall on the way intercepts the connection",
            "serve the prompt over https on this port, or correct the URL's scheme or port; if a proxy intercepts TLS here, check from a network without it",
        ))
    } else if has(&["unknownissuer", "unknown issuer"]) {
        Some((
            "the server's certificate is not signed by a publicly trusted authority (self-signed, a private CA, or a proxy that intercepts TLS)",
            "give the server a certificate from a public certificate authority",
        ))
    } else if has(&["notvalidforname", "not valid for name"]) {
        Some((
            "the server's certificate does not name this host",
            "use a certificate that covers the URL's host name, or the host name the certificate names",
        ))
    } else if lower.contains("certificate") && has(&["expired", "notvalidyet", "not valid yet"]) {
        Some((
            "the server's certificate has expired (or is not valid yet)",
            "renew the server's certificate",
        ))
    } else {
        None
    }
}

/// A fetch that ends with no body.
fn ended(http: HttpInfo, mut issues: Vec<Issue>, last: impl Into<Issue>) -> Fetched {
    issues.push(last.into());
    Fetched {
        http,
        body: None,
        issues,
        headers: None,
    }
}

/// Fetches `url`: each hop checked like the input ([`url_checks`]) and guarded, each retryable
/// answer retried, the first 64 KiB of a 2xx body read. One deadline, `--timeout` from now,
/// bounds all of it: each request's connect and answer, every retry and `Retry-After` wait, and
/// every redirect hop. A wait that does not fit in the time left is not waited: the check ends
/// with the answer that asked for it. The messages name `fetcher` as the one who fetches.
pub(crate) async fn fetch(
    shared: &Client,
    url: Url,
    options: &CheckOptions,
    fetcher: Fetcher,
) -> Fetched {
    let deadline = Instant::now() + options.timeout;
    let mut url = without_credentials(&url);
    let mut http = HttpInfo {
        final_url: redact_url(&url),
        ..HttpInfo::default()
    };
    let mut issues = Vec::new();
    let mut visited = vec![url.clone()];
    // A fresh client replaces the shared one after a 502, as ACS's table advises.
    let mut fresh: Option<Client> = None;
    loop {
        http.final_url = redact_url(&url);
        if let Some(why) = literal_guard(&url, options.allow_private) {
            let last = (
                Rule::UrlPrivate,
                format!(
                    "{why}; {} cannot reach it, and no request was sent",
                    fetcher.name()
                ),
            );
            return ended(http, issues, last);
        }
        let mut retries_here = 0;
        let mut cut_short: Option<String> = None;
        let outcome = loop {
            let client = fresh.as_ref().unwrap_or(shared);
            let result = match tokio::time::timeout_at(deadline, attempt(client, &url)).await {
                Ok(r) => r,
                Err(_) => Err(Failure::Timeout),
            };
            let wanted = match &result {
                Ok(a) if retryable(a.status) && retries_here < options.retries => {
                    Some(wait_after(a, retries_here))
                }
                Err(Failure::Reset(_)) if retries_here < options.retries => {
                    Some(Wait::Backoff(backoff(retries_here)))
                }
                _ => None,
            };
            let Some(wait) = wanted else {
                break result;
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if wait.duration() >= left {
                cut_short = Some(wait.does_not_fit(left, options.timeout));
                break result;
            }
            if matches!(&result, Ok(a) if a.status == StatusCode::BAD_GATEWAY) {
                fresh = self::client(options).ok();
            }
            retries_here += 1;
            http.retries += 1;
            tokio::time::sleep(wait.duration()).await;
        };
        let answer = match outcome {
            Ok(a) => a,
            Err(f) => {
                let last = failure_finding(f, &http, options, retries_here, cut_short, fetcher);
                return ended(http, issues, last);
            }
        };
        http.status = Some(answer.status.as_u16());
        // The server's words reach every report: redacted like all text shown.
        http.content_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(super::sas::redact);
        if answer.status.is_redirection() {
            let Some(location) = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
                let last = Issue::new(
                    Rule::UrlHttpStatus,
                    format!("{} without a Location header", answer.status),
                )
                .advice(format!(
                    "give {} the file's final URL: the server redirects without saying where",
                    fetcher.name()
                ));
                return ended(http, issues, last);
            };
            let next = match url.join(location) {
                Ok(n) => n,
                Err(e) => {
                    let last = (
                        Rule::UrlRedirect,
                        format!(
                            "redirect to an invalid location {:?}: {e}",
                            redact_url_text(location)
                        ),
                    );
                    return ended(http, issues, last);
                }
            };
            let checks = url_checks(
                &next,
                Step::Redirect {
                    n: http.redirects + 1,
                    from: &url,
                },
                fetcher,
            );
            issues.extend(checks.issues);
            if let Some(last) = checks.stop {
                return ended(http, issues, last);
            }
            let next = without_credentials(&next);
            if visited.contains(&next) {
                let last = (
                    Rule::UrlRedirect,
                    format!(
                        "redirect loop: {} leads back to {}",
                        redact_url(&url),
                        redact_url(&next)
                    ),
                );
                return ended(http, issues, last);
            }
            if http.redirects == MAX_REDIRECTS {
                let last = (
                    Rule::UrlRedirect,
                    format!(
                        "more than {MAX_REDIRECTS} redirects (the last to {})",
                        redact_url(&next)
                    ),
                );
                return ended(http, issues, last);
            }
            http.redirects += 1;
            visited.push(next.clone());
            url = next;
            continue;
        }
        if !answer.status.is_success() {
            let azure = answer
                .headers
                .get("x-ms-error-code")
                .and_then(|v| v.to_str().ok());
            let message = format!(
                "the server answers {}: {}",
                answer.status,
                status_meaning(answer.status, azure, fetcher)
            );
            let last = Issue::new(
                Rule::UrlHttpStatus,
                with_retries(message, retries_here, cut_short),
            );
            let last = match status_advice(answer.status, fetcher) {
                Some(advice) => last.advice(advice),
                None => last,
            };
            let mut fetched = ended(http, issues, last);
            fetched.headers = Some(answer.headers);
            return fetched;
        }
        if let Some(body) = &answer.body {
            http.bytes_read = body.bytes.len() as u64;
        }
        return Fetched {
            http,
            body: answer.body,
            issues,
            headers: Some(answer.headers),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A metadata or link-local address is refused before any request, even where private
    /// addresses are allowed; a private one is allowed then (a pure check: nothing is sent).
    #[test]
    fn metadata_addresses_are_refused_even_with_allow_private() {
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/latest",
            "http://[::ffff:169.254.169.254]/x.wav",
            "http://100.100.100.200/latest",
        ] {
            let url = Url::parse(url).unwrap();
            for allow in [false, true] {
                let why = literal_guard(&url, allow).unwrap_or_else(|| panic!("{url}"));
                assert!(why.contains("never contacted"), "{url}: {why}");
            }
        }
        let private = Url::parse("http://10.0.0.1/a.wav").unwrap();
        assert!(literal_guard(&private, true).is_none());
        assert!(literal_guard(&private, false).is_some());
    }

    /// Whether `text` names ACS as a word (not inside a URL or another word).
    fn names_acs(text: &str) -> bool {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "ACS")
    }

    #[test]
    fn the_url_checks_name_who_fetches() {
        let https = Url::parse("https://h.example/a.mp3").unwrap();
        let cases = [
            (Url::parse("ftp://h.example/a.mp3").unwrap(), Step::Input),
            (
                Url::parse("https://bob:pw@h.example/a.mp3").unwrap(),
                Step::Input,
            ),
            (
                Url::parse("https://bob:pw@h.example/a.mp3").unwrap(),
                Step::Redirect { n: 1, from: &https },
            ),
            (
                Url::parse("gopher://h.example/a.mp3").unwrap(),
                Step::Redirect { n: 1, from: &https },
            ),
        ];
        for (url, step) in cases {
            let acs = url_checks(&url, step, Fetcher::Acs);
            let speech = url_checks(&url, step, Fetcher::Speech);
            let texts = |c: UrlChecks| -> Vec<String> {
                c.issues
                    .into_iter()
                    .chain(c.stop)
                    .flat_map(|i| [Some(i.message), i.advice])
                    .flatten()
                    .collect()
            };
            let (acs, speech) = (texts(acs), texts(speech));
            assert!(acs.iter().any(|t| names_acs(t)), "{acs:?}");
            for text in &speech {
                assert!(!names_acs(text), "{text}");
            }
            assert!(
                speech.iter().any(|t| t.contains("Azure Speech")),
                "{speech:?}"
            );
            // The same words, the fetcher's name aside.
            let as_acs: Vec<String> = speech
                .iter()
                .map(|t| t.replace("Azure Speech", "ACS"))
                .collect();
            assert_eq!(as_acs, acs);
        }
        // Plain http: a warning for ACS, a refusal for Speech.
        let http = Url::parse("http://h.example/a.mp3").unwrap();
        let acs = url_checks(&http, Step::Input, Fetcher::Acs).issues;
        let speech = url_checks(&http, Step::Input, Fetcher::Speech).issues;
        assert_eq!(acs[0].rule, Rule::UrlInsecure);
        assert_eq!(speech[0].rule, Rule::SsmlAudioSrc);
        assert_eq!(
            speech[0].message,
            format!(
                "{}; Azure Speech fetches audio over https only",
                acs[0].message
            )
        );
        for status in [401, 408, 429, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            let meaning = status_meaning(status, Some("ACS"), Fetcher::Speech);
            let advice = status_advice(status, Fetcher::Speech).unwrap_or_default();
            // The server's own words (its error code) are kept as sent.
            assert!(meaning.ends_with("; Azure error code ACS"), "{meaning}");
            assert!(!names_acs(meaning.trim_end_matches("ACS")), "{meaning}");
            assert!(!names_acs(&advice), "{advice}");
        }
    }

    #[test]
    fn the_registry_advice_that_names_acs_is_said_of_each_fetcher() {
        // The rules a fetch can raise, in the body's judgement too.
        let fetched = [
            Rule::UrlInvalid,
            Rule::UrlInsecure,
            Rule::UrlPrivate,
            Rule::UrlUnreachable,
            Rule::UrlHttpStatus,
            Rule::UrlRedirect,
            Rule::UrlNotAudio,
            Rule::SasExpired,
            Rule::SasExpiring,
            Rule::SasNotYetValid,
            Rule::SasNoRead,
            Rule::SasTooPermissive,
            Rule::Malformed,
            Rule::NoAudio,
            Rule::HeaderInconsistent,
            Rule::ExtensionMismatch,
            Rule::SsmlAudioSrc,
        ];
        for rule in fetched {
            let registry = rule.info().advice;
            match Fetcher::Speech.advice(rule) {
                Some(speech) => {
                    assert!(!names_acs(&speech), "{speech}");
                    assert_eq!(Fetcher::Acs.advice(rule).as_deref(), Some(registry));
                }
                None => assert!(!names_acs(registry), "{rule:?}: {registry}"),
            }
        }
    }

    #[test]
    fn error_chains_are_redacted() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "error sending request for url (https://h.example/a.wav?sp=r&sig=s3cr3t)",
                )
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let inner =
            std::io::Error::other("dns error: no such host for https://h.example/?sig=s3cr3t2");
        let m = chain_message(&Outer(inner));
        assert!(!m.contains("s3cr3t"), "{m}");
        assert_eq!(m.matches("sig=REDACTED").count(), 2, "{m}");
        let io = std::io::Error::other("tls: https://h/x?sig=abc");
        assert_eq!(last_cause(&io), "tls: https://h/x?sig=REDACTED");
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn every_redirect_hop_gets_the_input_checks() {
        let https = url("https://h.example/a.wav");
        let http = url("http://h.example/a.wav");
        // A downgrade from https is url-insecure and names the hop.
        let down = url("http://cdn.example/a.wav?sig=S3CRET");
        let c = url_checks(&down, Step::Redirect { n: 2, from: &https }, Fetcher::Acs);
        assert!(c.stop.is_none());
        assert_eq!(c.issues.len(), 1);
        assert_eq!(c.issues[0].rule, Rule::UrlInsecure);
        assert_eq!(
            c.issues[0].message,
            "redirect 2 goes from https down to plain http (http://cdn.example/a.wav?sig=REDACTED): from there the prompt travels unencrypted and can be altered on the way"
        );
        // http to http: the input's own warning already says it.
        assert!(
            url_checks(&down, Step::Redirect { n: 1, from: &http }, Fetcher::Acs)
                .issues
                .is_empty()
        );
        assert_eq!(
            url_checks(&http, Step::Input, Fetcher::Acs).issues[0].rule,
            Rule::UrlInsecure
        );
        // Credentials on a hop, as on the input: url-invalid, the password not shown.
        let creds = url("https://bob:hunter2@cdn.example/a.wav");
        for step in [Step::Input, Step::Redirect { n: 1, from: &https }] {
            let c = url_checks(&creds, step, Fetcher::Acs);
            assert_eq!(c.issues.len(), 1);
            assert_eq!(c.issues[0].rule, Rule::UrlInvalid);
            assert!(
                !c.issues[0].message.contains("hunter2"),
                "{}",
                c.issues[0].message
            );
        }
        assert!(url_checks(&creds, Step::Redirect { n: 1, from: &https }, Fetcher::Acs).issues[0]
            .message
            .starts_with("redirect 1 goes to a URL with a user name or password (https://REDACTED@cdn.example/a.wav)"));
        // Other schemes end the check.
        let ftp = url("ftp://files.example/a.wav");
        assert_eq!(
            url_checks(&ftp, Step::Input, Fetcher::Acs)
                .stop
                .unwrap()
                .rule,
            Rule::UrlInvalid
        );
        let hop = url_checks(&ftp, Step::Redirect { n: 1, from: &https }, Fetcher::Acs);
        assert_eq!(hop.stop.unwrap().rule, Rule::UrlRedirect);
        assert_eq!(
            without_credentials(&creds).as_str(),
            "https://cdn.example/a.wav"
        );
    }

    #[test]
    fn a_connect_timeout_names_the_connect_limit() {
        // A listener whose accept queue is full and never drained: the kernel drops further SYNs,
        // so a connect to it hangs (on loopback; nothing leaves the machine).
        let listener =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        listener
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        listener.listen(0).unwrap();
        let addr = listener.local_addr().unwrap().as_socket().unwrap();
        let mut queued = Vec::new();
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => queued.push(s),
                Err(_) => break,
            }
        }
        let client = Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let rt = super::super::runtime().unwrap();
        let err = rt
            .block_on(client.get(format!("http://{addr}/a.wav")).send())
            .unwrap_err();
        assert!(
            matches!(classify(err), Failure::ConnectTimeout),
            "not classified as a connect timeout"
        );
        drop(queued);
        let options = CheckOptions::default().timeout(Duration::from_secs(30));
        let Issue { rule, message, .. } = failure_finding(
            Failure::ConnectTimeout,
            &HttpInfo::default(),
            &options,
            0,
            None,
            Fetcher::Acs,
        );
        assert_eq!(rule, Rule::UrlUnreachable);
        assert_eq!(
            message,
            "no connection within 10 s (the connect limit: 10 s, or --timeout when shorter)"
        );
        let options = options.timeout(Duration::from_millis(2500));
        let Issue { message, .. } = failure_finding(
            Failure::ConnectTimeout,
            &HttpInfo::default(),
            &options,
            0,
            None,
            Fetcher::Acs,
        );
        assert!(
            message.starts_with("no connection within 2.5 s"),
            "{message}"
        );
    }

    #[test]
    fn waits_that_do_not_fit_say_so() {
        let ra = Wait::RetryAfter {
            asked: Duration::from_secs(30),
            wait: Duration::from_secs(30),
        };
        assert_eq!(
            ra.does_not_fit(Duration::from_millis(1940), Duration::from_secs(2)),
            "Retry-After asks for 30 s, more than the 1.94 s left of --timeout 2 s, so the check stops here"
        );
        assert_eq!(
            with_retries("the server answers 503".to_owned(), 1, Some("x".to_owned())),
            "the server answers 503 (after 1 retry); x"
        );
        assert_eq!(secs(Duration::from_millis(250)), "0.25");
        assert_eq!(secs(Duration::from_secs(20)), "20");
    }

    #[test]
    fn short_limits_do_not_read_as_zero() {
        assert_eq!(secs(Duration::from_millis(1)), "0.001");
        assert_eq!(secs(Duration::from_millis(250)), "0.25");
        assert_eq!(secs(Duration::from_secs(30)), "30");
        assert_eq!(secs(Duration::from_millis(1800)), "1.8");
    }

    #[test]
    fn tls_errors_say_what_they_likely_mean() {
        let meaning = |cause: &str| tls_meaning(cause).map(|(m, _)| m);
        assert!(
            meaning("received corrupt message of type InvalidContentType")
                .unwrap()
                .starts_with(
                    "the server did not answer in TLS: most likely this port serves plain http"
                )
        );
        assert!(meaning("invalid peer certificate: UnknownIssuer")
            .unwrap()
            .contains("self-signed"));
        assert_eq!(
            meaning("invalid peer certificate: NotValidForName"),
            Some("the server's certificate does not name this host")
        );
        assert!(meaning("invalid peer certificate: Expired")
            .unwrap()
            .contains("expired"));
        // Unknown causes and a word out of context say nothing more.
        assert_eq!(meaning("peer sent no certificates"), None);
        assert_eq!(meaning("the session expired"), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(2));
        assert_eq!(backoff(10), BACKOFF_MAX);
        assert_eq!(backoff(40), BACKOFF_MAX);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn total_size_from_headers() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_RANGE, "bytes 0-65535/1048576".parse().unwrap());
        assert_eq!(
            total_size(StatusCode::PARTIAL_CONTENT, &h, Some(65536)),
            Some(1_048_576)
        );
        h.insert(CONTENT_RANGE, "bytes 0-65535/*".parse().unwrap());
        assert_eq!(
            total_size(StatusCode::PARTIAL_CONTENT, &h, Some(65536)),
            None
        );
        assert_eq!(
            total_size(StatusCode::OK, &HeaderMap::new(), Some(10)),
            Some(10)
        );
    }

    #[test]
    fn ip_literals_are_guarded() {
        let u = Url::parse("http://10.0.0.1/a.wav").unwrap();
        assert!(literal_guard(&u, false).unwrap().contains("private"));
        assert_eq!(literal_guard(&u, true), None);
        // A placeholder name is refused even for private networks: no lookup could answer it.
        let placeholder = Url::parse("https://cdn.contoso.example/a.wav").unwrap();
        assert!(literal_guard(&placeholder, true)
            .unwrap()
            .starts_with("cdn.contoso.example is a documentation name"));
        let staging = Url::parse("https://staging.internal/a.wav").unwrap();
        assert_eq!(literal_guard(&staging, true), None);
        assert!(literal_guard(&staging, false).is_some());
        let u = Url::parse("http://[::1]:8080/a.wav").unwrap();
        assert!(literal_guard(&u, false).unwrap().contains("loopback"));
        let u = Url::parse("https://example.com/a.wav").unwrap();
        assert_eq!(literal_guard(&u, false), None);
    }
}
