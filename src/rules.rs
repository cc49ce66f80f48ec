//! The rule catalog: every rule id, its default severity, the ACS failure it predicts and the
//! advice that goes with it, in one place.
//!
//! `acs-preflight rules`, every printer and the README's rule table all read [`Rule::ALL`] and
//! [`Rule::info`]; nothing else spells a rule id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
    /// Azure AI Speech rejects the text-to-speech request: a bad request or invalid payload
    /// (subcode 8565, code 400, for Play and Recognize alike).
    SpeechRejected,
    /// The text or SSML play source is empty (subcode 8582).
    SsmlEmpty,
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
    ///
    /// Text-to-speech: subcode 8565 with code 400 (Azure AI Speech rejected a bad request) and
    /// 8582 (the text or SSML is empty), on `PlayFailed` or `RecognizeFailed` alike.
    pub fn prediction(self, action: Action) -> AcsPrediction {
        let speech = |subcode| AcsPrediction {
            action,
            code: 400,
            message: match action {
                Action::Play => "Play Failed",
                Action::Recognize => "Recognize Failed",
            },
            subcode,
        };
        match self {
            AcsEffect::SpeechRejected => return speech(8565),
            AcsEffect::SsmlEmpty => return speech(8582),
            AcsEffect::InvalidFormat | AcsEffect::DownloadFailed => {}
        }
        match action {
            Action::Play => AcsPrediction {
                action,
                code: 400,
                message: "Play Failed",
                subcode: match self {
                    AcsEffect::InvalidFormat => 8535,
                    _ => 8536,
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
    /// A paragraph: why the rule exists, what ACS does, how to fix it (`acs-preflight explain`).
    pub explanation: &'static str,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident, $effect:expr,
        $summary:literal, $advice:literal, $explanation:literal; )*) => {
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
                        explanation: $explanation,
                    }, )*
                }
            }
        }
    };
}

const FORMAT: Option<AcsEffect> = Some(AcsEffect::InvalidFormat);
const DOWNLOAD: Option<AcsEffect> = Some(AcsEffect::DownloadFailed);
const SPEECH: Option<AcsEffect> = Some(AcsEffect::SpeechRejected);

rules! {
    /// The file cannot be opened or read.
    Unreadable = "unreadable", Error, Some(AcsEffect::DownloadFailed),
        "the file cannot be opened or read",
        "check the path and its permissions; ACS cannot play what cannot be read",
        "The file could not be opened or read: it is missing, a broken symlink, unreadable to this user, or not a regular file (a FIFO, socket or device is never opened). A prompt that cannot be read cannot be uploaded or served, and a URL whose file is missing fails with PlayFailed 400, subcode 8536 (download failed). Fix the path or the permissions, or remove the reference.";
    /// Not a RIFF/WAVE file.
    NotWav = "not-wav", Error, FORMAT,
        "the file is not a RIFF/WAVE file (the message says what it is)",
        "convert it to WAV, 16-bit PCM, mono, 16 kHz: acs-preflight fix --in-place FILE",
        "ACS plays WAV files holding 16-bit PCM, mono, 16 kHz (its newer pages also accept MP3 with an ID3v2 tag: use --allow-mp3 for those). Any other container fails at call time with PlayFailed 400, subcode 8535 (invalid file format), or RecognizeFailed 500, subcode 8511. The message names what the file is instead (FLAC, Ogg, MP4, RF64, an HTML page, ...). Convert it with `acs-preflight fix --in-place FILE` (or `--out DIR` for converted copies); with ffmpeg, `ffmpeg -i IN -map_metadata -1 -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav` does the same. A text or HTML file is not audio at all and has to be exported again.";
    /// WAV, but not integer PCM.
    NotPcm = "not-pcm", Error, FORMAT,
        "WAV, but the codec is float, A-law, mu-law, ADPCM or another non-integer-PCM codec",
        "convert it to 16-bit integer PCM: acs-preflight fix --in-place FILE",
        "The file is WAV, but its samples are not integer PCM (format tag 1): IEEE float, A-law, mu-law, ADPCM, GSM, MP3-in-WAV or another codec. ACS documents 16-bit PCM only and fails with PlayFailed 400, subcode 8535. Convert the samples with `acs-preflight fix --in-place FILE` (or `--out DIR`); with ffmpeg, `ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav`.";
    /// Integer PCM, but not 16-bit.
    BitDepth = "bit-depth", Error, FORMAT,
        "integer PCM, but not 16 bits per sample",
        "convert it to 16-bit samples: acs-preflight fix --in-place FILE",
        "The samples are integer PCM but not 16 bits (8, 24 and 32 bits are common). ACS plays 16-bit PCM only and fails with PlayFailed 400, subcode 8535. Convert with `acs-preflight fix --in-place FILE` (or `--out DIR`); with ffmpeg, `ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav`.";
    /// Not 16000 Hz.
    SampleRate = "sample-rate", Error, FORMAT,
        "the sample rate is not 16000 Hz",
        "resample it to 16000 Hz: acs-preflight fix --in-place FILE",
        "ACS plays prompts sampled at 16000 Hz. Files exported at 8, 22.05, 44.1 or 48 kHz fail with PlayFailed 400, subcode 8535 (RecognizeFailed 500, 8511 for a Recognize prompt). Resample with `acs-preflight fix --in-place FILE` (or `--out DIR`); with other tools, `ffmpeg -i IN -ar 16000 -ac 1 -c:a pcm_s16le OUT.wav` or `sox IN -r 16000 -c 1 -b 16 OUT.wav`.";
    /// Not mono.
    Channels = "channels", Error, FORMAT,
        "the file is not mono",
        "mix it down to one channel: acs-preflight fix --in-place FILE",
        "ACS plays mono prompts. A stereo (or multichannel) file fails with PlayFailed 400, subcode 8535. Mix it down with `acs-preflight fix --in-place FILE` (or `--out DIR`); with ffmpeg, `ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav`.";
    /// Structurally broken.
    Malformed = "malformed", Error, FORMAT,
        "missing or short fmt chunk, no data chunk, a chunk running past the end of the file, or an inconsistent block_align",
        "export the prompt again from its source; a damaged file cannot be repaired from its header",
        "The RIFF structure is broken: the fmt chunk is missing or shorter than 16 bytes, there is no data chunk, a chunk (often the data chunk of a cut-off upload or download) says it is longer than what is left of the file, the fmt or data header lies past the first 64 KiB, or block_align does not match channels x bytes per sample. Players may refuse it or play noise; ACS reports an invalid file format (8535). Export or download the file again from its source.";
    /// A data chunk with no samples.
    NoAudio = "no-audio", Error, FORMAT,
        "the data chunk holds no samples",
        "export the prompt again: it holds no audio",
        "The data chunk holds no complete sample frame, so the prompt would play silence or be rejected. This usually comes from an export that was cancelled or a writer that never wrote its samples. Export the prompt again.";
    /// WAVE_FORMAT_EXTENSIBLE around otherwise valid PCM.
    ExtensibleHeader = "extensible-header", Warning, FORMAT,
        "WAVE_FORMAT_EXTENSIBLE wrapping 16 kHz mono 16-bit PCM; ACS documents plain PCM (format tag 1) only",
        "rewrite it with a plain PCM header (format tag 1): acs-preflight fix --in-place FILE",
        "The samples are 16 kHz mono 16-bit PCM, but the fmt chunk uses WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE) with a PCM sub-format. ACS documents plain PCM only, so some players accept this and some reject it as an invalid format (8535). Rewrite the header with `acs-preflight fix --in-place FILE` (or `--out DIR`), which writes format tag 1; with ffmpeg, `ffmpeg -i IN -c:a pcm_s16le OUT.wav` does the same for mono 16-bit.";
    /// Header fields that disagree without breaking the file.
    HeaderInconsistent = "header-inconsistent", Warning, None,
        "byte_rate wrong, RIFF size off, data length not a multiple of block_align, or 0xFFFFFFFF streaming sizes",
        "rewrite the header: acs-preflight fix --in-place FILE",
        "Header fields disagree without making the audio unreadable: byte_rate is not sample_rate x block_align, the RIFF size does not match the file length, the data length is not a whole number of frames, the data chunk comes before fmt, or sizes are 0xFFFFFFFF placeholders left by a streaming writer. Most players cope, strict ones may not. Rewrite the file with `acs-preflight fix --in-place FILE` (or `--out DIR`), or any converter, to make the header consistent.";
    /// The file name's extension says one format, the content another.
    ExtensionMismatch = "extension-mismatch", Warning, None,
        "the file name's extension does not match its content",
        "rename the file after its content (when the content is a format ACS plays), or convert it: acs-preflight fix --in-place FILE",
        "The file name's extension names one format and the content is another (an MP3 renamed .wav is the classic case). Servers derive the Content-Type from the extension, and people trust the name. When the content is already a format ACS plays (a WAV named .mp3), only the name is wrong: rename it after its content, and update the references to it. Otherwise convert it with `acs-preflight fix --in-place FILE`, which writes a WAV named .wav.";
    /// Not an absolute http(s) URL.
    UrlInvalid = "url-invalid", Error, DOWNLOAD,
        "the prompt URL is not an absolute http:// or https:// URL",
        "give ACS an absolute https:// URL",
        "The prompt URL cannot be parsed, has no host, uses a scheme other than http or https, or carries a user name and password (the URL itself or a redirect hop). ACS fetches prompts over http(s) without credentials, so it cannot download the file (PlayFailed 400, 8536). acs-preflight still checks such a URL, requested without the credentials, and never shows them. Use an absolute https:// URL that needs no credentials.";
    /// Plain http.
    UrlInsecure = "url-insecure", Warning, None,
        "the prompt URL uses plain http, or a redirect goes from https down to http",
        "serve the prompt over https",
        "The URL uses plain http, or one of its redirects leads from https down to http (the message names the hop): the prompt travels unencrypted and can be altered on the way. ACS is not documented to refuse it, so this is a warning. Serve the file over https.";
    /// The host resolves to an address ACS cannot reach.
    UrlPrivate = "url-private", Error, DOWNLOAD,
        "the host is a non-public name, or is or resolves to a loopback, private, link-local or otherwise non-public address",
        "host the prompt where the public internet can reach it (for example a public Azure Blob container)",
        "The URL's host is, or resolves to, a loopback, private (RFC 1918), carrier-grade NAT, link-local, unique-local, multicast, documentation or otherwise non-public address; or it is a name public DNS never answers: a special-use name (.example, .invalid, .alt, .onion, .test, .local, .home.arpa, .internal, *.localhost) or a single label (a placeholder or an intranet host). ACS runs in Azure and fetches prompts over the internet, so it cannot reach such a host (PlayFailed 400, 8536). No request is sent to it, and no DNS query for such a name. Host the prompt publicly; --allow-private checks staging hosts anyway (but never names that resolve nowhere: .example, .invalid, .alt, .onion).";
    /// The request failed before an HTTP answer.
    UrlUnreachable = "url-unreachable", Error, DOWNLOAD,
        "DNS failure, connection refused or reset, TLS failure or timeout",
        "make sure the host name resolves publicly and the server answers over the internet",
        "The request failed before any HTTP answer: the name did not resolve, the connection was refused or reset, TLS failed, the body ended early, or no complete answer came within --timeout. ACS would fail the same way (PlayFailed 400, 8536). Check DNS, firewalls and certificates.";
    /// The final answer was 4xx or 5xx.
    UrlHttpStatus = "url-http-status", Error, DOWNLOAD,
        "the server's final answer is an HTTP error (4xx or 5xx)",
        "make the file readable without credentials (on Azure Blob: a public container or a valid SAS with read permission)",
        "The server's final answer (after redirects and retries) is 4xx or 5xx. On Azure Blob Storage, 409 PublicAccessNotPermitted means the account forbids anonymous access; 403 AuthenticationFailed an expired or wrong SAS; 403 AuthorizationFailure a storage firewall; 404 a missing blob or a private container read anonymously. ACS fails to download the prompt (PlayFailed 400, 8536). Make the blob publicly readable or use a valid read SAS.";
    /// Too many redirects, a loop, or a redirect ACS cannot follow.
    UrlRedirect = "url-redirect", Error, DOWNLOAD,
        "the redirects loop, go on for more than 10 hops, or lead to a non-http(s) location",
        "give ACS the final URL of the file",
        "The redirects loop, go on for more than 10 hops, or end at a location that is not http(s). ACS cannot follow them to the file (PlayFailed 400, 8536). Use the file's final URL.";
    /// A successful answer that is a web page or text, not audio.
    UrlNotAudio = "url-not-audio", Error, FORMAT,
        "the server answers 2xx with an HTML page or text (often a sign-in or error page), not audio",
        "point the URL at the audio file itself, readable without signing in",
        "The server answers 2xx, but with an HTML page or text (a sign-in page, a share page, an error document) instead of audio. ACS downloads it and cannot play it (PlayFailed 400, 8535). Point the URL at the raw file, readable without signing in.";
    /// The SAS token has expired.
    SasExpired = "sas-expired", Error, DOWNLOAD,
        "the URL's SAS token has expired (se is in the past)",
        "issue a new SAS with a later expiry (se)",
        "The SAS token's expiry (se) is in the past, or cannot be read as a date. Azure Storage answers 403 AuthenticationFailed, so ACS cannot download the prompt (PlayFailed 400, 8536). Issue a new SAS with a later expiry and update the URL.";
    /// The SAS token expires soon.
    SasExpiring = "sas-expiring", Warning, None,
        "the URL's SAS token expires within --sas-min-days days",
        "issue a new SAS with a later expiry (se) before this one runs out",
        "The SAS token expires within --sas-min-days days (7 by default). Calls will start failing with PlayFailed 400, 8536 when it does. Issue a new SAS with a later expiry before then.";
    /// The SAS token is not valid yet.
    SasNotYetValid = "sas-not-yet-valid", Error, DOWNLOAD,
        "the URL's SAS token starts in the future (st is after now)",
        "issue a SAS whose start (st) is now or earlier, or drop st",
        "The SAS token's start time (st) is in the future; until then Azure Storage answers 403 and ACS cannot download the prompt (PlayFailed 400, 8536). Issue a SAS that starts now (or omit st).";
    /// The SAS token does not allow reading.
    SasNoRead = "sas-no-read", Error, DOWNLOAD,
        "the URL's SAS token has no read permission (sp lacks r)",
        "issue a SAS with read permission (sp=r)",
        "The SAS token's permissions (sp) do not include r (read), so Azure Storage refuses the download (PlayFailed 400, 8536). Issue a SAS with read permission.";
    /// The SAS token grants more than read.
    SasTooPermissive = "sas-too-permissive", Warning, None,
        "the URL's SAS token grants more than read (sp holds letters other than r, e.g. sp=racwdl)",
        "issue a read-only SAS (sp=r) for the prompt, and revoke this one: it is exposed wherever the URL is written",
        "The SAS token's permissions (sp) grant more than r (read): add (a), create (c), write (w), delete (d), delete version (x), permanent delete (y), list (l), tags (t), find by tags (f), move (m), execute (e), ownership (o), permissions (p; process in an account SAS), set immutability policy (i) or update (u). ACS only reads the prompt. A prompt URL sits in app configuration, repositories, logs and call requests, so anyone who reads it can use every permission it grants: overwrite, delete or list the prompts. ACS is not expected to fail, so this is a warning. Issue a SAS with sp=r only, and revoke the exposed one (through its stored access policy, or by rotating the key that signed it).";
    /// `--deep`: the prompt is silent.
    Silent = "silent", Warning, None,
        "--deep: the peak level is below -60 dBFS: the prompt is silent",
        "export the prompt again with its audio",
        "The file is valid, but its loudest sample is below -60 dBFS, so the caller hears nothing. This usually comes from an export of the wrong track or a muted source. Export the prompt again.";
    /// `--deep`: full-scale runs.
    Clipped = "clipped", Warning, None,
        "--deep: flattened crests, even after resampling or a level change (the message says the level, share of time, longest flat run and where it starts)",
        "export the prompt again at a lower level (a true peak of -1 dBTP or below)",
        "The waveform was cut off at some level, and the prompt distorts. The check looks at the half-cycles whose crest is within 1.5 dB of the file's peak: a sine spends 30% of each half-cycle within 1 dB of its crest, a flattened one much more (a sine clipped 3 dB: 57%). When at least 8 of them, and at least 5%, spend 45% or more there, for at least 0.1% of the prompt, the prompt is reported, even if it was resampled, dithered or lowered afterwards, which turns flat tops into ripple below full scale. Runs of 3 or more samples at full scale are reported too. Lowering the volume does not undo clipping; export again from the source at a lower level, with a true peak of -1 dBTP or below.";
    /// `--deep`: long silence at the start.
    LeadingSilence = "leading-silence", Warning, None,
        "--deep: more than --max-silence seconds (default 2) below --silence-db (default -50 dBFS) at the start",
        "trim the silence at the start",
        "The prompt starts with seconds of silence: callers hear nothing and may hang up or talk over it. Trim it (for example `sox IN OUT silence 1 0.05 -50d`).";
    /// `--deep`: long silence at the end.
    TrailingSilence = "trailing-silence", Warning, None,
        "--deep: more than --max-silence seconds (default 2) below --silence-db (default -50 dBFS) at the end",
        "trim the silence at the end",
        "The prompt ends with seconds of silence: the next step of the call waits for nothing. Trim it (for example `sox IN OUT reverse silence 1 0.05 -50d reverse`).";
    /// `--deep`: DC offset.
    DcOffset = "dc-offset", Warning, None,
        "--deep: the mean of the samples is beyond 1% of full scale",
        "remove the DC offset (a high-pass filter, e.g. `sox IN OUT highpass 10`)",
        "The waveform sits off centre: the mean sample is more than 1% of full scale. It wastes headroom and clicks at the start and end. Remove it with a gentle high-pass filter.";
    /// `--deep`: the true peak is above the ceiling.
    TruePeak = "true-peak", Warning, None,
        "--deep: the true peak (ITU-R BS.1770-4, 4x oversampled) is above --true-peak-db (default -1 dBTP, EBU R128's ceiling)",
        "lower the level so the true peak is at most -1 dBTP (e.g. `ffmpeg -i IN -af loudnorm=TP=-1 OUT`)",
        "The waveform between the samples, as a DAC or an MP3 encoder rebuilds it, peaks above the ceiling (-1 dBTP by default, EBU R128's maximum true-peak level). Such crests clip on playback and in the lossy encoding of the telephone path, even when no sample is at full scale. Lower the prompt's level (or use a true-peak limiter) so the true peak is at most the ceiling.";
    /// `--deep`: much louder or quieter than the others.
    LoudnessOutlier = "loudness-outlier", Warning, None,
        "--deep: integrated loudness (ITU-R BS.1770 / EBU R128) more than 6 LU from the median of the prompts checked",
        "normalize the prompts to one loudness (e.g. -16 LUFS)",
        "Callers hear this prompt much louder or quieter than the others in the set: its integrated loudness is more than 6 LU from the median of the prompts checked together. Normalize all prompts to one target loudness.";
    /// `--deep`: a stream that stops decoding part-way.
    DecodeError = "decode-error", Warning, None,
        "--deep: the audio stream fails to decode part-way (the message says where)",
        "export or download the file again",
        "The header is fine, but the audio data stops decoding part-way (a damaged or cut MP3 frame, for example): the caller hears the prompt stop early or glitch. Export or download the file again.";
    /// SSML: not well-formed XML.
    SsmlMalformed = "ssml-malformed", Error, SPEECH,
        "the SSML is not well-formed XML (the message gives the line and column), holds a DTD, or is larger than acs-preflight reads",
        "fix the XML at the line and column given",
        "A text-to-speech prompt (SsmlSource) is sent to Azure AI Speech, which rejects a document that is not well-formed XML: the Play or Recognize action fails with subcode 8565, code 400 (bad request, invalid payload such as malformed SSML; Play and Recognize how-to event-code tables). The message gives the line and column of the first error. A DTD (<!DOCTYPE>) is never read, so no entity is expanded; SSML needs none. A document over 1 MiB, or of more than 100,000 XML nodes, is not read (acs-preflight's bound, not Azure's).";
    /// SSML: the structure Azure Speech needs is missing.
    SsmlStructure = "ssml-structure", Error, SPEECH,
        "the root is not speak; version, the synthesis namespace or xml:lang is missing; text outside a voice element; a voice without a name",
        "write <speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\"> and put the text in <voice name=\"...\">",
        "Azure Speech SSML has a root element speak with version 1.0, the synthesis namespace (http://www.w3.org/2001/10/synthesis) and xml:lang, and its text inside voice elements, each naming its voice (Azure Speech SSML structure page). A document that breaks this is rejected by Azure AI Speech, and the action fails with subcode 8565, code 400 (Play and Recognize how-to event-code tables). The message says what is missing and on which line.";
    /// SSML: nothing to speak.
    SsmlEmpty = "ssml-empty", Error, Some(AcsEffect::SsmlEmpty),
        "the SSML has nothing to speak: no text, no audio and no break element",
        "give the prompt its text, or an audio element",
        "An empty text or SSML play source fails with subcode 8582, \"Play source text or SSML empty\" (Call Automation troubleshooting codes; the .NET SDK's MediaEventReasonCode). This rule fires for an empty document and for SSML whose elements hold no text, no audio and no break element (a pause alone is something to play). The sources give the subcode only: the result code shown (400) is acs-preflight's assumption, the code of Speech's bad-request failures (8565).";
    /// SSML: more than 50 voice plus audio elements.
    SsmlTooManyElements = "ssml-too-many-elements", Error, SPEECH,
        "more than 50 voice plus audio elements in one SSML document",
        "split the prompt into several play sources (a play request takes a list of them)",
        "Azure Speech takes at most 50 voice plus audio elements per request (Speech service quotas and limits); more is rejected, and the action fails with subcode 8565, code 400. A play request can carry a list of play sources (Call Automation REST spec; Play action how-to): split the prompt.";
    /// SSML: an audio src Azure Speech cannot fetch or play.
    SsmlAudioSrc = "ssml-audio-src", Error, SPEECH,
        "an audio src that is missing, not https, or whose extension or content is not one of mp3, wav, opus, ogg, flac, wma",
        "host the clip over https as mp3, wav, opus, ogg, flac or wma",
        "Azure Speech's audio element needs an HTTPS URL with a publicly trusted certificate, of mp3, wav, opus, ogg, flac or wma (Azure Speech SSML \"audio\" element page); Azure AI Speech rejects the request otherwise, and the action fails with subcode 8565, code 400. These are Speech's formats, not Play's: an audio clip inside SSML need not be 16 kHz mono WAV. An audio src that passes these static checks is then an input of its own: a scan fetches it with the URL checks (reachability, private addresses, SAS, --timeout; not under --offline) and judges what the server sends by Speech's formats. Content that is none of them (M4A, AAC, AIFF, ...) is this rule; a web page is url-not-audio. Findings on an audio src predict subcode 8565, since Speech, not ACS, fetches it (the sources give 8565 for failures in Speech; the code 400 there is this tool's assumption). A URL without an extension is judged by its content only.";
    /// SSML: an HD voice.
    SsmlHdVoice = "ssml-hd-voice", Warning, None,
        "a voice name is an HD voice (a name with a :...HD... suffix, e.g. en-US-Ava:DragonHDLatestNeural)",
        "use a standard neural voice (e.g. en-US-AvaNeural)",
        "Call Automation does not support HD voices, and they time out (Play action how-to, known limitations). HD voice names carry a suffix after a colon naming the HD model, such as en-US-Ava:DragonHDLatestNeural. The failure is a timeout, whose event is not documented for this case, so this is a warning with no predicted event. Use a standard neural voice.";
    /// `--offline`: the URL was not fetched.
    UrlNotChecked = "url-not-checked", Warning, None,
        "--offline: the URL was not fetched; only its syntax, scheme, credentials, SAS fields and host (a non-public IP literal or special-use name) were checked",
        "run the check with network access (without --offline) before deploying",
        "With --offline no request is sent: each URL gets only the checks that need no network (a valid absolute http(s) URL with a host, no user name or password, plain http, the SAS token's expiry, start and permissions, and a host that is a non-public IP literal or special-use name). Whether the server answers, and with a valid prompt, is not known. This warning says so; it does not count towards the exit status (--fail-on warning included), so an offline run fails only on what it checked. Run the check with network access before deploying.";
    /// `--deployed-at`: no deployed copy of a local prompt.
    DeployedMissing = "deployed-missing", Error, DOWNLOAD,
        "--deployed-at: the deployed copy of a local prompt is missing (404, or Azure BlobNotFound)",
        "upload the prompt under this name (or fix the name the application uses)",
        "With --deployed-at BASE_URL, each prompt found in a local folder is also requested at BASE_URL plus its path below the folder. That URL answers 404 (on Azure Blob Storage, BlobNotFound): the prompt was never uploaded, was uploaded under another name, or the container is private (Azure answers an anonymous read of a private container with 404 too). A call that plays it fails with PlayFailed 400, subcode 8536 (download failed). Upload the prompt, or fix the name.";
    /// `--deployed-at`: the deployed copy differs from the local file.
    DeployedDiffers = "deployed-differs", Error, None,
        "--deployed-at: the deployed copy of a local prompt is not the local file (the message says which of size, header, first bytes and MD5 differ)",
        "upload the local prompt again (or commit the deployed one, if it is the right one)",
        "With --deployed-at BASE_URL, each prompt found in a local folder is compared with its copy at BASE_URL plus its path below the folder: the size (Content-Range or Content-Length), the decoded header (format, rate, channels, bits, length), the bytes read (at most 64 KiB), and, when the server sends one, the whole file's MD5 (Content-MD5 on a full read; x-ms-blob-content-md5, which Azure Blob Storage sends for a blob uploaded with an MD5, on a range read) against the local file's. ACS plays the deployed copy, not the one in the repository: callers hear an older or other prompt. ACS does not fail, but the deployment is wrong, so this is an error. Upload the local file again.";
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

    /// Whether converting the file (`acs-preflight fix`) cures findings of this rule: the
    /// format rules, not damage or content. The output is always named `.wav`, so a name that
    /// does not match the content is cured too.
    pub fn cured_by_conversion(self) -> bool {
        matches!(
            self,
            Rule::ExtensionMismatch
                | Rule::NotWav
                | Rule::NotPcm
                | Rule::BitDepth
                | Rule::SampleRate
                | Rule::Channels
                | Rule::ExtensibleHeader
                | Rule::HeaderInconsistent
        )
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
#[error("unknown rule id `{id}`{hint}", id = .0, hint = did_you_mean(.0))]
pub struct UnknownRule(pub String);

/// The rule a mistyped id most likely meant: the same id in another case or with `_` or spaces
/// for `-` (`sas_expired`), or one at most two edits away (`sas-expird`).
pub fn closest_rule(id: &str) -> Option<Rule> {
    let wanted: String = id
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    Rule::ALL
        .iter()
        .copied()
        .map(|r| (strsim::levenshtein(&wanted, r.id()), r))
        .filter(|&(distance, _)| distance <= 2)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, r)| r)
}

/// What follows an unknown rule id in a message: the rule meant, when one is close, else where
/// the rules are listed.
pub(crate) fn did_you_mean(id: &str) -> String {
    match closest_rule(id) {
        Some(rule) => format!("; did you mean `{rule}`?"),
        None => " (see `acs-preflight rules`)".to_owned(),
    }
}

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
        assert_eq!(seen.len(), 40);
        // A mistyped id names the rule meant.
        assert_eq!(closest_rule("sas_expired"), Some(Rule::SasExpired));
        assert_eq!(closest_rule("SAS-Expird"), Some(Rule::SasExpired));
        assert_eq!(closest_rule("clipping-everywhere"), None);
        assert_eq!(
            "sas_expired".parse::<Rule>().unwrap_err().to_string(),
            "unknown rule id `sas_expired`; did you mean `sas-expired`?"
        );
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
            // A stale deployed copy plays without an ACS failure; the wrong prompt is heard.
            if rule.default_severity() == Severity::Error && rule != Rule::DeployedDiffers {
                assert!(rule.info().effect.is_some(), "{rule} has no ACS effect");
            }
        }
    }
}
