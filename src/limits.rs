//! Every bound the tool keeps, in one place: the allowed range of each numeric setting (the
//! command-line flags, `acs-preflight.toml` and [`CheckOptions::validate`] all check against
//! these), and the caps on the text read from URL lists and config files.
//!
//! ```
//! use acs_preflight::limits;
//!
//! assert_eq!(limits::JOBS.check(8.0), Ok(8.0));
//! let err = limits::JOBS.check(65535.0).unwrap_err();
//! assert_eq!(err.to_string(), "jobs = 65535 is out of range: it must be an integer from 1 to 1024");
//! assert_eq!(limits::TIMEOUT.range(), "a number of seconds above 0 and at most 3600");
//! ```
//!
//! [`CheckOptions::validate`]: crate::CheckOptions::validate

use std::io::{self, Read};
use std::path::Path;

/// The allowed range of one numeric setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The setting's name: the key in `acs-preflight.toml`; the flag is `--` and the key with
    /// `-` for `_`.
    pub key: &'static str,
    /// What the value is, e.g. `an integer` or `a number of seconds`.
    pub what: &'static str,
    /// Whether the value must be a whole number.
    pub integer: bool,
    /// The lowest value.
    pub min: f64,
    /// Whether `min` itself is outside the range.
    pub min_exclusive: bool,
    /// The highest value.
    pub max: f64,
    /// Whether `max` itself is outside the range.
    pub max_exclusive: bool,
}

/// A setting outside its [`Limit`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} = {value} is out of range: it must be {range}")]
pub struct LimitError {
    /// The setting's key.
    pub key: &'static str,
    /// The value given, as text.
    pub value: String,
    /// The allowed range, in words ([`Limit::range`]).
    pub range: String,
}

impl Limit {
    /// The allowed range in words, e.g. `an integer from 1 to 1024`. Flags and the config file
    /// report exactly this text.
    pub fn range(&self) -> String {
        let (min, max) = (self.min, self.max);
        let span = match (self.min_exclusive, self.max_exclusive) {
            (false, false) => format!("from {min} to {max}"),
            (true, false) => format!("above {min} and at most {max}"),
            (false, true) => format!("at least {min} and below {max}"),
            (true, true) => format!("above {min} and below {max}"),
        };
        format!("{} {span}", self.what)
    }

    /// Whether `value` is allowed.
    pub fn contains(&self, value: f64) -> bool {
        let above = if self.min_exclusive {
            value > self.min
        } else {
            value >= self.min
        };
        let below = if self.max_exclusive {
            value < self.max
        } else {
            value <= self.max
        };
        above && below && (!self.integer || value.fract() == 0.0)
    }

    /// `value` when it is allowed, else an error naming the key and the range.
    pub fn check(&self, value: f64) -> Result<f64, LimitError> {
        if self.contains(value) {
            Ok(value)
        } else {
            Err(LimitError {
                key: self.key,
                value: value.to_string(),
                range: self.range(),
            })
        }
    }

    /// Parses a command-line value and checks it; the error is `must be <range>` (clap puts
    /// the flag and the value before it).
    pub fn parse(&self, text: &str) -> Result<f64, String> {
        match text.trim().parse::<f64>() {
            Ok(v) if self.contains(v) => Ok(v),
            _ => Err(format!("must be {}", self.range())),
        }
    }

    /// `value` moved into the range (the nearest bound; `NaN` becomes the lowest allowed value).
    /// For the entry points that cannot fail, such as [`crate::check_url`].
    pub fn clamp(&self, value: f64) -> f64 {
        if self.contains(value) {
            return value;
        }
        let lowest = if self.min_exclusive {
            next_up(self.min, self.integer)
        } else {
            self.min
        };
        let highest = if self.max_exclusive {
            next_down(self.max, self.integer)
        } else {
            self.max
        };
        if value.is_nan() || value < lowest {
            lowest
        } else if value > highest {
            highest
        } else {
            value.round()
        }
    }
}

fn next_up(v: f64, integer: bool) -> f64 {
    if integer {
        v + 1.0
    } else {
        v + f64::EPSILON.max(v.abs() * f64::EPSILON)
    }
}

fn next_down(v: f64, integer: bool) -> f64 {
    if integer {
        v - 1.0
    } else {
        v - f64::EPSILON.max(v.abs() * f64::EPSILON)
    }
}

/// Files checked in parallel, and URL requests in flight (`--jobs`, `jobs`).
pub const JOBS: Limit = Limit {
    key: "jobs",
    what: "an integer",
    integer: true,
    min: 1.0,
    min_exclusive: false,
    max: 1024.0,
    max_exclusive: false,
};

/// URL requests in flight to one host (`--host-jobs`, `host_jobs`).
pub const HOST_JOBS: Limit = Limit {
    key: "host_jobs",
    ..JOBS
};

/// The longest a URL request may take, in seconds (`--timeout`, `timeout`).
pub const TIMEOUT: Limit = Limit {
    key: "timeout",
    what: "a number of seconds",
    integer: false,
    min: 0.0,
    min_exclusive: true,
    max: 3600.0,
    max_exclusive: false,
};

/// Retries of a URL request (`--retries`, `retries`).
pub const RETRIES: Limit = Limit {
    key: "retries",
    what: "an integer",
    integer: true,
    min: 0.0,
    min_exclusive: false,
    max: 10.0,
    max_exclusive: false,
};

/// The SAS expiry warning threshold, in days (`--sas-min-days`, `sas_min_days`).
pub const SAS_MIN_DAYS: Limit = Limit {
    key: "sas_min_days",
    what: "a whole number of days",
    integer: true,
    min: 0.0,
    min_exclusive: false,
    max: 3650.0,
    max_exclusive: false,
};

/// `--deep`: the level below which a frame is silent, in dBFS (`--silence-db`, `silence_db`).
pub const SILENCE_DB: Limit = Limit {
    key: "silence_db",
    what: "a level in dBFS",
    integer: false,
    min: -150.0,
    min_exclusive: false,
    max: 0.0,
    max_exclusive: true,
};

/// `--deep`: the longest silence at either end, in seconds (`--max-silence`, `max_silence`).
pub const MAX_SILENCE: Limit = Limit {
    key: "max_silence",
    what: "a number of seconds",
    integer: false,
    min: 0.0,
    min_exclusive: false,
    max: 3600.0,
    max_exclusive: false,
};

/// `--deep`: the true-peak ceiling, in dBTP (`--true-peak-db`, `true_peak_db`): a true peak
/// above it is reported. Up to +6 dBTP, since inter-sample crests of full-scale audio reach a
/// few dB above full scale.
pub const TRUE_PEAK_DB: Limit = Limit {
    key: "true_peak_db",
    what: "a level in dBTP",
    integer: false,
    min: -60.0,
    min_exclusive: false,
    max: 6.0,
    max_exclusive: false,
};

/// `fix`: the integrated loudness to bring prompts to, in LUFS (`--loudness`, `loudness`).
pub const LOUDNESS: Limit = Limit {
    key: "loudness",
    what: "a loudness in LUFS",
    integer: false,
    min: -60.0,
    min_exclusive: false,
    max: 0.0,
    max_exclusive: false,
};

/// `fix`: the most leading or trailing silence kept, in seconds (`--trim-silence`,
/// `trim_silence`).
pub const TRIM_SILENCE: Limit = Limit {
    key: "trim_silence",
    what: "a number of seconds",
    integer: false,
    min: 0.0,
    min_exclusive: false,
    max: 3600.0,
    max_exclusive: false,
};

/// Every numeric setting's limit.
pub const ALL: &[Limit] = &[
    JOBS,
    HOST_JOBS,
    TIMEOUT,
    RETRIES,
    SAS_MIN_DAYS,
    SILENCE_DB,
    MAX_SILENCE,
    TRUE_PEAK_DB,
    LOUDNESS,
    TRIM_SILENCE,
];

/// The lowest sample rate converted, and measured by `--deep` (Hz). Below it a few bytes of input
/// become a huge output, and a loudness block holds a handful of samples.
pub const MIN_RATE: u32 = 1_000;
/// The highest sample rate converted, and measured by `--deep` (Hz): the highest rate audio
/// interfaces offer. Above it the resampler's filter (sized by the rate) grows for no purpose.
pub const MAX_RATE: u32 = 768_000;

/// The most bytes read from one URL list, config file or stdin (16 MiB): a longer one is an
/// error, and reading stops there.
pub const MAX_TEXT_BYTES: usize = 16 << 20;

/// The longest URL checked, in bytes (64 KiB; Azure Blob Storage URLs are at most a few KiB). A
/// longer URL, or a longer line in a URL list, is a `url-invalid` finding and gets no request.
pub const MAX_URL_BYTES: usize = 64 << 10;

/// The longest `url_pattern`, in bytes (4 KiB). A pattern from a hostile config could otherwise
/// take seconds to compile before the regex crate's own size limit refuses it.
pub const MAX_PATTERN_BYTES: usize = 4 << 10;

/// The most SSML `audio src` URLs one run fetches (10,000, each once however many documents
/// name it): a repository of many SSML documents cannot make a run send unbounded requests.
pub const MAX_SSML_AUDIO_URLS: usize = 10_000;

/// The most `exclude` patterns a run takes (1,000), each at most [`MAX_PATTERN_BYTES`] long: a
/// hostile config could otherwise make every walked path cost seconds.
pub const MAX_EXCLUDE_PATTERNS: usize = 1000;

/// Reads at most [`MAX_TEXT_BYTES`] from `reader`; more is an error of kind
/// [`io::ErrorKind::FileTooLarge`], returned as soon as the cap is passed (`/dev/zero` ends
/// quickly).
pub fn read_bounded(reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "it holds more than {} MiB, the most read from a URL list or config file",
                MAX_TEXT_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// Reads a URL list or config text from `reader` (a file or stdin alike): at most
/// [`MAX_TEXT_BYTES`], bytes that are not UTF-8 replaced by U+FFFD.
pub fn read_text(reader: impl Read) -> io::Result<String> {
    let bytes = read_bounded(reader)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// [`read_text`] of the file at `path`, which must be a regular file (a FIFO or device is refused).
pub fn read_text_file(path: &Path) -> io::Result<String> {
    read_text(crate::open::open_regular(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_in_words() {
        assert_eq!(JOBS.range(), "an integer from 1 to 1024");
        assert_eq!(
            SILENCE_DB.range(),
            "a level in dBFS at least -150 and below 0"
        );
        assert_eq!(MAX_SILENCE.range(), "a number of seconds from 0 to 3600");
    }

    #[test]
    fn checks_bounds_and_whole_numbers() {
        assert!(JOBS.contains(1.0) && JOBS.contains(1024.0));
        assert!(!JOBS.contains(0.0) && !JOBS.contains(1025.0) && !JOBS.contains(1.5));
        assert!(!TIMEOUT.contains(0.0) && TIMEOUT.contains(0.001) && TIMEOUT.contains(3600.0));
        assert!(!SILENCE_DB.contains(0.0) && SILENCE_DB.contains(-150.0));
        assert!(!RETRIES.contains(f64::NAN) && !TIMEOUT.contains(f64::INFINITY));
        assert_eq!(RETRIES.check(4294967295.0).unwrap_err().key, "retries");
        assert_eq!(JOBS.parse(" 8 "), Ok(8.0));
        assert_eq!(
            JOBS.parse("0"),
            Err("must be an integer from 1 to 1024".to_owned())
        );
    }

    #[test]
    fn clamps_into_range() {
        assert_eq!(JOBS.clamp(65535.0), 1024.0);
        assert_eq!(JOBS.clamp(0.0), 1.0);
        assert_eq!(RETRIES.clamp(f64::NAN), 0.0);
        assert_eq!(TIMEOUT.clamp(1e12), 3600.0);
        assert!(TIMEOUT.clamp(0.0) > 0.0);
        assert!(SILENCE_DB.clamp(5.0) < 0.0);
        assert_eq!(JOBS.clamp(2.5), 3.0);
    }

    #[test]
    fn reading_stops_at_the_cap() {
        let err = read_bounded(io::repeat(0)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        let text = read_text(&b"a\xFFb"[..]).unwrap();
        assert_eq!(text, "a\u{FFFD}b");
    }
}
