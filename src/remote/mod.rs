//! Checking prompt URLs: publicly reachable, and serving a valid prompt.
//!
//! Each URL gets one GET for its first 64 KiB (`Range: bytes=0-65535`); the bytes go through the
//! same checks as a local file's. Requests run on tokio with a bound on those in flight overall
//! and per host; results come back in input order. One deadline (`--timeout`) bounds each URL,
//! its retries, waits and redirect hops included, from its first request.

pub mod address;
mod comments;
mod deployed;
mod extract;
mod fetch;
pub mod sas;
pub(crate) mod speech;

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use reqwest::{Client, Url};
use tokio::sync::Semaphore;

pub(crate) use extract::{
    decode_json, decode_xml, list_file, read_list, strip_comments, unread, Named,
};
pub use extract::{
    decode_text, extract_from_file, extract_urls, extract_urls_as, ignore_lines, read_url_list,
    search_file, url_list, url_list_file, Encoding, ExtractError, Extracted, Extraction,
    IgnorePatternError, SearchKind, Searched, SearchedFile, Syntax, UrlIgnore, IGNORE_FILE_NAME,
    MAX_EXTRACT_FILES, MAX_IGNORE_PATTERNS, SKIPPED_FOLDERS,
};

pub use deployed::deployed_base;
pub(crate) use deployed::deployed_url;

use crate::header::inspect::{inspect, Origin};
use crate::header::sniff::Container;
use crate::header::source::Window;
use crate::limits;
use crate::options::CheckOptions;
use crate::report::{CheckResult, Finding, Source};
use crate::rules::Rule;
use sas::{redact, redact_url_text};

/// A finding about a URL before it is a [`Finding`]: its rule, its message, and advice more exact
/// than the rule's, when there is some. Both are redacted when the finding is made.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub rule: Rule,
    pub message: String,
    pub advice: Option<String>,
}

impl Issue {
    /// An issue with the rule's generic advice.
    pub(crate) fn new(rule: Rule, message: impl Into<String>) -> Self {
        Issue {
            rule,
            message: message.into(),
            advice: None,
        }
    }

    /// Gives the issue its own advice.
    pub(crate) fn advice(mut self, advice: impl Into<String>) -> Self {
        self.advice = Some(advice.into());
        self
    }

    /// The finding, message and advice redacted.
    fn finding(self, options: &CheckOptions) -> Finding {
        let finding = Finding::new(self.rule, options.action, redact(&self.message));
        match self.advice {
            Some(advice) => finding.with_advice(redact(&advice)),
            None => finding,
        }
    }
}

impl From<(Rule, String)> for Issue {
    fn from((rule, message): (Rule, String)) -> Self {
        Issue::new(rule, message)
    }
}

/// A URL to check and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlInput {
    /// The URL as written (it is shown only through [`display_url`]).
    pub url: String,
    /// The files and lines it came from; empty for a URL given on the command line.
    pub sources: Vec<Source>,
}

impl UrlInput {
    /// A URL given directly.
    pub fn new(url: impl Into<String>) -> Self {
        UrlInput {
            url: url.into(),
            sources: Vec::new(),
        }
    }
}

/// Who fetches a URL at call time, which decides the formats it may serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Fetcher {
    /// ACS, for a Play or Recognize prompt: WAV of 16-bit PCM, mono, 16 kHz (or MP3).
    #[default]
    Acs,
    /// Azure AI Speech, for an SSML `audio src`: any of [`speech::SPEECH_AUDIO_FORMATS`].
    Speech,
}

impl Fetcher {
    /// Who fetches, as messages name it: `ACS`, or `Azure Speech`. Every message of the URL
    /// checks that names the fetcher takes it from here.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fetcher::Acs => "ACS",
            Fetcher::Speech => "Azure Speech",
        }
    }

    /// The advice of a rule whose advice in the registry names the fetcher, said of this one
    /// (for ACS, the registry's words); `None` for the other rules, whose advice fits any
    /// fetcher.
    pub(crate) fn advice(self, rule: Rule) -> Option<String> {
        let name = self.name();
        match rule {
            Rule::UrlInvalid => Some(format!("give {name} an absolute https:// URL")),
            Rule::UrlRedirect => Some(format!("give {name} the final URL of the file")),
            Rule::ExtensionMismatch => Some(format!(
                "rename the file after its content (when the content is a format {name} plays), or convert it: acs-preflight fix --in-place FILE"
            )),
            _ => None,
        }
    }
}

/// The advice on a URL's content that conversion cures: the command names a file, and the URL
/// serves one the user has a copy of.
const CONVERT_SERVED_FILE: &str = "convert your copy of the file this URL serves (acs-preflight fix --in-place FILE, or --out DIR for converted copies) and upload the result in its place";

/// A URL to check and, for the deployed copy of a local prompt (`--deployed-at`), that file.
#[derive(Debug, Clone)]
pub(crate) struct UrlJob {
    /// The URL and where it came from.
    pub input: UrlInput,
    /// The local file the URL should serve, byte for byte.
    pub local: Option<PathBuf>,
    /// Who fetches it.
    pub fetcher: Fetcher,
}

impl From<UrlInput> for UrlJob {
    fn from(input: UrlInput) -> Self {
        UrlJob {
            input,
            local: None,
            fetcher: Fetcher::Acs,
        }
    }
}

impl UrlJob {
    /// An SSML `audio src`, fetched by Azure AI Speech.
    pub(crate) fn speech(input: UrlInput) -> Self {
        UrlJob {
            fetcher: Fetcher::Speech,
            ..UrlJob::from(input)
        }
    }
}

/// The HTTP client could not be set up (TLS roots, runtime): nothing can be checked.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up HTTP: {0}")]
pub struct HttpSetupError(String);

/// Checks the URLs, `options.jobs` requests in flight (`options.host_jobs` per host), calling
/// `on_done` as each finishes; results come back in input order.
pub(crate) async fn check_all(
    inputs: &[UrlJob],
    options: &CheckOptions,
    on_done: &(dyn Fn(&CheckResult) + Sync),
) -> Result<Vec<CheckResult>, HttpSetupError> {
    // Every setting within its range, whoever built the options.
    let clamped = options.clamped();
    let options = &clamped;
    let client = fetch::client(options).map_err(|e| HttpSetupError(redact(&e.to_string())))?;
    let jobs = options.effective_url_jobs();
    let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let per_host: Vec<Option<Arc<Semaphore>>> = inputs
        .iter()
        .map(|i| {
            let key = Url::parse(&i.input.url).ok().map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or(""),
                    u.port_or_known_default().unwrap_or(0)
                )
            })?;
            Some(
                hosts
                    .entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(options.effective_host_jobs())))
                    .clone(),
            )
        })
        .collect();
    let client = &client;
    let mut indexed: Vec<(usize, CheckResult)> =
        stream::iter(inputs.iter().zip(per_host).enumerate())
            .map(|(i, (input, sem))| async move {
                let _permit = match &sem {
                    Some(s) => s.acquire().await.ok(),
                    None => None,
                };
                let result = check_with(client, input, options).await;
                on_done(&result);
                (i, result)
            })
            .buffer_unordered(jobs)
            .collect()
            .await;
    indexed.sort_unstable_by_key(|(i, _)| *i);
    Ok(indexed.into_iter().map(|(_, r)| r).collect())
}

/// Checks one URL from an async caller (already on a tokio runtime).
///
/// ```no_run
/// # async fn demo() {
/// use acs_preflight::{check_url, CheckOptions, Status};
///
/// let result = check_url("https://example.com/prompts/welcome.wav", &CheckOptions::default()).await;
/// assert_eq!(result.status, Status::Pass, "{:#?}", result.findings);
/// # }
/// ```
pub async fn check_url(url: &str, options: &CheckOptions) -> CheckResult {
    let input = UrlInput::new(url);
    match check_all(&[UrlJob::from(input.clone())], options, &|_| {}).await {
        Ok(mut v) if !v.is_empty() => v.remove(0),
        Ok(_) => unreachable_result(&input, options, "no result".to_owned()),
        Err(e) => unreachable_result(&input, options, e.to_string()),
    }
}

/// Checks one URL from blocking code (a test, a build script): runs its own runtime.
///
/// ```no_run
/// use acs_preflight::{check_url_blocking, CheckOptions, Rule};
///
/// let result = check_url_blocking("https://example.com/prompts/welcome.wav", &CheckOptions::default());
/// assert!(!result.has(Rule::UrlHttpStatus));
/// ```
pub fn check_url_blocking(url: &str, options: &CheckOptions) -> CheckResult {
    let input = UrlInput::new(url);
    match runtime() {
        Ok(rt) => rt.block_on(check_url(url, options)),
        Err(e) => unreachable_result(&input, options, e.to_string()),
    }
}

/// Checks one URL as Azure AI Speech fetches an SSML `audio src`, from blocking code: the URL
/// checks (reachability, private addresses, redirects, SAS, `--timeout`), then the body judged by
/// Speech's formats (mp3, wav, opus, ogg, flac, wma, at any rate and channel count) instead of
/// Play's. Findings predict subcode 8565. A [`crate::Scan`] does this for every `audio src` of
/// the SSML it reads.
///
/// ```no_run
/// use acs_preflight::{check_speech_audio_blocking, CheckOptions, Status};
///
/// // A 44.1 kHz stereo MP3 is fine for Speech, though Play would refuse it.
/// let result = check_speech_audio_blocking("https://example.com/music/hold.mp3", &CheckOptions::default());
/// assert_eq!(result.status, Status::Pass, "{:#?}", result.findings);
/// ```
pub fn check_speech_audio_blocking(url: &str, options: &CheckOptions) -> CheckResult {
    let input = UrlInput::new(url);
    let job = UrlJob::speech(input.clone());
    let checked = runtime().and_then(|rt| rt.block_on(check_all(&[job], options, &|_| {})));
    match checked {
        Ok(mut v) if !v.is_empty() => v.remove(0),
        Ok(_) => unreachable_result(&input, options, "no result".to_owned()),
        Err(e) => unreachable_result(&input, options, e.to_string()),
    }
}

/// A runtime for blocking callers.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, HttpSetupError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HttpSetupError(e.to_string()))
}

/// The result of a URL that could not be checked at all (`url-unreachable`, `why`).
pub(crate) fn unreachable_result(
    input: &UrlInput,
    options: &CheckOptions,
    why: String,
) -> CheckResult {
    let mut r = options.result(
        shown(&input.url),
        None,
        vec![Finding::new(
            Rule::UrlUnreachable,
            options.action,
            redact(&why),
        )],
    );
    r.sources = input.sources.clone();
    r
}

/// The extension of the URL's last path segment, lowercase.
fn url_extension(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let ext = Path::new(last).extension()?.to_str()?;
    Some(ext.to_ascii_lowercase())
}

/// A URL as reports show it: redacted, and cut after 100 characters when it is longer than
/// [`limits::MAX_URL_BYTES`] (such a URL is never checked).
pub(crate) fn shown(url: &str) -> String {
    let shown = display_url(url);
    if url.len() <= limits::MAX_URL_BYTES {
        return shown;
    }
    // Cut after redacting, so the cut cannot hide a field name from the redaction.
    let cut = shown
        .char_indices()
        .nth(100)
        .map_or(shown.len(), |(i, _)| i);
    format!("{}…", &shown[..cut])
}

async fn check_with(client: &Client, job: &UrlJob, options: &CheckOptions) -> CheckResult {
    let input = &job.input;
    let display = shown(&input.url);
    let mut issues: Vec<Issue> = Vec::new();
    let finish = |issues: Vec<Issue>, extra: Vec<Finding>, audio, http| {
        let mut findings: Vec<Finding> = issues.into_iter().map(|i| i.finding(options)).collect();
        findings.extend(extra);
        for f in &mut findings {
            // The registry's advice names ACS; a finding that has no advice of its own gets
            // the fetcher's.
            if f.advice == f.rule.info().advice {
                if let Some(advice) = job.fetcher.advice(f.rule) {
                    f.advice = advice;
                }
            }
        }
        if job.fetcher == Fetcher::Speech {
            speech::adapt(&mut findings, options);
        }
        let mut r = options.result(display.clone(), audio, findings);
        r.sources = input.sources.clone();
        r.http = http;
        r
    };

    if input.url.len() > limits::MAX_URL_BYTES {
        issues.push(Issue::new(
            Rule::UrlInvalid,
            format!(
                "the URL (or the line it was read from) is {} bytes long, over the {} KiB a URL may have; no request was sent",
                input.url.len(),
                limits::MAX_URL_BYTES >> 10
            ),
        ));
        return finish(issues, Vec::new(), None, None);
    }
    let url = match Url::parse(input.url.trim()) {
        Ok(u) => u,
        Err(e) => {
            issues.push(Issue::new(
                Rule::UrlInvalid,
                format!("not an absolute URL: {e}"),
            ));
            return finish(issues, Vec::new(), None, None);
        }
    };
    let checks = fetch::url_checks(&url, fetch::Step::Input, job.fetcher);
    issues.extend(checks.issues);
    if let Some(last) = checks.stop {
        issues.push(last);
        return finish(issues, Vec::new(), None, None);
    }
    issues.extend(
        sas::check(
            &url,
            jiff::Timestamp::now(),
            options.sas_min_days,
            job.fetcher,
        )
        .into_iter()
        .map(Issue::from),
    );

    if options.offline {
        if let Some(why) = fetch::literal_guard(&url, options.allow_private) {
            issues.push(Issue::new(
                Rule::UrlPrivate,
                format!(
                    "{why}; {} cannot reach it, and no request was sent",
                    job.fetcher.name()
                ),
            ));
        }
        issues.push(Issue::new(
            Rule::UrlNotChecked,
            "--offline: not fetched; only the URL's syntax, scheme, credentials, SAS fields and host (a non-public IP literal or special-use name) were checked",
        ));
        return finish(issues, Vec::new(), None, None);
    }

    let extension = url_extension(&url);
    let mut fetched = fetch::fetch(client, url, options, job.fetcher).await;
    if let Some(local) = job
        .local
        .as_deref()
        .filter(|_| deployed::is_missing(&fetched))
    {
        // The answer's own finding (url-http-status) says the same less exactly.
        fetched.issues.retain(|i| i.rule != Rule::UrlHttpStatus);
        fetched
            .issues
            .push(deployed::missing_issue(local, &fetched));
    }
    let headers = fetched.headers.take().unwrap_or_default();
    issues.extend(fetched.issues);
    let http = Some(fetched.http);
    let Some(body) = fetched.body else {
        return finish(issues, Vec::new(), None, http);
    };

    let available = body.bytes.len() as u64;
    let inspection = match Window::open(Cursor::new(body.bytes.as_slice()), body.total, available) {
        Ok(mut window) => {
            let origin = Origin {
                path: None,
                extension: extension.as_deref(),
            };
            inspect(&mut window, origin, options)
        }
        Err(e) => {
            issues.push(Issue::new(
                Rule::UrlUnreachable,
                format!("cannot read the body: {e}"),
            ));
            return finish(issues, Vec::new(), None, http);
        }
    };
    let mut findings = inspection.findings;
    // A file's advice names the file to convert; a URL's is about the file it serves.
    for f in &mut findings {
        if f.rule.cured_by_conversion() && f.advice == f.rule.info().advice {
            f.advice = CONVERT_SERVED_FILE.to_owned();
        }
    }
    // A web page or text where audio should be: say so in URL terms.
    let container = inspection.audio.as_ref().map(|a| a.container.as_str());
    let text_like = matches!(
        container,
        Some(c) if [Container::Html, Container::Xml, Container::Json, Container::Text]
            .iter()
            .any(|k| k.short_name() == c)
    );
    if job.fetcher == Fetcher::Speech && !text_like {
        speech::judge(&mut findings, container, options);
    }
    if text_like {
        let content_type = http.as_ref().and_then(|h| h.content_type.clone());
        let status = http.as_ref().and_then(|h| h.status).unwrap_or(200);
        let kind = content_kind(&findings).unwrap_or_else(|| "text".to_owned());
        findings.retain(|f| f.rule != Rule::NotWav);
        findings.insert(
            0,
            Finding::new(
                Rule::UrlNotAudio,
                options.action,
                not_audio_message(status, &kind, content_type.as_deref()),
            ),
        );
    }
    if let Some(local) = job.local.clone() {
        // Reading the local file (its header, then its bytes for the MD5) blocks: off the
        // runtime, so the other URLs' requests and deadlines run on meanwhile.
        let status = http.as_ref().and_then(|h| h.status).unwrap_or(200);
        let theirs = inspection.audio.clone();
        let options = options.clone();
        let compared = tokio::task::spawn_blocking(move || {
            let ours = deployed::local_audio(&local, &options);
            let copy = deployed::Copy {
                bytes: &body.bytes,
                total: body.total,
                status,
                headers: &headers,
                audio: theirs.as_ref(),
            };
            deployed::compare(&local, ours.as_ref(), &copy)
        })
        .await;
        issues.extend(compared.ok().flatten());
    }
    for f in &mut findings {
        f.message = redact(&f.message);
        f.advice = redact(&f.advice);
    }
    finish(issues, findings, inspection.audio, http)
}

/// What the content is, in the words of the `not-wav` finding (`this is an HTML page, not
/// WAV; ...` gives `an HTML page`), if there is one.
fn content_kind(findings: &[Finding]) -> Option<String> {
    let message = &findings.iter().find(|f| f.rule == Rule::NotWav)?.message;
    let what = message.strip_prefix("this is ")?;
    what.split(", not WAV").next().map(str::to_owned)
}

/// What `url-not-audio` says: the server answered `status` with `kind` (an HTML page, plain
/// text, ...), served as `content_type`. The Content-Type is the server's claim and `kind` what
/// the body is; when the claim is not text (audio/x-wav, say), the message says the two
/// disagree.
fn not_audio_message(status: u16, kind: &str, content_type: Option<&str>) -> String {
    let Some(ct) = content_type.map(str::trim).filter(|c| !c.is_empty()) else {
        return format!(
            "the server answers {status} with {kind}, served without a Content-Type, not audio: a sign-in or error page?"
        );
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let says_text = essence.starts_with("text/")
        || essence.ends_with("+xml")
        || essence.ends_with("/xml")
        || essence.ends_with("/json")
        || essence.ends_with("+json");
    if says_text {
        format!(
            "the server answers {status} with {kind}, served as {ct}, not audio: a sign-in or error page?"
        )
    } else {
        format!(
            "the server answers {status} with {kind}, served as {ct}: the body is not audio, whatever its Content-Type says; a sign-in or error page?"
        )
    }
}

/// A URL for display: parsed, in its normalised form, with the values of its credentials' fields
/// (`sig`, `token`, `password`, ...: [`sas::SECRET_FIELDS`]) and any user name and password
/// redacted; if it does not parse, the text with anything that may be a secret
/// redacted (see [`sas::redact_url_text`]).
pub fn display_url(url: &str) -> String {
    redact_url_text(url)
}
