//! Prompt URLs against a real HTTP server on 127.0.0.1: each rule, each retry path, the byte
//! cap, timeouts and redaction. Nothing here connects anywhere but loopback.

use std::time::{Duration, Instant};

use acs_preflight::{check_url_blocking, CheckOptions, CheckResult, Rule, Status};

use crate::server::{Reply, Server};
use crate::support::*;

/// Options for loopback tests: private addresses allowed, short timeout.
fn opts() -> CheckOptions {
    CheckOptions::default()
        .allow_private(true)
        .timeout(Duration::from_secs(2))
}

/// The findings other than the plain-http warning every loopback URL gets.
fn rules(r: &CheckResult) -> Vec<Rule> {
    r.rules()
        .into_iter()
        .filter(|&x| x != Rule::UrlInsecure)
        .collect()
}

fn message(r: &CheckResult, rule: Rule) -> String {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {:#?}", r.findings))
        .message
        .clone()
}

#[test]
fn a_valid_prompt_passes_reading_only_the_first_64_kib() {
    let wav = valid(100_000); // 200 KB
    let server = Server::start(vec![("/p/welcome.wav", vec![Reply::file(wav.clone())])]);
    let r = check_url_blocking(&server.url("/p/welcome.wav"), &opts());
    assert_eq!(rules(&r), vec![], "{:#?}", r.findings);
    assert_eq!(r.rules(), vec![Rule::UrlInsecure]);
    assert_eq!(r.status, Status::Warn);
    let http = r.http.as_ref().unwrap();
    assert_eq!(http.status, Some(206));
    assert_eq!(http.bytes_read, 65_536);
    assert_eq!(http.retries, 0);
    let audio = r.audio.as_ref().unwrap();
    assert_eq!(audio.size_bytes, Some(wav.len() as u64));
    assert_eq!(audio.duration_ms, Some(100_000 * 1000 / 16_000));
    let seen = &server.seen("/p/welcome.wav")[0];
    assert_eq!(seen.headers["range"], "bytes=0-65535");
    assert_eq!(seen.headers["accept-encoding"], "identity");
    assert_eq!(server.written_eventually("/p/welcome.wav"), 65_536);
}

#[test]
fn range_ignored_on_a_large_body_reads_64_kib_and_drops_the_connection() {
    let len = 64 << 20;
    let server = Server::start(vec![("/big.wav", vec![Reply::Endless { len }])]);
    let r = check_url_blocking(&server.url("/big.wav"), &opts());
    let http = r.http.as_ref().unwrap();
    assert_eq!(http.status, Some(200));
    assert_eq!(http.bytes_read, 65_536);
    assert!(!r.has(Rule::UrlUnreachable), "{:#?}", r.findings);
    // The server could push only what the socket buffers held before the client hung up.
    let written = server.written_eventually("/big.wav");
    assert!(written < len / 4, "server wrote {written} of {len} bytes");
}

#[test]
fn a_short_file_that_ignores_range_is_checked_whole() {
    let server = Server::start(vec![
        (
            "/whole.wav",
            vec![Reply::File {
                body: wav_int(44_100, 1, 16, 1000),
                honour_range: false,
            }],
        ),
        ("/cut.wav", vec![Reply::file(truncated(&valid(1000), 1000))]),
    ]);
    let r = check_url_blocking(&server.url("/whole.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::SampleRate]);
    assert_eq!(r.http.as_ref().unwrap().status, Some(200));
    // The advice is about the file the URL serves, not a FILE to name.
    let rate = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::SampleRate)
        .unwrap();
    assert_eq!(
        rate.advice,
        "convert your copy of the file this URL serves (acs-preflight fix --in-place FILE, or \
         --out DIR for converted copies) and upload the result in its place"
    );
    // The file itself is truncated: the complete answer proves it.
    let r = check_url_blocking(&server.url("/cut.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::Malformed]);
}

/// What a server says about its content reaches every report redacted, as all text shown.
#[test]
fn a_content_type_holding_a_credential_is_redacted() {
    let server = Server::start(vec![(
        "/page.wav",
        vec![Reply::Full {
            status: 200,
            headers: vec![(
                "Content-Type".to_owned(),
                "text/html; sig=CTSIG; token=CTTOK".to_owned(),
            )],
            body: b"<html>sign in</html>".to_vec(),
        }],
    )]);
    let r = check_url_blocking(&server.url("/page.wav"), &opts());
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("CTSIG") && !json.contains("CTTOK"), "{json}");
    assert_eq!(
        r.http.as_ref().unwrap().content_type.as_deref(),
        Some("text/html; sig=REDACTED token=REDACTED")
    );
}

#[test]
fn http_errors_name_the_status_and_its_usual_meaning() {
    let server = Server::start(vec![
        ("/404.wav", vec![Reply::status(404)]),
        ("/401.wav", vec![Reply::status(401)]),
        (
            "/403.wav",
            vec![Reply::with_headers(
                403,
                &[("x-ms-error-code", "AuthenticationFailed")],
                b"",
            )],
        ),
        (
            "/409.wav",
            vec![Reply::with_headers(
                409,
                &[("x-ms-error-code", "PublicAccessNotPermitted")],
                b"",
            )],
        ),
    ]);
    let cases = [
        ("/404.wav", "404 Not Found: no file at this URL"),
        ("/401.wav", "401 Unauthorized: the server wants credentials"),
        ("/403.wav", "Azure error code AuthenticationFailed"),
        (
            "/409.wav",
            "the container is not public; Azure error code PublicAccessNotPermitted",
        ),
    ];
    for (path, want) in cases {
        let r = check_url_blocking(&server.url(path), &opts());
        assert_eq!(rules(&r), vec![Rule::UrlHttpStatus], "{path}");
        let m = message(&r, Rule::UrlHttpStatus);
        assert!(m.contains(want), "{path}: {m}");
        let acs = r
            .findings
            .iter()
            .find(|f| f.rule == Rule::UrlHttpStatus)
            .unwrap()
            .acs
            .unwrap();
        assert_eq!((acs.code, acs.subcode), (400, 8536));
        assert_eq!(server.hits(path), 1, "{path}: a 4xx is not retried");
    }
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let wav = valid(100);
    let server = Server::start(vec![
        ("/a.wav", vec![Reply::status(500), Reply::file(wav.clone())]),
        (
            "/b.wav",
            vec![
                Reply::status(503),
                Reply::status(503),
                Reply::file(wav.clone()),
            ],
        ),
        ("/c.wav", vec![Reply::status(500)]),
        ("/d.wav", vec![Reply::status(502), Reply::file(wav.clone())]),
    ]);
    let r = check_url_blocking(&server.url("/a.wav"), &opts());
    assert_eq!(rules(&r), vec![]);
    assert_eq!(r.http.as_ref().unwrap().retries, 1);
    assert_eq!(server.hits("/a.wav"), 2);

    let r = check_url_blocking(&server.url("/b.wav"), &opts());
    assert_eq!(rules(&r), vec![]);
    assert_eq!(r.http.as_ref().unwrap().retries, 2);
    let seen = server.seen("/b.wav");
    // Exponential backoff: 250 ms, then 500 ms.
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(250));
    assert!(seen[2].at - seen[1].at >= Duration::from_millis(500));

    let r = check_url_blocking(&server.url("/c.wav"), &opts().retries(2));
    assert_eq!(rules(&r), vec![Rule::UrlHttpStatus]);
    assert!(message(&r, Rule::UrlHttpStatus).ends_with("(after 2 retries)"));
    assert_eq!(server.hits("/c.wav"), 3);

    let r = check_url_blocking(&server.url("/d.wav"), &opts());
    assert_eq!(rules(&r), vec![]);
    assert_eq!(server.hits("/d.wav"), 2);
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let server = Server::start(vec![(
        "/t.wav",
        vec![
            Reply::with_headers(429, &[("Retry-After", "1")], b""),
            Reply::file(valid(100)),
        ],
    )]);
    let r = check_url_blocking(&server.url("/t.wav"), &opts());
    assert_eq!(rules(&r), vec![]);
    assert_eq!(r.http.as_ref().unwrap().retries, 1);
    let seen = server.seen("/t.wav");
    assert!(
        seen[1].at - seen[0].at >= Duration::from_secs(1),
        "retried after {:?}",
        seen[1].at - seen[0].at
    );
}

#[test]
fn redirects_are_followed_and_bounded() {
    let mut routes = vec![
        ("/old.wav", vec![Reply::redirect(301, "/new.wav")]),
        ("/new.wav", vec![Reply::file(valid(100))]),
        ("/loop-a.wav", vec![Reply::redirect(302, "/loop-b.wav")]),
        ("/loop-b.wav", vec![Reply::redirect(302, "/loop-a.wav")]),
        (
            "/ftp.wav",
            vec![Reply::redirect(302, "ftp://files.example/x.wav")],
        ),
    ];
    let hops: Vec<String> = (0..12).map(|i| format!("/hop{i}.wav")).collect();
    for i in 0..11 {
        routes.push((hops[i].as_str(), vec![Reply::redirect(307, &hops[i + 1])]));
    }
    routes.push((hops[11].as_str(), vec![Reply::file(valid(100))]));
    let server = Server::start(routes);

    let r = check_url_blocking(&server.url("/old.wav"), &opts());
    assert_eq!(rules(&r), vec![]);
    let http = r.http.as_ref().unwrap();
    assert_eq!(http.redirects, 1);
    assert_eq!(http.final_url, server.url("/new.wav"));

    let r = check_url_blocking(&server.url("/loop-a.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlRedirect]);
    assert!(message(&r, Rule::UrlRedirect).starts_with("redirect loop"));

    let r = check_url_blocking(&server.url("/hop0.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlRedirect]);
    assert!(message(&r, Rule::UrlRedirect).starts_with("more than 10 redirects"));
    assert_eq!(server.hits("/hop11.wav"), 0);

    let r = check_url_blocking(&server.url("/ftp.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlRedirect]);
    assert!(message(&r, Rule::UrlRedirect).contains("ftp:"));
}

#[test]
fn a_web_page_is_not_audio() {
    let server = Server::start(vec![(
        "/login.wav",
        vec![Reply::with_headers(
            200,
            &[("Content-Type", "text/html")],
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
        )],
    )]);
    let r = check_url_blocking(&server.url("/login.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlNotAudio]);
    assert_eq!(
        message(&r, Rule::UrlNotAudio),
        "the server answers 200 with an HTML page, served as text/html, not audio: a sign-in or error page?"
    );
    let acs = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UrlNotAudio)
        .unwrap()
        .acs
        .unwrap();
    assert_eq!(acs.subcode, 8535);
}

#[test]
fn silent_and_dripping_servers_end_at_the_timeout() {
    let server = Server::start(vec![
        ("/silent.wav", vec![Reply::Silent { for_ms: 10_000 }]),
        (
            "/drip.wav",
            vec![Reply::Drip {
                every_ms: 200,
                count: 50,
            }],
        ),
    ]);
    let o = opts().timeout(Duration::from_secs(1)).retries(0);
    for path in ["/silent.wav", "/drip.wav"] {
        let started = Instant::now();
        let r = check_url_blocking(&server.url(path), &o);
        let took = started.elapsed();
        assert_eq!(rules(&r), vec![Rule::UrlUnreachable], "{path}");
        assert_eq!(
            message(&r, Rule::UrlUnreachable),
            "no complete answer within 1 s (--timeout)"
        );
        // The server would have kept the request for 10 s.
        assert!(took < Duration::from_secs(8), "{path} took {took:?}");
    }
}

#[test]
fn resets_and_short_bodies_are_unreachable_after_retries() {
    let server = Server::start(vec![
        ("/reset.wav", vec![Reply::Reset]),
        (
            "/short.wav",
            vec![Reply::Short {
                content_length: 1000,
                body: valid(100)[..100].to_vec(),
            }],
        ),
    ]);
    let r = check_url_blocking(&server.url("/reset.wav"), &opts().retries(1));
    assert_eq!(rules(&r), vec![Rule::UrlUnreachable]);
    assert_eq!(server.hits("/reset.wav"), 2, "a reset is retried");
    assert_eq!(r.http.as_ref().unwrap().retries, 1);

    let r = check_url_blocking(&server.url("/short.wav"), &opts().retries(0));
    assert_eq!(rules(&r), vec![Rule::UrlUnreachable]);
    let m = message(&r, Rule::UrlUnreachable);
    assert!(
        m.starts_with("the connection closed after 100 of 1000 bytes"),
        "{m}"
    );
}

#[test]
fn private_addresses_get_no_request_at_all() {
    let server = Server::start(vec![("/a.wav", vec![Reply::file(valid(100))])]);
    let strict = CheckOptions::default().timeout(Duration::from_secs(2));
    let r = check_url_blocking(&server.url("/a.wav"), &strict);
    assert_eq!(rules(&r), vec![Rule::UrlPrivate]);
    assert!(message(&r, Rule::UrlPrivate).starts_with("127.0.0.1 is loopback"));
    // By name: the resolver refuses before any connection.
    let by_name = format!("http://localhost:{}/a.wav", server.addr.port());
    let r = check_url_blocking(&by_name, &strict);
    assert_eq!(rules(&r), vec![Rule::UrlPrivate], "{:#?}", r.findings);
    assert!(message(&r, Rule::UrlPrivate).contains("localhost resolves to"));
    // A redirect to a loopback address is refused the same way.
    let bounce = Server::start(vec![(
        "/r.wav",
        vec![Reply::redirect(302, &server.url("/a.wav"))],
    )]);
    let r = check_url_blocking(&bounce.url("/r.wav"), &strict);
    assert_eq!(rules(&r), vec![Rule::UrlPrivate]);
    assert_eq!(bounce.connections(), 0);
    assert_eq!(server.connections(), 0);
}

#[test]
fn invalid_urls_are_findings() {
    for (url, want) in [
        ("not a url", "not an absolute URL"),
        ("ftp://files.example/a.wav", "the scheme is ftp:"),
        ("https://user:pw@127.0.0.1:9/a.wav", "user name or password"),
    ] {
        let r = check_url_blocking(url, &CheckOptions::default());
        assert!(r.has(Rule::UrlInvalid), "{url}: {:?}", r.rules());
        assert!(message(&r, Rule::UrlInvalid).contains(want), "{url}");
        let acs = r.findings[0].acs.unwrap();
        assert_eq!((acs.code, acs.subcode), (400, 8536));
    }
}

#[test]
fn sas_tokens_are_checked_and_their_signature_never_shown() {
    let server = Server::start(vec![("/s.wav", vec![Reply::file(valid(100))])]);
    let base = server.url("/s.wav");
    let valid_sas = format!("{base}?sv=2022-11-02&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=s3cr3tS1G");
    let r = check_url_blocking(&valid_sas, &opts());
    assert_eq!(rules(&r), vec![]);
    assert_eq!(
        r.input,
        format!("{base}?sv=2022-11-02&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=REDACTED")
    );
    let expired = format!("{base}?se=2020-01-01&sp=r&sig=s3cr3tS1G");
    assert_eq!(
        rules(&check_url_blocking(&expired, &opts())),
        vec![Rule::SasExpired]
    );
    let no_read = format!("{base}?se=2099-01-01&sp=w&sig=s3cr3tS1G");
    assert_eq!(
        rules(&check_url_blocking(&no_read, &opts())),
        vec![Rule::SasNoRead, Rule::SasTooPermissive]
    );
    let early = format!("{base}?st=2099-01-01&se=2099-02-01&sp=r&sig=s3cr3tS1G");
    assert_eq!(
        rules(&check_url_blocking(&early, &opts())),
        vec![Rule::SasNotYetValid]
    );
    let soon = format!(
        "{base}?se={}&sp=r&sig=s3cr3tS1G",
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)
    );
    let r = check_url_blocking(&soon, &opts());
    assert_eq!(rules(&r), vec![Rule::SasExpiring]);
    assert_eq!(r.status, Status::Warn);
    assert!(!format!("{r:?}").contains("s3cr3t"));
}

#[test]
fn a_range_answer_without_a_total_size_is_not_called_truncated() {
    let wav = valid(100_000);
    let server = Server::start(vec![(
        "/star.wav",
        vec![Reply::with_headers(
            206,
            &[("Content-Range", "bytes 0-65535/*")],
            &wav[..65_536],
        )],
    )]);
    let r = check_url_blocking(&server.url("/star.wav"), &opts());
    assert_eq!(rules(&r), vec![], "{:#?}", r.findings);
    assert_eq!(r.audio.as_ref().unwrap().size_bytes, None);
    assert_eq!(
        r.audio.as_ref().unwrap().duration_ms,
        Some(100_000 * 1000 / 16_000)
    );
}

#[test]
fn a_retry_after_longer_than_the_time_left_ends_with_the_429() {
    let server = Server::start(vec![(
        "/busy.wav",
        vec![
            Reply::with_headers(429, &[("Retry-After", "30")], b""),
            Reply::file(valid(100)),
        ],
    )]);
    let r = check_url_blocking(&server.url("/busy.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlHttpStatus], "{:#?}", r.findings);
    let m = message(&r, Rule::UrlHttpStatus);
    assert!(
        m.starts_with("the server answers 429 Too Many Requests: the server is throttling requests; Retry-After asks for 30 s, more than the "),
        "{m}"
    );
    assert!(
        m.ends_with(" s left of --timeout 2 s, so the check stops here"),
        "{m}"
    );
    assert_eq!(r.http.as_ref().unwrap().retries, 0);
    assert_eq!(server.hits("/busy.wav"), 1, "no second request");
}

#[test]
fn retries_stop_when_their_backoff_does_not_fit_in_the_timeout() {
    let server = Server::start(vec![("/down.wav", vec![Reply::status(503)])]);
    // Backoffs of 0.25 s and 0.5 s fit in 1.5 s; the third, of 1 s, does not.
    let o = opts().timeout(Duration::from_millis(1500)).retries(3);
    let r = check_url_blocking(&server.url("/down.wav"), &o);
    assert_eq!(rules(&r), vec![Rule::UrlHttpStatus]);
    let m = message(&r, Rule::UrlHttpStatus);
    assert!(
        m.starts_with("the server answers 503 Service Unavailable: a server error (after 2 retries); another retry, 1 s later, would not fit in the "),
        "{m}"
    );
    assert!(m.ends_with(" s left of --timeout 1.5 s"), "{m}");
    assert_eq!(r.http.as_ref().unwrap().retries, 2);
    assert_eq!(server.hits("/down.wav"), 3);
}

#[test]
fn one_deadline_covers_every_redirect_hop() {
    // Ten hops of 0.3 s each: every one is within 1 s, all of them are not.
    let hops: Vec<String> = (0..=10).map(|i| format!("/slow{i}.wav")).collect();
    let mut routes: Vec<(&str, Vec<Reply>)> = (0..10)
        .map(|i| {
            (
                hops[i].as_str(),
                vec![Reply::After {
                    ms: 300,
                    then: Box::new(Reply::redirect(302, &hops[i + 1])),
                }],
            )
        })
        .collect();
    routes.push((hops[10].as_str(), vec![Reply::file(valid(100))]));
    let server = Server::start(routes);
    let r = check_url_blocking(
        &server.url("/slow0.wav"),
        &opts().timeout(Duration::from_secs(1)),
    );
    assert_eq!(rules(&r), vec![Rule::UrlUnreachable], "{:#?}", r.findings);
    let http = r.http.as_ref().unwrap();
    assert!(http.redirects < 10, "{http:?}");
    assert_eq!(server.hits("/slow10.wav"), 0);
    assert_eq!(
        message(&r, Rule::UrlUnreachable),
        format!(
            "no complete answer within 1 s (--timeout, which bounds the URL as a whole: here {} and 0 retries)",
            match http.redirects {
                1 => "1 redirect".to_owned(),
                n => format!("{n} redirects"),
            }
        )
    );
}

#[test]
fn credentials_in_a_url_or_a_redirect_are_never_sent() {
    let server = Server::start(vec![
        ("/creds.wav", vec![Reply::file(valid(100))]),
        ("/target.wav", vec![Reply::file(valid(100))]),
    ]);
    let with_creds =
        |path: &str| format!("http://bob:hunter2@127.0.0.1:{}{path}", server.addr.port());
    let bounce = Server::start(vec![(
        "/r.wav",
        vec![Reply::redirect(302, &with_creds("/target.wav"))],
    )]);

    let direct = check_url_blocking(&with_creds("/creds.wav"), &opts());
    let hop = check_url_blocking(&bounce.url("/r.wav"), &opts());
    // Neither request carried the credentials.
    for path in ["/creds.wav", "/target.wav"] {
        let seen = server.seen(path);
        assert_eq!(seen.len(), 1, "{path}");
        assert_eq!(seen[0].headers.get("authorization"), None, "{path}");
    }

    let r = direct;
    assert_eq!(rules(&r), vec![Rule::UrlInvalid], "{:#?}", r.findings);
    assert_eq!(
        message(&r, Rule::UrlInvalid),
        "the URL carries a user name or password; ACS fetches without credentials, so it is checked without them"
    );
    assert_eq!(
        r.input,
        format!("http://REDACTED@127.0.0.1:{}/creds.wav", server.addr.port())
    );
    assert_eq!(r.http.as_ref().unwrap().final_url, server.url("/creds.wav"));

    let r = hop;
    assert_eq!(rules(&r), vec![Rule::UrlInvalid], "{:#?}", r.findings);
    assert_eq!(
        message(&r, Rule::UrlInvalid),
        format!(
            "redirect 1 goes to a URL with a user name or password (http://REDACTED@127.0.0.1:{}/target.wav); ACS fetches without credentials, so it is followed without them",
            server.addr.port()
        )
    );
    assert_eq!(
        r.http.as_ref().unwrap().final_url,
        server.url("/target.wav")
    );
    assert!(!format!("{r:?}").contains("hunter2"));
}

#[test]
fn a_page_served_as_audio_says_what_it_is_served_as() {
    let server = Server::start(vec![
        (
            "/login.wav",
            vec![Reply::with_headers(
                200,
                &[("Content-Type", "audio/x-wav")],
                b"<!DOCTYPE html><html><body>Sign in</body></html>",
            )],
        ),
        (
            "/bare.wav",
            vec![Reply::with_headers(
                200,
                &[],
                b"Access denied, please sign in",
            )],
        ),
    ]);
    let r = check_url_blocking(&server.url("/login.wav"), &opts());
    assert_eq!(rules(&r), vec![Rule::UrlNotAudio], "{:#?}", r.findings);
    assert_eq!(
        message(&r, Rule::UrlNotAudio),
        "the server answers 200 with an HTML page, served as audio/x-wav: the body is not audio, whatever its Content-Type says; a sign-in or error page?"
    );
    let r = check_url_blocking(&server.url("/bare.wav"), &opts());
    assert_eq!(
        message(&r, Rule::UrlNotAudio),
        "the server answers 200 with plain text, served without a Content-Type, not audio: a sign-in or error page?"
    );
}

#[test]
fn a_sas_that_grants_more_than_read_is_a_warning_in_words() {
    let server = Server::start(vec![("/s.wav", vec![Reply::file(valid(100))])]);
    let base = server.url("/s.wav");
    let url = format!("{base}?sv=2022-11-02&se=2099-01-01T00:00:00Z&sr=b&sp=racwdl&sig=s3cr3tS1G");
    let r = check_url_blocking(&url, &opts());
    assert_eq!(rules(&r), vec![Rule::SasTooPermissive], "{:#?}", r.findings);
    assert_eq!(r.status, Status::Warn);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::SasTooPermissive)
        .unwrap();
    assert_eq!(
        f.message,
        "the SAS permissions sp=racwdl grant more than read (r): add (a), create (c), write (w), delete (d) and list (l), which ACS never needs; anyone who can read this URL can use them"
    );
    assert_eq!(
        f.advice,
        "issue a read-only SAS (sp=r) for the prompt, and revoke this one: it is exposed wherever the URL is written"
    );
    assert_eq!(f.acs, None);
    assert!(!format!("{r:?}").contains("s3cr3t"));

    // Field names in capitals: redaction hides the signature, so the checks read the token too.
    let upper = format!("{base}?SV=2022-11-02&SE=2020-01-01&SP=rw&SIG=s3cr3tS1G");
    let r = check_url_blocking(&upper, &opts());
    assert_eq!(
        r.input,
        format!("{base}?SV=2022-11-02&SE=2020-01-01&SP=rw&SIG=REDACTED")
    );
    assert_eq!(
        rules(&r),
        vec![Rule::SasTooPermissive, Rule::SasExpired],
        "{:#?}",
        r.findings
    );
    assert!(!format!("{r:?}").contains("s3cr3t"));
}

/// A plain-HTTP server on loopback that answers whatever arrives with a 400, as a web server
/// does when a TLS handshake reaches its plain port.
fn plain_http_port() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    addr
}

#[test]
fn a_tls_error_says_what_it_likely_means() {
    let addr = plain_http_port();
    let r = check_url_blocking(&format!("https://{addr}/a.wav"), &opts());
    assert_eq!(r.rules(), vec![Rule::UrlUnreachable], "{:#?}", r.findings);
    assert_eq!(
        r.findings[0].message,
        "TLS failed: received corrupt message of type InvalidContentType; the server did not answer in TLS: most likely this port serves plain http (an http:// URL written as https://, or the wrong port), or a proxy or firewall on the way intercepts the connection"
    );
    assert_eq!(
        r.findings[0].advice,
        "serve the prompt over https on this port, or correct the URL's scheme or port; if a proxy intercepts TLS here, check from a network without it"
    );
}

#[test]
fn throttling_and_server_errors_get_advice_that_fits() {
    let server = Server::start(vec![
        ("/busy.wav", vec![Reply::status(429)]),
        ("/broken.wav", vec![Reply::status(500)]),
        ("/gone.wav", vec![Reply::status(404)]),
    ]);
    let o = opts().retries(0);
    let advice = |path: &str| {
        let r = check_url_blocking(&server.url(path), &o);
        assert_eq!(rules(&r), vec![Rule::UrlHttpStatus], "{path}");
        r.findings
            .iter()
            .find(|f| f.rule == Rule::UrlHttpStatus)
            .unwrap()
            .advice
            .clone()
    };
    assert_eq!(
        advice("/busy.wav"),
        "the server limits or drops requests, and ACS fetches the prompt at call time too: serve it from storage that is not throttled (such as Azure Blob Storage or a CDN), or raise the server's limits; then check again (a longer --timeout lets the check wait out a Retry-After)"
    );
    assert_eq!(
        advice("/broken.wav"),
        "the server fails, and would fail ACS's download too: fix the server (its logs say why) or serve the prompt from static storage such as Azure Blob Storage; a passing failure clears on a later check (--retries retries it)"
    );
    // Access problems keep the rule's advice.
    assert_eq!(advice("/gone.wav"), Rule::UrlHttpStatus.info().advice);
}

#[test]
fn credentials_in_a_url_get_advice_naming_the_url_without_them() {
    let server = Server::start(vec![
        ("/creds.wav", vec![Reply::file(valid(100))]),
        ("/target.wav", vec![Reply::file(valid(100))]),
    ]);
    let port = server.addr.port();
    let url = format!("http://bob:hunter2@127.0.0.1:{port}/creds.wav?sp=r&sig=s3cr3t");
    let r = check_url_blocking(&url, &opts());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UrlInvalid)
        .unwrap();
    assert_eq!(
        f.advice,
        format!("drop the user name and password (and change that password: it is written down), make the file readable without them (on Azure Blob: a read-only SAS in the query), and give ACS http://127.0.0.1:{port}/creds.wav?sp=r&sig=REDACTED")
    );
    let bounce = Server::start(vec![(
        "/r.wav",
        vec![Reply::redirect(
            302,
            &format!("http://bob:hunter2@127.0.0.1:{port}/target.wav"),
        )],
    )]);
    let r = check_url_blocking(&bounce.url("/r.wav"), &opts());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::UrlInvalid)
        .unwrap();
    assert_eq!(
        f.advice,
        format!("make the server redirect without a user name and password, or give ACS the target directly: http://127.0.0.1:{port}/target.wav")
    );
    assert!(!format!("{r:?}").contains("hunter2"));
}
