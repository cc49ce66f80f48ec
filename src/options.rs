//! How a check is run.

use std::time::Duration;

use crate::rules::Action;

/// Settings shared by every check of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The longest a URL request may take, body included (default 20 s).
    pub timeout: Duration,
    /// How often a URL request is repeated after 429, 5xx, 408 or a reset (default 3).
    pub retries: u32,
    /// Warn when a SAS token expires within this many days (default 7).
    pub sas_min_days: u32,
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

    /// Sets the per-request timeout.
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

    /// Requests in flight for URLs.
    pub(crate) fn effective_url_jobs(&self) -> usize {
        self.jobs.unwrap_or(16).max(1)
    }

    /// Requests in flight to one host.
    pub(crate) fn effective_host_jobs(&self) -> usize {
        self.host_jobs.unwrap_or(8).max(1)
    }
}
