//! The command line's settings, mapped onto the library's [`Overrides`]: the library merges
//! them with `acs-preflight.toml` and the defaults, and checks every range.

use crate::settings::Config;
use crate::{Action, Overrides, Severity};

use crate::cli::args::{ActionArg, CheckArgs, FailOn, FixArgs};

/// `Some(true)` for a flag given; an absent flag leaves the setting to the config file.
fn flag(given: bool) -> Option<bool> {
    given.then_some(true)
}

/// A repeatable flag: `None` when not given, so the config file's list stays.
fn list<T: Clone>(given: &[T]) -> Option<Vec<T>> {
    (!given.is_empty()).then(|| given.to_vec())
}

impl From<&CheckArgs> for Overrides {
    fn from(args: &CheckArgs) -> Overrides {
        Overrides {
            config: args.config.clone(),
            no_config: args.no_config,
            inputs: args.inputs.clone(),
            urls_from: args.urls_from.clone(),
            values: Config {
                extract_from: list(&args.extract_from),
                url_pattern: args.url_pattern.clone(),
                url_ignore: list(&args.url_ignore),
                exclude: list(&args.exclude),
                force_exclude: flag(args.force_exclude),
                action: args.action.map(Action::from),
                allow_mp3: flag(args.allow_mp3),
                allow_private: flag(args.allow_private),
                jobs: args.jobs,
                host_jobs: args.host_jobs,
                timeout: args.timeout,
                retries: args.retries,
                sas_min_days: args.sas_min_days,
                deep: flag(args.deep),
                silence_db: args.silence_db,
                max_silence: args.max_silence,
                true_peak_db: args.true_peak_db,
                fail_on: args.fail_on.map(|f| match f {
                    FailOn::Error => Severity::Error,
                    FailOn::Warning => Severity::Warning,
                }),
                offline: flag(args.offline),
                deployed_at: args.deployed_at.clone(),
                ..Config::default()
            },
        }
    }
}

impl From<&FixArgs> for Overrides {
    fn from(args: &FixArgs) -> Overrides {
        Overrides {
            config: args.config.clone(),
            no_config: args.no_config,
            inputs: args
                .paths
                .iter()
                .map(|p| p.clone().into_os_string())
                .collect(),
            values: Config {
                exclude: list(&args.exclude),
                force_exclude: flag(args.force_exclude),
                allow_mp3: flag(args.allow_mp3),
                jobs: args.jobs,
                loudness: args.loudness,
                match_set: flag(args.match_set),
                true_peak_db: args.true_peak_db,
                trim_silence: args.trim_silence,
                silence_db: args.silence_db,
                remove_dc: flag(args.remove_dc),
                ..Config::default()
            },
            ..Overrides::default()
        }
    }
}

impl From<ActionArg> for Action {
    fn from(a: ActionArg) -> Self {
        match a {
            ActionArg::Play => Action::Play,
            ActionArg::Recognize => Action::Recognize,
        }
    }
}
