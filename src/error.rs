//! Errors that stop a run before it can check anything. Problems with single inputs are never
//! errors: they are findings.

use std::path::PathBuf;

/// A setup problem that keeps a scan from running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// No inputs were given.
    #[error("no inputs: name at least one file or folder")]
    NoInputs,
    /// The inputs exist but hold no prompt files.
    #[error("no prompt files found in {}", list(.0))]
    NothingFound(Vec<PathBuf>),
    /// The HTTP client or its runtime could not be set up.
    #[error(transparent)]
    Http(#[from] crate::remote::HttpSetupError),
    /// A file of URLs or of config to extract URLs from could not be read.
    #[error(transparent)]
    Extract(#[from] crate::remote::ExtractError),
    /// An exclude pattern is not a valid glob.
    #[error("invalid exclude pattern `{pattern}`: {reason}")]
    Exclude {
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A setting is outside its range (see [`crate::limits`]).
    #[error(transparent)]
    Setting(#[from] crate::limits::LimitError),
    /// The worker threads could not be started.
    #[error("cannot start {jobs} worker threads: {source}")]
    ThreadPool {
        /// How many threads were asked for.
        jobs: usize,
        /// Why they could not be started.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| crate::display::path_to_string(p))
        .collect::<Vec<_>>()
        .join(", ")
}
