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
    #[error(
        "no prompt files found in {} (audio files and SSML documents; for the prompt URLs and SSML \
         written in config or code files, use --extract-from)",
        list(.0)
    )]
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
    #[error("cannot start {jobs} worker threads")]
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

#[cfg(test)]
mod tests {
    use std::error::Error;
    use std::io;
    use std::path::PathBuf;

    use crate::settings::SettingsError;

    /// Every message shown as `error: cause: cause...`; no cause may repeat what its error said.
    fn chain(e: &dyn Error) -> Vec<String> {
        let mut parts = vec![e.to_string()];
        let mut next = e.source();
        while let Some(s) = next {
            parts.push(s.to_string());
            next = s.source();
        }
        parts
    }

    #[test]
    fn no_error_repeats_its_cause() {
        let io = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            )
        };
        let path = PathBuf::from("out/x.json");
        let errors: Vec<Box<dyn Error>> = vec![
            Box::new(crate::WriteError::Io {
                path: path.clone(),
                error: io(),
            }),
            Box::new(crate::remote::ExtractError {
                path: path.clone(),
                source: io(),
            }),
            Box::new(SettingsError::ReadConfig {
                path: path.clone(),
                source: io(),
            }),
            Box::new(SettingsError::Stdin(io())),
            Box::new(crate::ConvertError::Io(io())),
            Box::new(super::ScanError::Extract(crate::remote::ExtractError {
                path,
                source: io(),
            })),
        ];
        for e in &errors {
            let parts = chain(e.as_ref());
            let shown = parts.join(": ");
            assert_eq!(
                shown.matches("os error 2").count(),
                1,
                "{shown} (from {e:?})"
            );
        }
    }
}
