//! How a check is run.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::limits::{self, LimitError};
use crate::report::{CheckResult, Finding};
use crate::rules::{Action, Rule, Severity};

/// What a rule is set to: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Findings of the rule are errors.
    Error,
    /// Findings of the rule are warnings.
    Warning,
    /// The rule is not reported.
    Off,
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(Level::Error),
            "warning" => Ok(Level::Warning),
            "off" => Ok(Level::Off),
            other => Err(format!(
                "`{other}` is not a level: use \"error\", \"warning\" or \"off\""
            )),
        }
    }
}

/// The `--deep` thresholds, as the analysis reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thresholds {
    /// Below this level (dBFS) a frame is silent.
    pub silence_db: f64,
    /// Longer silence than this at either end is reported (milliseconds).
    pub max_silence_ms: u64,
    /// A true peak above this level (dBTP) is reported.
    pub true_peak_db: f64,
}

/// Settings shared by every check of a run.
///
/// Each numeric setting has an allowed range in [`crate::limits`]. [`Scan`](crate::Scan) refuses
/// options outside them ([`CheckOptions::validate`]); the entry points that cannot fail
/// ([`crate::check_url`], [`crate::check_file`], [`crate::fix_paths`]) move each value into its
/// range instead, so no caller can ask for 65,535 threads or endless retries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The action that plays the prompts; it decides which ACS failure is predicted.
    pub action: Action,
    /// Accept MP3 files that begin with an ID3v2 tag (ACS's newer docs list them as supported).
    pub allow_mp3: bool,
    /// Files checked in parallel, and URL requests in flight; `None` uses one thread per core
    /// for files and 16 requests for URLs.
    pub jobs: Option<usize>,
    /// URL requests in flight to one host (default 8).
    pub host_jobs: Option<usize>,
    /// Check URLs on private, loopback and other non-public addresses (staging hosts, tests).
    pub allow_private: bool,
    /// The longest one URL's check may take, from its first request: connects, answers,
    /// retries, `Retry-After` waits and redirect hops included (default 20 s). Connecting
    /// takes at most 10 s of it.
    pub timeout: Duration,
    /// How often a URL request is repeated after 429, 5xx, 408 or a reset (default 3).
    pub retries: u32,
    /// Warn when a SAS token expires within this many days (default 7).
    pub sas_min_days: u32,
    /// Per-rule severity overrides (`[rules]` in the config file).
    pub levels: BTreeMap<Rule, Level>,
    /// Glob patterns of files and folders to skip inside the folders walked (matched against
    /// the path below the folder given, the whole path, and the file name).
    pub exclude: Vec<String>,
    /// Apply `exclude` to files and folders named directly too (`--force-exclude`), as a
    /// pre-commit hook needs: it names every staged file.
    pub force_exclude: bool,
    /// Read every sample of local files (`--deep`): silence, clipping, DC offset, loudness.
    pub deep: bool,
    /// `--deep`: a frame below this level (dBFS) is silent (default -50).
    pub silence_db: f64,
    /// `--deep`: leading or trailing silence longer than this is reported (default 2 s).
    pub max_silence: Duration,
    /// `--deep`: a true peak above this level (dBTP) is reported (default -1, EBU R128's
    /// ceiling).
    pub true_peak_db: f64,
    /// Send no request (`--offline`): URLs get only the checks that need no network (syntax,
    /// scheme, credentials, SAS fields, non-public IP literals and names) and a `url-not-checked` warning,
    /// which does not count towards the exit status.
    pub offline: bool,
    /// `--deployed-at`: the URL the prompts folders are deployed under. Each file found in a
    /// folder is also checked at this URL plus its path below the folder (a SAS query on it is
    /// kept on every derived URL), and compared with the local file (`deployed-missing`,
    /// `deployed-differs`).
    pub deployed_at: Option<String>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            action: Action::Play,
            allow_mp3: false,
            jobs: None,
            host_jobs: None,
            allow_private: false,
            timeout: Duration::from_secs(20),
            retries: 3,
            sas_min_days: 7,
            levels: BTreeMap::new(),
            exclude: Vec::new(),
            force_exclude: false,
            deep: false,
            silence_db: -50.0,
            max_silence: Duration::from_secs(2),
            true_peak_db: -1.0,
            offline: false,
            deployed_at: None,
        }
    }
}

impl CheckOptions {
    /// Sets the action (`play` by default).
    pub fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// Accepts MP3 with an ID3v2 tag.
    pub fn allow_mp3(mut self, allow: bool) -> Self {
        self.allow_mp3 = allow;
        self
    }

    /// Sets the number of worker threads and URL requests in flight (at least 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Sets the URL requests in flight to one host (at least 1).
    pub fn host_jobs(mut self, jobs: usize) -> Self {
        self.host_jobs = Some(jobs.max(1));
        self
    }

    /// Allows URLs on non-public addresses.
    pub fn allow_private(mut self, allow: bool) -> Self {
        self.allow_private = allow;
        self
    }

    /// Sets the deadline of each URL: the longest one URL's check may take, retries, waits and
    /// redirect hops included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of retries.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the SAS expiry warning threshold in days.
    pub fn sas_min_days(mut self, days: u32) -> Self {
        self.sas_min_days = days;
        self
    }

    /// Adds glob patterns of files and folders to skip inside walked folders.
    pub fn exclude<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.exclude.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Applies `exclude` to files and folders named directly too.
    pub fn force_exclude(mut self, force: bool) -> Self {
        self.force_exclude = force;
        self
    }

    /// Reads every sample of local files (`--deep`).
    pub fn deep(mut self, deep: bool) -> Self {
        self.deep = deep;
        self
    }

    /// Sets the `--deep` silence thresholds: the level below which a frame is silent, and the
    /// longest silence allowed at either end.
    pub fn silence(mut self, below_db: f64, longest: Duration) -> Self {
        self.silence_db = below_db;
        self.max_silence = longest;
        self
    }

    /// Sets the `--deep` true-peak ceiling: a true peak above this level (dBTP) is reported.
    pub fn true_peak_db(mut self, ceiling_db: f64) -> Self {
        self.true_peak_db = ceiling_db;
        self
    }

    /// Sends no request: URLs get only the checks that need no network (`--offline`).
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Also checks each file found in a folder at `base_url` plus its path below the folder
    /// (`--deployed-at`).
    pub fn deployed_at(mut self, base_url: impl Into<String>) -> Self {
        self.deployed_at = Some(base_url.into());
        self
    }

    pub(crate) fn thresholds(&self) -> Thresholds {
        let max_silence = limits::MAX_SILENCE.clamp(self.max_silence.as_secs_f64());
        Thresholds {
            silence_db: limits::SILENCE_DB.clamp(self.silence_db),
            max_silence_ms: (max_silence * 1000.0).round() as u64,
            true_peak_db: limits::TRUE_PEAK_DB.clamp(self.true_peak_db),
        }
    }

    /// Sets a rule's level (a severity, or off).
    pub fn level(mut self, rule: Rule, level: Level) -> Self {
        self.levels.insert(rule, level);
        self
    }

    /// The severity findings of `rule` get, or `None` when the rule is off.
    pub fn severity_of(&self, rule: Rule) -> Option<Severity> {
        match self.levels.get(&rule) {
            None => Some(rule.default_severity()),
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Off) => None,
        }
    }

    /// A result for `input` whose findings have the rule levels applied (the one way checks
    /// turn findings into results, so the levels hold everywhere).
    pub(crate) fn result(
        &self,
        input: String,
        audio: Option<crate::report::AudioInfo>,
        findings: Vec<Finding>,
    ) -> CheckResult {
        CheckResult::new(input, audio, self.apply_levels(findings))
    }

    /// Applies the rule levels: drops findings of rules that are off, sets the others' severity.
    pub(crate) fn apply_levels(&self, findings: Vec<Finding>) -> Vec<Finding> {
        if self.levels.is_empty() {
            return findings;
        }
        findings
            .into_iter()
            .filter_map(|mut f| {
                f.severity = self.severity_of(f.rule)?;
                Some(f)
            })
            .collect()
    }

    /// Checks every numeric setting against its range in [`crate::limits`]; the error names
    /// the first one outside it and the range.
    ///
    /// ```
    /// use acs_preflight::CheckOptions;
    ///
    /// assert!(CheckOptions::default().validate().is_ok());
    /// let err = CheckOptions::default().jobs(65535).validate().unwrap_err();
    /// assert_eq!(err.key, "jobs");
    /// ```
    pub fn validate(&self) -> Result<(), LimitError> {
        if let Some(j) = self.jobs {
            limits::JOBS.check(j as f64)?;
        }
        if let Some(j) = self.host_jobs {
            limits::HOST_JOBS.check(j as f64)?;
        }
        limits::TIMEOUT.check(self.timeout.as_secs_f64())?;
        limits::RETRIES.check(f64::from(self.retries))?;
        limits::SAS_MIN_DAYS.check(f64::from(self.sas_min_days))?;
        limits::SILENCE_DB.check(self.silence_db)?;
        limits::MAX_SILENCE.check(self.max_silence.as_secs_f64())?;
        limits::TRUE_PEAK_DB.check(self.true_peak_db)?;
        Ok(())
    }

    /// The options with every numeric setting moved into its range (see [`Limit::clamp`]).
    ///
    /// [`Limit::clamp`]: crate::limits::Limit::clamp
    pub(crate) fn clamped(&self) -> CheckOptions {
        let count = |limit: &limits::Limit, v: usize| limit.clamp(v as f64) as usize;
        let secs = |limit: &limits::Limit, d: Duration| {
            Duration::from_secs_f64(limit.clamp(d.as_secs_f64()))
        };
        CheckOptions {
            jobs: self.jobs.map(|j| count(&limits::JOBS, j)),
            host_jobs: self.host_jobs.map(|j| count(&limits::HOST_JOBS, j)),
            timeout: secs(&limits::TIMEOUT, self.timeout),
            retries: limits::RETRIES.clamp(f64::from(self.retries)) as u32,
            sas_min_days: limits::SAS_MIN_DAYS.clamp(f64::from(self.sas_min_days)) as u32,
            silence_db: limits::SILENCE_DB.clamp(self.silence_db),
            max_silence: secs(&limits::MAX_SILENCE, self.max_silence),
            true_peak_db: limits::TRUE_PEAK_DB.clamp(self.true_peak_db),
            ..self.clone()
        }
    }

    /// Worker threads for files: `jobs`, or one per core, within [`limits::JOBS`].
    pub(crate) fn effective_file_jobs(&self) -> usize {
        let jobs = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        limits::JOBS.clamp(jobs as f64) as usize
    }

    /// Requests in flight for URLs.
    pub(crate) fn effective_url_jobs(&self) -> usize {
        limits::JOBS.clamp(self.jobs.unwrap_or(16) as f64) as usize
    }

    /// Requests in flight to one host.
    pub(crate) fn effective_host_jobs(&self) -> usize {
        limits::HOST_JOBS.clamp(self.host_jobs.unwrap_or(8) as f64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_outside_their_range_are_refused_or_clamped() {
        let wild = CheckOptions::default()
            .jobs(65535)
            .host_jobs(65535)
            .retries(u32::MAX)
            .sas_min_days(u32::MAX)
            .timeout(Duration::from_secs(86_400))
            .silence(f64::NAN, Duration::from_secs(86_400));
        assert_eq!(wild.validate().map_err(|e| e.key), Err("jobs"));
        let c = wild.clamped();
        assert!(c.validate().is_ok(), "{c:?}");
        assert_eq!((c.jobs, c.host_jobs), (Some(1024), Some(1024)));
        assert_eq!((c.retries, c.sas_min_days), (10, 3650));
        assert_eq!(c.timeout, Duration::from_secs(3600));
        assert_eq!(c.effective_url_jobs(), 1024);
        assert!(wild.effective_file_jobs() <= 1024);
        let t = wild.thresholds();
        assert!(t.silence_db.is_finite() && t.max_silence_ms == 3_600_000);
    }
}
