//! Fetching the first 64 KiB of a prompt URL the way ACS would fetch the whole file: without
//! credentials, from a public address, following redirects, retrying what ACS's error table says
//! to retry.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    HeaderMap, ACCEPT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE, RETRY_AFTER,
};
use reqwest::{Client, StatusCode, Url};

use super::address::non_public_reason;
use super::sas::{redact, redact_url};
use crate::options::CheckOptions;
use crate::report::HttpInfo;
use crate::rules::Rule;
use crate::source::MAX_READ;

/// The most redirects followed, as browsers and ACS's HTTP stack commonly allow.
pub(crate) const MAX_REDIRECTS: u32 = 10;
/// Longest wait honoured from a `Retry-After` header.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// First backoff; doubled on each retry.
const BACKOFF_START: Duration = Duration::from_millis(250);
/// Longest backoff.
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// Longest connect phase.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
        .connect_timeout(CONNECT_TIMEOUT.min(options.timeout))
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
    pub issues: Vec<(Rule, String)>,
}

/// Why an attempt got no usable answer.
enum Failure {
    /// The name resolved (or the literal was) non-public: nothing was sent.
    Private(String),
    /// No complete answer in time.
    Timeout,
    /// The connection was reset or closed early: worth a retry.
    Reset(String),
    /// Anything else (DNS, refused, TLS, a malformed answer).
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
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return Failure::Other(format!("TLS failed: {}", last_cause(&err)));
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

/// One request: GET the first 64 KiB, read at most that much of a 2xx body.
async fn attempt(client: &Client, url: &Url) -> Result<Answer, Failure> {
    let mut resp = client
        .get(url.clone())
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
                    Failure::Reset(m) | Failure::Other(m) => Failure::Reset(match declared {
                        Some(total) => format!(
                            "the connection closed after {} of {total} bytes ({m})",
                            bytes.len()
                        ),
                        None => format!("the connection closed after {} bytes ({m})", bytes.len()),
                    }),
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

/// What a final 4xx/5xx usually means, for the message.
fn status_meaning(status: StatusCode, azure_code: Option<&str>) -> String {
    let code = status.as_u16();
    let general = match code {
        401 => "the server wants credentials, and ACS sends none",
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

/// Refuses an IP literal that is not public (names are checked by the resolver).
fn literal_guard(url: &Url, allow_private: bool) -> Option<String> {
    if allow_private {
        return None;
    }
    let ip: IpAddr = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    non_public_reason(ip).map(|reason| format!("{ip} is {reason}"))
}

/// Fetches `url`: each hop guarded, each retryable answer retried, the first 64 KiB of a 2xx
/// body read.
pub(crate) async fn fetch(shared: &Client, url: Url, options: &CheckOptions) -> Fetched {
    let mut http = HttpInfo {
        final_url: redact_url(&url),
        ..HttpInfo::default()
    };
    let mut issues = Vec::new();
    let mut visited = vec![url.clone()];
    let mut url = url;
    // A fresh client replaces the shared one after a 502, as ACS's table advises.
    let mut fresh: Option<Client> = None;
    loop {
        http.final_url = redact_url(&url);
        if let Some(why) = literal_guard(&url, options.allow_private) {
            issues.push((
                Rule::UrlPrivate,
                format!("{why}; ACS cannot reach it, and no request was sent"),
            ));
            return Fetched {
                http,
                body: None,
                issues,
            };
        }
        let mut retries_here = 0;
        let outcome = loop {
            let client = fresh.as_ref().unwrap_or(shared);
            let result = match tokio::time::timeout(options.timeout, attempt(client, &url)).await {
                Ok(r) => r,
                Err(_) => Err(Failure::Timeout),
            };
            let wait = match &result {
                Ok(a) if retryable(a.status) && retries_here < options.retries => {
                    if a.status == StatusCode::BAD_GATEWAY {
                        fresh = super::fetch::client(options).ok();
                    }
                    Some(if a.status == StatusCode::TOO_MANY_REQUESTS {
                        retry_after(&a.headers)
                            .map(|d| d.min(MAX_RETRY_AFTER))
                            .unwrap_or_else(|| backoff(retries_here))
                    } else {
                        backoff(retries_here)
                    })
                }
                Err(Failure::Reset(_)) if retries_here < options.retries => {
                    Some(backoff(retries_here))
                }
                _ => None,
            };
            match wait {
                Some(w) => {
                    retries_here += 1;
                    http.retries += 1;
                    tokio::time::sleep(w).await;
                }
                None => break result,
            }
        };
        let answer = match outcome {
            Ok(a) => a,
            Err(f) => {
                let (rule, message) = match f {
                    Failure::Private(m) => (
                        Rule::UrlPrivate,
                        format!("{m}; ACS cannot reach it, and no connection was opened"),
                    ),
                    Failure::Timeout => (
                        Rule::UrlUnreachable,
                        format!(
                            "no complete answer within {} s (--timeout)",
                            options.timeout.as_secs_f64()
                        ),
                    ),
                    Failure::Reset(m) => (
                        Rule::UrlUnreachable,
                        if retries_here > 0 {
                            format!("{m} (after {retries_here} retries)")
                        } else {
                            m
                        },
                    ),
                    Failure::Other(m) => (Rule::UrlUnreachable, m),
                };
                issues.push((rule, message));
                return Fetched {
                    http,
                    body: None,
                    issues,
                };
            }
        };
        http.status = Some(answer.status.as_u16());
        http.content_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if answer.status.is_redirection() {
            let Some(location) = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
                issues.push((
                    Rule::UrlHttpStatus,
                    format!("{} without a Location header", answer.status),
                ));
                return Fetched {
                    http,
                    body: None,
                    issues,
                };
            };
            let next = match url.join(location) {
                Ok(n) if n.scheme() == "http" || n.scheme() == "https" => n,
                Ok(n) => {
                    issues.push((
                        Rule::UrlRedirect,
                        format!(
                            "redirect to a {}: location, which ACS cannot fetch",
                            n.scheme()
                        ),
                    ));
                    return Fetched {
                        http,
                        body: None,
                        issues,
                    };
                }
                Err(e) => {
                    issues.push((
                        Rule::UrlRedirect,
                        format!(
                            "redirect to an invalid location {:?}: {e}",
                            redact(location)
                        ),
                    ));
                    return Fetched {
                        http,
                        body: None,
                        issues,
                    };
                }
            };
            if visited.contains(&next) {
                issues.push((
                    Rule::UrlRedirect,
                    format!(
                        "redirect loop: {} leads back to {}",
                        redact_url(&url),
                        redact_url(&next)
                    ),
                ));
                return Fetched {
                    http,
                    body: None,
                    issues,
                };
            }
            if http.redirects == MAX_REDIRECTS {
                issues.push((
                    Rule::UrlRedirect,
                    format!(
                        "more than {MAX_REDIRECTS} redirects (the last to {})",
                        redact_url(&next)
                    ),
                ));
                return Fetched {
                    http,
                    body: None,
                    issues,
                };
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
            let mut message = format!(
                "the server answers {}: {}",
                answer.status,
                status_meaning(answer.status, azure)
            );
            if retries_here > 0 {
                message.push_str(&format!(" (after {retries_here} retries)"));
            }
            issues.push((Rule::UrlHttpStatus, message));
            return Fetched {
                http,
                body: None,
                issues,
            };
        }
        if let Some(body) = &answer.body {
            http.bytes_read = body.bytes.len() as u64;
        }
        return Fetched {
            http,
            body: answer.body,
            issues,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let u = Url::parse("http://[::1]:8080/a.wav").unwrap();
        assert!(literal_guard(&u, false).unwrap().contains("loopback"));
        let u = Url::parse("https://example.com/a.wav").unwrap();
        assert_eq!(literal_guard(&u, false), None);
    }
}
