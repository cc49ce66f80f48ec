//! The rule catalog: every rule id, its default severity, the ACS failure it predicts and the
//! advice that goes with it, in one place.
//!
//! `acs-preflight rules`, every printer and the README's rule table all read [`Rule::ALL`] and
//! [`Rule::info`]; nothing else spells a rule id.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; the prompt will probably still play.
    Warning,
    /// ACS is expected to fail on this prompt.
    Error,
}

impl Severity {
    /// The lowercase name used in every output (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The Call Automation action that plays the prompt; it decides which failure ACS raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The Play action (`PlayFailed` events).
    #[default]
    Play,
    /// The prompt of a Recognize action (`RecognizeFailed` events).
    Recognize,
}

impl Action {
    /// The lowercase name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Play => "play",
            Action::Recognize => "recognize",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What kind of ACS failure a rule leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AcsEffect {
    /// ACS downloads the file but cannot play its format (Play subcode 8535).
    InvalidFormat,
    /// ACS cannot download the file (Play subcode 8536).
    DownloadFailed,
}

/// The failure event ACS is expected to raise for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AcsPrediction {
    /// The action whose failure this is.
    pub action: Action,
    /// The result code on the failure event (400 or 500).
    pub code: u16,
    /// The event's message, as ACS's error table words it.
    pub message: &'static str,
    /// The result subcode (8535, 8536 or 8511).
    pub subcode: u32,
}

impl AcsEffect {
    /// The event ACS raises for this effect under `action`.
    ///
    /// Play: 400 Play Failed with subcode 8535 (invalid file format) or 8536 (download failed).
    /// Recognize: 500 Recognize Failed with subcode 8511 (the prompt failed to play) for both.
    pub fn prediction(self, action: Action) -> AcsPrediction {
        match action {
            Action::Play => AcsPrediction {
                action,
                code: 400,
                message: "Play Failed",
                subcode: match self {
                    AcsEffect::InvalidFormat => 8535,
                    AcsEffect::DownloadFailed => 8536,
                },
            },
            Action::Recognize => AcsPrediction {
                action,
                code: 500,
                message: "Recognize Failed",
                subcode: 8511,
            },
        }
    }
}

impl fmt::Display for AcsPrediction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ACS {} {}, subcode {}",
            self.code, self.message, self.subcode
        )
    }
}

/// Static facts about one rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// The stable kebab-case id.
    pub id: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// The ACS failure the rule predicts, if ACS is expected to fail.
    pub effect: Option<AcsEffect>,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// One line: what to do about it.
    pub advice: &'static str,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident, $effect:expr,
        $summary:literal, $advice:literal; )*) => {
        /// A check that can produce findings. Its id is stable across releases.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( $(#[$doc])* $variant, )*
        }

        impl Rule {
            /// Every rule, in catalog order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The rule's static facts.
            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $( Rule::$variant => &RuleInfo {
                        id: $id,
                        default_severity: Severity::$sev,
                        effect: $effect,
                        summary: $summary,
                        advice: $advice,
                    }, )*
                }
            }
        }
    };
}

const FORMAT: Option<AcsEffect> = Some(AcsEffect::InvalidFormat);
const DOWNLOAD: Option<AcsEffect> = Some(AcsEffect::DownloadFailed);

rules! {
    /// The file cannot be opened or read.
    Unreadable = "unreadable", Error, Some(AcsEffect::DownloadFailed),
        "the file cannot be opened or read",
        "check the path and its permissions; ACS cannot play what cannot be read";
    /// Not a RIFF/WAVE file.
    NotWav = "not-wav", Error, FORMAT,
        "the file is not a RIFF/WAVE file (the message says what it is)",
        "convert it to WAV, 16-bit PCM, mono, 16 kHz";
    /// WAV, but not integer PCM.
    NotPcm = "not-pcm", Error, FORMAT,
        "WAV, but the codec is float, A-law, mu-law, ADPCM or another non-integer-PCM codec",
        "convert it to 16-bit integer PCM (pcm_s16le)";
    /// Integer PCM, but not 16-bit.
    BitDepth = "bit-depth", Error, FORMAT,
        "integer PCM, but not 16 bits per sample",
        "convert it to 16-bit samples";
    /// Not 16000 Hz.
    SampleRate = "sample-rate", Error, FORMAT,
        "the sample rate is not 16000 Hz",
        "resample it to 16000 Hz";
    /// Not mono.
    Channels = "channels", Error, FORMAT,
        "the file is not mono",
        "mix it down to one channel";
    /// Structurally broken.
    Malformed = "malformed", Error, FORMAT,
        "missing or short fmt chunk, no data chunk, a chunk running past the end of the file, or an inconsistent block_align",
        "export the prompt again from its source; a damaged file cannot be repaired from its header";
    /// A data chunk with no samples.
    NoAudio = "no-audio", Error, FORMAT,
        "the data chunk holds no samples",
        "export the prompt again: it holds no audio";
    /// WAVE_FORMAT_EXTENSIBLE around otherwise valid PCM.
    ExtensibleHeader = "extensible-header", Warning, FORMAT,
        "WAVE_FORMAT_EXTENSIBLE wrapping 16 kHz mono 16-bit PCM; ACS documents plain PCM (format tag 1) only",
        "rewrite it with a plain PCM header (format tag 1)";
    /// Header fields that disagree without breaking the file.
    HeaderInconsistent = "header-inconsistent", Warning, None,
        "byte_rate wrong, RIFF size off, data length not a multiple of block_align, or 0xFFFFFFFF streaming sizes",
        "rewrite the header by exporting or converting the file again";
    /// The file name's extension says one format, the content another.
    ExtensionMismatch = "extension-mismatch", Warning, None,
        "the file name's extension does not match its content",
        "rename the file after its content, or convert the content";
    /// Not an absolute http(s) URL.
    UrlInvalid = "url-invalid", Error, DOWNLOAD,
        "the prompt URL is not an absolute http:// or https:// URL",
        "give ACS an absolute https:// URL";
    /// Plain http.
    UrlInsecure = "url-insecure", Warning, None,
        "the prompt URL uses plain http",
        "serve the prompt over https";
    /// The host resolves to an address ACS cannot reach.
    UrlPrivate = "url-private", Error, DOWNLOAD,
        "the host is or resolves to a loopback, private, link-local or otherwise non-public address",
        "host the prompt where the public internet can reach it (for example a public Azure Blob container)";
    /// The request failed before an HTTP answer.
    UrlUnreachable = "url-unreachable", Error, DOWNLOAD,
        "DNS failure, connection refused or reset, TLS failure or timeout",
        "make sure the host name resolves publicly and the server answers over the internet";
    /// The final answer was 4xx or 5xx.
    UrlHttpStatus = "url-http-status", Error, DOWNLOAD,
        "the server's final answer is an HTTP error (4xx or 5xx)",
        "make the file readable without credentials (on Azure Blob: a public container or a valid SAS with read permission)";
    /// Too many redirects, a loop, or a redirect ACS cannot follow.
    UrlRedirect = "url-redirect", Error, DOWNLOAD,
        "the redirects loop, go on for more than 10 hops, or lead to a non-http(s) location",
        "give ACS the final URL of the file";
    /// A successful answer that is a web page or text, not audio.
    UrlNotAudio = "url-not-audio", Error, FORMAT,
        "the server answers 2xx with an HTML page or text (often a sign-in or error page), not audio",
        "point the URL at the audio file itself, readable without signing in";
    /// The SAS token has expired.
    SasExpired = "sas-expired", Error, DOWNLOAD,
        "the URL's SAS token has expired (se is in the past)",
        "issue a new SAS with a later expiry (se)";
    /// The SAS token expires soon.
    SasExpiring = "sas-expiring", Warning, None,
        "the URL's SAS token expires within --sas-min-days days",
        "issue a new SAS with a later expiry (se) before this one runs out";
    /// The SAS token is not valid yet.
    SasNotYetValid = "sas-not-yet-valid", Error, DOWNLOAD,
        "the URL's SAS token starts in the future (st is after now)",
        "issue a SAS whose start (st) is now or earlier, or drop st";
    /// The SAS token does not allow reading.
    SasNoRead = "sas-no-read", Error, DOWNLOAD,
        "the URL's SAS token has no read permission (sp lacks r)",
        "issue a SAS with read permission (sp=r)";
}

impl Rule {
    /// The stable kebab-case id, e.g. `sample-rate`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The severity a finding of this rule has unless configured otherwise.
    pub fn default_severity(self) -> Severity {
        self.info().default_severity
    }

    /// The failure ACS raises for this rule under `action`, if it is expected to fail.
    pub fn prediction(self, action: Action) -> Option<AcsPrediction> {
        self.info().effect.map(|e| e.prediction(action))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// The id given is not a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule id `{0}` (see `acs-preflight rules`)")]
pub struct UnknownRule(pub String);

impl FromStr for Rule {
    type Err = UnknownRule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.id() == s)
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id} is not kebab-case"
            );
            assert!(!id.starts_with('-') && !id.ends_with('-'), "{id}");
            assert_eq!(id.parse::<Rule>(), Ok(rule));
        }
        assert_eq!(seen.len(), 22);
        assert_eq!("nope".parse::<Rule>(), Err(UnknownRule("nope".to_owned())));
    }

    #[test]
    fn predictions_follow_the_acs_table() {
        let play = Rule::SampleRate.prediction(Action::Play).unwrap();
        assert_eq!(
            (play.code, play.message, play.subcode),
            (400, "Play Failed", 8535)
        );
        let rec = Rule::SampleRate.prediction(Action::Recognize).unwrap();
        assert_eq!(
            (rec.code, rec.message, rec.subcode),
            (500, "Recognize Failed", 8511)
        );
        let dl = Rule::Unreadable.prediction(Action::Play).unwrap();
        assert_eq!(dl.subcode, 8536);
        assert_eq!(Rule::HeaderInconsistent.prediction(Action::Play), None);
    }

    #[test]
    fn every_error_rule_predicts_a_failure() {
        for &rule in Rule::ALL {
            if rule.default_severity() == Severity::Error {
                assert!(rule.info().effect.is_some(), "{rule} has no ACS effect");
            }
        }
    }
}
