//! Catch broken audio prompts before Azure Communication Services (ACS) Call Automation plays
//! them.
//!
//! ACS plays prompts that are WAV files of 16-bit PCM, mono, 16 kHz. Anything else fails at call
//! time with `PlayFailed` (400, subcode 8535) or `RecognizeFailed` (500, subcode 8511). This
//! library reads the header of each prompt (never more than 64 KiB of it), checks it strictly and
//! returns [`Finding`]s, each with a stable [`Rule`], a [`Severity`], the [`AcsPrediction`] of the
//! failure ACS would raise, and advice.
//!
//! ```
//! use acs_preflight::{check_paths, CheckOptions, Rule};
//!
//! let report = check_paths(&["fixtures"], &CheckOptions::default())?;
//! let stereo = report.result("fixtures/prompt-16khz-stereo-16bit.wav").unwrap();
//! assert_eq!(stereo.rules(), vec![Rule::Channels]);
//! let acs = stereo.findings[0].acs.unwrap();
//! assert_eq!((acs.code, acs.subcode), (400, 8535));
//! # Ok::<(), acs_preflight::ScanError>(())
//! ```
//!
//! Entry points: [`check_file`], [`check_bytes`] and [`check_paths`] for local prompts;
//! [`check_url_blocking`] and [`check_url`] for prompt URLs (reachability, SAS tokens, the header
//! of the first 64 KiB); [`Scan`] for a mix of both with progress events and streaming;
//! [`CheckOptions::deep`] to read every sample; [`fix_paths`] and [`convert_file`] to turn failing
//! prompts into valid ones. [`write_file`] is the one way files are created (create-new, never
//! through a symlink, permissions kept); [`limits`] holds the range of every setting and the caps
//! on what is read.
//!
//! The library never prints; the `acs-preflight` binary renders reports.
//!
//! The modules follow the pipeline: `header` (what a file is and whether its header is right),
//! `deep` (what its samples sound like), `fix` (converting it into a prompt ACS plays),
//! [`remote`] (prompt URLs), [`settings`] (`acs-preflight.toml` merged with what a caller gave,
//! the one path every front door takes); around them the core data ([`rules`], the report, the options,
//! [`limits`]), the walk and the scan that drive the stages, and the one file-writing path.

#[cfg(feature = "cli")]
pub mod cli;
mod deep;
mod display;
mod error;
mod fix;
mod header;
pub mod limits;
mod open;
mod options;
pub mod remote;
mod report;
pub mod rules;
mod scan;
pub mod settings;
pub mod ssml;
mod walk;
mod write;

pub use display::{escape_text, is_unsafe_char, path_to_string};
pub use error::ScanError;
pub use fix::convert::{convert_file, Conversion, ConvertError};
pub use fix::level::{AudioFixes, Leveling};
pub use fix::{
    fix_paths, Backup, Change, ConversionInfo, FixAction, FixMode, FixOptions, FixReport,
    FixResult, FixSummary, Rename,
};
pub use header::sniff::{identify, Container, OggCodec};
pub use header::source::MAX_READ;
pub use header::wav::{REQUIRED_BITS, REQUIRED_CHANNELS, REQUIRED_SAMPLE_RATE};
pub use options::{CheckOptions, Level};
pub use remote::{check_speech_audio_blocking, check_url, check_url_blocking, UrlInput};
pub use report::{
    AudioInfo, CheckResult, Finding, HttpInfo, Report, SkipReason, Skipped, Source, Status, Summary,
};
pub use rules::{AcsEffect, AcsPrediction, Action, Rule, RuleInfo, Severity};
pub use scan::{
    check_bytes, check_file, check_paths, Input, PassedOver, PlannedInput, PlannedKind, Scan,
    ScanEvent,
};
pub use settings::{ConfigFile, Overrides, Settings, SettingsError};
pub use ssml::{check_ssml, check_ssml_with};
pub use walk::{has_audio_extension, AUDIO_EXTENSIONS};
pub use write::{write_file, EntryKind, WriteError, TEMP_SUFFIX};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
