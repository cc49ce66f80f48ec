//! `--deployed-at BASE_URL`: each prompt found in a local folder is also checked at `BASE_URL`
//! plus its path below the folder, and compared with the local file. ACS plays what is
//! deployed, not what is in the repository.
//!
//! The derived URL is checked like any prompt URL (same limits: 64 KiB read, the deadline, the
//! private-address refusal); a 404 (or Azure's `BlobNotFound`) becomes `deployed-missing`, and
//! a copy whose size, decoded header, first bytes or MD5 differ from the local file's becomes
//! `deployed-differs`.

use std::io::Read;
use std::path::{Component, Path};

use base64::Engine as _;
use md5::{Digest, Md5};
use percent_encoding::percent_encode;
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use super::fetch::Fetched;
use super::{Fetcher, Issue};
use crate::display::path_to_string;
use crate::header::inspect::{inspect, Origin};
use crate::header::source::Window;
use crate::limits;
use crate::options::CheckOptions;
use crate::report::AudioInfo;
use crate::rules::Rule;

use crate::display::URI_SEGMENT as SEGMENT;

/// `deployed_at` parsed: an absolute http(s) URL with a host, at most
/// [`limits::MAX_URL_BYTES`] long. The error says what is wrong, without the URL.
pub fn deployed_base(text: &str) -> Result<Url, String> {
    if text.len() > limits::MAX_URL_BYTES {
        return Err(format!(
            "it is {} bytes long, over the {} KiB a URL may have",
            text.len(),
            limits::MAX_URL_BYTES >> 10
        ));
    }
    let url = Url::parse(text.trim()).map_err(|e| format!("not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme is {}:, and {} fetches http(s) URLs only",
            url.scheme(),
            // ACS plays the deployed copies.
            Fetcher::Acs.name()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_owned());
    }
    Ok(url)
}

/// The URL of `relative` (a path below a prompts folder) under `base`: each component
/// percent-encoded as one path segment, the base's query (a SAS token) kept, its fragment
/// dropped. A base that is not a URL gives the two joined as text, which the URL checks then
/// report as `url-invalid`.
pub(crate) fn deployed_url(base: &str, relative: &Path) -> String {
    let segments: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => {
                Some(percent_encode(name.as_encoded_bytes(), SEGMENT).to_string())
            }
            _ => None,
        })
        .collect();
    let joined = segments.join("/");
    let Ok(mut url) = deployed_base(base) else {
        return format!("{}/{joined}", base.trim_end_matches('/'));
    };
    url.set_fragment(None);
    let path = format!("{}/{joined}", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.to_string()
}

/// What the local file's header says, read as a local check reads it (header only); `None`
/// when it cannot be read (its own result says why).
pub(crate) fn local_audio(path: &Path, options: &CheckOptions) -> Option<AudioInfo> {
    let file = crate::open::open_nonblocking(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let extension = crate::walk::extension_of(path);
    let origin = Origin {
        path: Some(path),
        extension: extension.as_deref(),
    };
    let mut window = Window::open(&file, Some(meta.len()), meta.len()).ok()?;
    inspect(&mut window, origin, options).audio
}

/// Whether the answer says there is no deployed copy: 404, or Azure's `BlobNotFound`.
pub(crate) fn is_missing(fetched: &Fetched) -> bool {
    let blob_not_found = fetched
        .headers
        .as_ref()
        .and_then(|h| h.get("x-ms-error-code"))
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.trim() == "BlobNotFound");
    fetched.http.status == Some(404) || blob_not_found
}

/// `deployed-missing` for `local`, from the final answer's status.
pub(crate) fn missing_issue(local: &Path, fetched: &Fetched) -> Issue {
    let code = fetched
        .headers
        .as_ref()
        .and_then(|h| h.get("x-ms-error-code"))
        .and_then(|v| v.to_str().ok())
        .map(|c| format!(" (Azure error code {})", c.trim()))
        .unwrap_or_default();
    let status = fetched.http.status.map_or_else(String::new, |s| {
        StatusCode::from_u16(s).map_or_else(|_| s.to_string(), |s| s.to_string())
    });
    Issue::new(
        Rule::DeployedMissing,
        format!(
            "no deployed copy of {}: the server answers {status}{code}",
            path_to_string(local)
        ),
    )
}

/// The whole file's MD5 as the server states it: `Content-MD5` on a full read (200), Azure's
/// `x-ms-blob-content-md5` on a range read (206; there `Content-MD5` would be the range's).
/// Returns the header's name and the 16 bytes; `None` when absent or not base64 of 16 bytes.
fn stated_md5(status: u16, headers: &HeaderMap) -> Option<(&'static str, [u8; 16])> {
    let name = if status == 206 {
        "x-ms-blob-content-md5"
    } else {
        "content-md5"
    };
    let value = headers.get(name)?.to_str().ok()?.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    Some((name, bytes.try_into().ok()?))
}

/// The header facts compared, named: format, sample rate, channels, bits, length.
fn header_facts(a: &AudioInfo) -> [(&'static str, String); 5] {
    let or_unknown = |v: Option<String>| v.unwrap_or_else(|| "unknown".to_owned());
    [
        (
            "format",
            match &a.codec {
                Some(c) => format!("{} {c}", a.container),
                None => a.container.clone(),
            },
        ),
        (
            "sample rate",
            or_unknown(a.sample_rate.map(|r| format!("{r} Hz"))),
        ),
        ("channels", or_unknown(a.channels.map(|c| c.to_string()))),
        ("bits", or_unknown(a.bits_per_sample.map(|b| b.to_string()))),
        (
            "length",
            or_unknown(a.duration_ms.map(|d| format!("{d} ms"))),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the deployed copy shows: the bytes read, the size stated (or found), the status and
/// headers of the answer, and its decoded header.
pub(crate) struct Copy<'a> {
    pub bytes: &'a [u8],
    pub total: Option<u64>,
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub audio: Option<&'a AudioInfo>,
}

/// `deployed-differs` when the deployed copy is not `local` (whose decoded header is
/// `local_audio`); the message says which of size, header, first bytes and MD5 differ. `None`
/// when everything compared is equal, or the local file cannot be read (its own result says so).
pub(crate) fn compare(
    local: &Path,
    local_audio: Option<&AudioInfo>,
    copy: &Copy<'_>,
) -> Option<Issue> {
    let file = crate::open::open_nonblocking(local).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let local_len = meta.len();
    let mut differs: Vec<String> = Vec::new();
    let size_differs = copy.total.is_some_and(|t| t != local_len);
    if let Some(total) = copy.total.filter(|_| size_differs) {
        differs.push(format!(
            "size: {total} bytes deployed, {local_len} bytes here"
        ));
    }
    if let (Some(theirs), Some(ours)) = (copy.audio, local_audio) {
        let fields: Vec<String> = header_facts(theirs)
            .into_iter()
            .zip(header_facts(ours))
            .filter(|((_, t), (_, o))| t != o)
            .map(|((name, t), (_, o))| format!("{name} {t} deployed, {o} here"))
            .collect();
        if !fields.is_empty() {
            differs.push(format!("header: {}", fields.join(", ")));
        }
    }
    if !size_differs {
        // One pass over the local file: its first bytes against those read, and its MD5 when
        // the server states one.
        let stated = stated_md5(copy.status, copy.headers);
        let mut hasher = stated.as_ref().map(|_| Md5::new());
        let mut reader = file;
        let mut buf = vec![0u8; 64 << 10];
        let mut offset: usize = 0;
        let mut first_difference: Option<usize> = None;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => return None,
            };
            let chunk = &buf[..n];
            if first_difference.is_none() && offset < copy.bytes.len() {
                let theirs = &copy.bytes[offset..copy.bytes.len().min(offset + n)];
                let ours = &chunk[..theirs.len()];
                if let Some(i) = theirs.iter().zip(ours).position(|(a, b)| a != b) {
                    first_difference = Some(offset + i);
                }
            }
            offset += n;
            match hasher.as_mut() {
                Some(h) => h.update(chunk),
                None if offset >= copy.bytes.len() => break,
                None => {}
            }
        }
        if let Some(at) = first_difference {
            differs.push(format!(
                "the first {} bytes read differ from byte {at}",
                copy.bytes.len()
            ));
        }
        if let (Some((name, theirs)), Some(h)) = (stated, hasher) {
            let ours: [u8; 16] = h.finalize().into();
            if theirs != ours {
                differs.push(format!(
                    "MD5 ({name}): {} deployed, {} here",
                    hex(&theirs),
                    hex(&ours)
                ));
            }
        }
    }
    if differs.is_empty() {
        return None;
    }
    Some(Issue::new(
        Rule::DeployedDiffers,
        format!(
            "the deployed copy is not {}: {}",
            path_to_string(local),
            differs.join("; ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_urls_encode_each_segment_and_keep_the_sas() {
        let base = "https://acct.blob.core.windows.net/prompts?sv=2024&sp=r&sig=S3CRET#frag";
        assert_eq!(
            deployed_url(base, Path::new("menu/a b#1?.wav")),
            "https://acct.blob.core.windows.net/prompts/menu/a%20b%231%3F.wav?sv=2024&sp=r&sig=S3CRET"
        );
        assert_eq!(
            deployed_url("https://h.example/p/", Path::new("100%/é.wav")),
            "https://h.example/p/100%25/%C3%A9.wav"
        );
        assert_eq!(
            deployed_url("https://h.example", Path::new("a.wav")),
            "https://h.example/a.wav"
        );
        // Not a URL: joined as text, for the URL checks to refuse.
        assert_eq!(deployed_url("nope", Path::new("a.wav")), "nope/a.wav");
        assert!(deployed_base("ftp://h.example/p").is_err());
        assert!(deployed_base("https://").is_err());
        assert!(deployed_base("https://h.example/p?sig=x").is_ok());
    }

    #[test]
    fn the_md5_header_depends_on_the_read() {
        let mut h = HeaderMap::new();
        // MD5 of "" is d41d8cd98f00b204e9800998ecf8427e.
        h.insert("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==".parse().unwrap());
        assert_eq!(
            stated_md5(200, &h).map(|(n, b)| (n, hex(&b))),
            Some(("content-md5", "d41d8cd98f00b204e9800998ecf8427e".to_owned()))
        );
        // On a range read Content-MD5 is the range's, not the file's.
        assert_eq!(stated_md5(206, &h), None);
        h.insert(
            "x-ms-blob-content-md5",
            "1B2M2Y8AsgTpgAmY7PhCfg==".parse().unwrap(),
        );
        assert_eq!(
            stated_md5(206, &h).map(|(n, _)| n),
            Some("x-ms-blob-content-md5")
        );
        h.insert("content-md5", "not base64!".parse().unwrap());
        assert_eq!(stated_md5(200, &h), None);
    }
}
