//! The command line's settings, mapped onto the library's [`Overrides`]: the library merges
//! them with `acs-preflight.toml` and the defaults, and checks every range.

use acs_preflight::{Action, Overrides, Severity};

use crate::args::{ActionArg, CheckArgs, FailOn, FixArgs};

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
        let mut o = Overrides::default();
        o.config = args.config.clone();
        o.inputs = args.inputs.clone();
        o.urls_from = args.urls_from.clone();
        let v = &mut o.values;
        v.extract_from = list(&args.extract_from);
        v.url_pattern = args.url_pattern.clone();
        v.exclude = list(&args.exclude);
        v.force_exclude = flag(args.force_exclude);
        v.action = args.action.map(Action::from);
        v.allow_mp3 = flag(args.allow_mp3);
        v.allow_private = flag(args.allow_private);
        v.jobs = args.jobs;
        v.host_jobs = args.host_jobs;
        v.timeout = args.timeout;
        v.retries = args.retries;
        v.sas_min_days = args.sas_min_days;
        v.deep = flag(args.deep);
        v.silence_db = args.silence_db;
        v.max_silence = args.max_silence;
        v.url_ignore = list(&args.url_ignore);
        v.fail_on = args.fail_on.map(|f| match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        });
        o
    }
}

impl From<&FixArgs> for Overrides {
    fn from(args: &FixArgs) -> Overrides {
        let mut o = Overrides::default();
        o.config = args.config.clone();
        o.inputs = args
            .paths
            .iter()
            .map(|p| p.clone().into_os_string())
            .collect();
        o.values.exclude = list(&args.exclude);
        o.values.force_exclude = flag(args.force_exclude);
        o.values.allow_mp3 = flag(args.allow_mp3);
        o.values.jobs = args.jobs;
        o
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
