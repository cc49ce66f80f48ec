//! Finding prompt URLs inside config and source files (JSON, YAML, .env, appsettings, code).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::display::path_to_string;
use crate::report::Source;
use crate::walk::AUDIO_EXTENSIONS;

static URL_IN_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)https?://[^\s"'<>\\^`{|}]+"#).ok());

/// A URL found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The URL as written.
    pub url: String,
    /// Where it was written.
    pub source: Source,
}

/// A file named by `--extract-from` or `--urls-from` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path_to_string(.path))]
pub struct ExtractError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Whether the URL's path (before `?` and `#`) ends in an audio extension.
fn has_audio_path(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or(path);
    match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(ext))
        }
        _ => false,
    }
}

/// The prompt URLs in `text`: http(s) URLs whose path ends in an audio extension, or that match
/// `pattern`. `file` names the text in each result's source.
pub fn extract_urls(text: &str, file: &str, pattern: Option<&Regex>) -> Vec<Extracted> {
    let Some(re) = URL_IN_TEXT.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // JSON may escape slashes.
        let line = line.replace("\\/", "/");
        for m in re.find_iter(&line) {
            let url = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!', '?']);
            if has_audio_path(url) || pattern.is_some_and(|p| p.is_match(url)) {
                out.push(Extracted {
                    url: url.to_owned(),
                    source: Source {
                        file: file.to_owned(),
                        line: i + 1,
                    },
                });
            }
        }
    }
    out
}

/// Reads `path` and extracts its prompt URLs.
pub fn extract_from_file(
    path: &Path,
    pattern: Option<&Regex>,
) -> Result<Vec<Extracted>, ExtractError> {
    let bytes = std::fs::read(path).map_err(|source| ExtractError {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(extract_urls(&text, &path_to_string(path), pattern))
}

/// The URLs listed one per line in `text` (blank lines and `#` comments skipped).
pub fn url_list(text: &str, file: &str) -> Vec<Extracted> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty() && !line.starts_with('#')).then(|| Extracted {
                url: line.to_owned(),
                source: Source {
                    file: file.to_owned(),
                    line: i + 1,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str, pattern: Option<&str>) -> Vec<(String, usize)> {
        let re = pattern.map(|p| Regex::new(p).unwrap());
        extract_urls(text, "f", re.as_ref())
            .into_iter()
            .map(|e| (e.url, e.source.line))
            .collect()
    }

    #[test]
    fn finds_audio_urls_in_config_files() {
        let json = r#"{
  "Prompts": {
    "Welcome": "https://acct.blob.core.windows.net/prompts/welcome.wav?sv=2022&sig=abc",
    "Menu": "https://cdn.example.com/menu.WAV",
    "Logo": "https://cdn.example.com/logo.png",
    "Escaped": "https:\/\/cdn.example.com\/hold.mp3"
  }
}"#;
        assert_eq!(
            urls(json, None),
            vec![
                (
                    "https://acct.blob.core.windows.net/prompts/welcome.wav?sv=2022&sig=abc"
                        .to_owned(),
                    3
                ),
                ("https://cdn.example.com/menu.WAV".to_owned(), 4),
                ("https://cdn.example.com/hold.mp3".to_owned(), 6),
            ]
        );
        let env = "WELCOME_URL=http://x.example/a.wav\n# GOODBYE=https://x.example/b.wav\n";
        assert_eq!(
            urls(env, None).len(),
            2,
            "comments are config too: the URL is reported"
        );
        let yaml = "prompt: 'https://x.example/p/hello.ogg', other: https://x.example/page.";
        assert_eq!(
            urls(yaml, None),
            vec![("https://x.example/p/hello.ogg".to_owned(), 1)]
        );
        let code =
            r#"let u = "https://x.example/api/tts?voice=en" // (see https://x.example/doc)."#;
        assert_eq!(urls(code, None), vec![]);
        assert_eq!(
            urls(code, Some("/api/tts")),
            vec![("https://x.example/api/tts?voice=en".to_owned(), 1)]
        );
    }

    #[test]
    fn url_lists_skip_blanks_and_comments() {
        let got = url_list(
            "# prompts\n\nhttps://a/x.wav\n  https://a/y.wav  \n",
            "list.txt",
        );
        let got: Vec<(&str, usize)> = got
            .iter()
            .map(|e| (e.url.as_str(), e.source.line))
            .collect();
        assert_eq!(got, vec![("https://a/x.wav", 3), ("https://a/y.wav", 4)]);
    }
}
