//! How a check is run.

use crate::rules::Action;

/// Settings shared by every check of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The action that plays the prompts; it decides which ACS failure is predicted.
    pub action: Action,
    /// Accept MP3 files that begin with an ID3v2 tag (ACS's newer docs list them as supported).
    pub allow_mp3: bool,
    /// Worker threads for a scan; `None` uses one per available core.
    pub jobs: Option<usize>,
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

    /// Sets the number of worker threads (at least 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs.max(1));
        self
    }
}
