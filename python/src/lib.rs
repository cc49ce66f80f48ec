//! `acs_preflight._native`: the Python package's bridge to the library. The `acs-preflight`
//! command runs the library's command line ([`acs_preflight::cli::run`]), so it parses, prints
//! and exits exactly like the Rust binary; `check` maps keyword arguments onto
//! [`Overrides`], so every value is validated, merged with `acs-preflight.toml` and worded by
//! the library. The Python wrapper (`acs_preflight/__init__.py`) builds the public classes from
//! the JSON document this module renders.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use acs_preflight::cli::printer::{self, RunInfo};
use acs_preflight::remote::Extracted;
use acs_preflight::settings::Config;
use acs_preflight::{
    Action, Overrides, PassedOver, PlannedInput, Report, Scan, ScanEvent, SettingsError, Severity,
    Skipped,
};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use serde::de::value::{Error as DeError, StrDeserializer};
use serde::de::IntoDeserializer;
use serde::Deserialize;

/// Runs the command line on `argv` (the program name first) with the GIL released and returns
/// the exit status (0 clean, 1 findings, 2 could not run).
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| acs_preflight::cli::run(argv))
}

/// A finished check: the library's report and what the run knew besides it, rendered on
/// demand by the command line's printers.
#[pyclass(frozen, module = "acs_preflight._native")]
struct Run {
    report: Report,
    fail_on: Severity,
    elapsed: Duration,
    config: Option<PathBuf>,
    skipped: Vec<Skipped>,
    ignored: Vec<Extracted>,
    /// What `extract_from` was given that gave no prompt.
    found_nothing: Vec<PathBuf>,
    /// With `dump=True`: the inputs that would be checked (and nothing was checked).
    plan: Option<Vec<PlannedInput>>,
}

#[pymethods]
impl Run {
    /// Whether the command line would exit 0: no finding at least as severe as `fail_on`.
    #[getter]
    fn ok(&self) -> bool {
        !self.report.fails(self.fail_on)
    }

    /// The `--format json` document.
    fn json(&self) -> PyResult<String> {
        let mut out = Vec::new();
        printer::json::print(&self.report, self.config.as_deref(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// With `dump=True`: the `check --dump --format json` array; `None` for a check.
    fn plan_json(&self) -> PyResult<Option<String>> {
        let Some(plan) = &self.plan else {
            return Ok(None);
        };
        let mut out = Vec::new();
        printer::dump::json(plan, &mut out)?;
        Ok(Some(String::from_utf8_lossy(&out).into_owned()))
    }

    /// The human report without colour; `verbose` as `--verbose`.
    fn text(&self, verbose: bool) -> PyResult<String> {
        let run = RunInfo {
            fail_on: self.fail_on,
            elapsed: self.elapsed,
            config: self.config.as_deref(),
            verbose,
            skipped: &self.skipped,
            ignored: &self.ignored,
            width: None,
            found_nothing: &self.found_nothing,
        };
        let mut out = Vec::new();
        printer::human::print_plain(&self.report, &run, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// A choice (`action`, `fail_on`) read as the config file reads it, so a bad one is refused in
/// the library's words.
fn choice<T: for<'de> Deserialize<'de>>(key: &str, value: Option<String>) -> PyResult<Option<T>> {
    value
        .map(|v| {
            let text: StrDeserializer<'_, DeError> = v.as_str().into_deserializer();
            T::deserialize(text).map_err(|e| PyValueError::new_err(format!("{key}: {e}")))
        })
        .transpose()
}

/// The exception for a setting that keeps the run from starting, with the command line's
/// message: `FileNotFoundError` for a named input that does not exist, `OSError` (or its
/// subclass for the error kind) when a named file cannot be read, `ValueError` otherwise.
fn setup_error(err: &(dyn std::error::Error + 'static)) -> PyErr {
    let text = acs_preflight::cli::error_text(err);
    if let Some(SettingsError::MissingInput(_)) = err.downcast_ref::<SettingsError>() {
        return PyFileNotFoundError::new_err(text);
    }
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(text),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(text),
                _ => PyOSError::new_err(text),
            };
        }
        cause = e.source();
    }
    PyValueError::new_err(text)
}

/// Checks `inputs` as `acs-preflight check` does with the same options. `None` leaves a
/// setting to `acs-preflight.toml` (the one found from the working folder, or `config`), then
/// the default.
#[pyfunction]
#[pyo3(signature = (inputs, *, config=None, no_config=false, action=None, allow_mp3=None, allow_private=None, deep=None, timeout=None, jobs=None, host_jobs=None, retries=None, sas_min_days=None, silence_db=None, max_silence=None, true_peak_db=None, fail_on=None, exclude=None, force_exclude=None, urls_from=None, extract_from=None, url_pattern=None, url_ignore=None, rules=None, offline=None, deployed_at=None, dump=false))]
#[allow(clippy::too_many_arguments)]
fn check<'py>(
    py: Python<'py>,
    inputs: Arg<'py>,
    config: Option<Arg<'py>>,
    no_config: bool,
    action: Option<Arg<'py>>,
    allow_mp3: Option<Arg<'py>>,
    allow_private: Option<Arg<'py>>,
    deep: Option<Arg<'py>>,
    timeout: Option<Arg<'py>>,
    jobs: Option<Arg<'py>>,
    host_jobs: Option<Arg<'py>>,
    retries: Option<Arg<'py>>,
    sas_min_days: Option<Arg<'py>>,
    silence_db: Option<Arg<'py>>,
    max_silence: Option<Arg<'py>>,
    true_peak_db: Option<Arg<'py>>,
    fail_on: Option<Arg<'py>>,
    exclude: Option<Arg<'py>>,
    force_exclude: Option<Arg<'py>>,
    urls_from: Option<Arg<'py>>,
    extract_from: Option<Arg<'py>>,
    url_pattern: Option<Arg<'py>>,
    url_ignore: Option<Arg<'py>>,
    rules: Option<Arg<'py>>,
    offline: Option<Arg<'py>>,
    deployed_at: Option<Arg<'py>>,
    dump: bool,
) -> PyResult<Run> {
    let mut overrides = Overrides::default();
    overrides.config = arg("config", config)?;
    overrides.no_config = no_config;
    let inputs: Option<Vec<PathBuf>> = arg("inputs", Some(inputs))?;
    overrides.inputs = inputs
        .into_iter()
        .flatten()
        .map(PathBuf::into_os_string)
        .collect();
    overrides.urls_from = arg("urls_from", urls_from)?;
    // `Config` is non-exhaustive: set field by field.
    let mut values = Config::default();
    values.action = choice::<Action>("action", arg("action", action)?)?;
    values.fail_on = choice::<Severity>("fail_on", arg("fail_on", fail_on)?)?;
    values.allow_mp3 = arg("allow_mp3", allow_mp3)?;
    values.allow_private = arg("allow_private", allow_private)?;
    values.deep = arg("deep", deep)?;
    values.timeout = arg("timeout", timeout)?;
    values.jobs = arg("jobs", jobs)?;
    values.host_jobs = arg("host_jobs", host_jobs)?;
    values.retries = arg("retries", retries)?;
    values.sas_min_days = arg("sas_min_days", sas_min_days)?;
    values.silence_db = arg("silence_db", silence_db)?;
    values.max_silence = arg("max_silence", max_silence)?;
    values.true_peak_db = arg("true_peak_db", true_peak_db)?;
    values.exclude = arg("exclude", exclude)?;
    values.force_exclude = arg("force_exclude", force_exclude)?;
    values.extract_from = arg("extract_from", extract_from)?;
    values.url_pattern = arg("url_pattern", url_pattern)?;
    values.url_ignore = arg("url_ignore", url_ignore)?;
    values.rules = arg("rules", rules)?;
    values.offline = arg("offline", offline)?;
    values.deployed_at = arg("deployed_at", deployed_at)?;
    overrides.values = values;
    py.detach(move || run(&overrides, dump))
}

/// A keyword argument as Python gave it.
type Arg<'py> = Bound<'py, PyAny>;

/// A keyword argument converted, or an exception that names it: `TypeError` for a value of
/// the wrong type (`jobs: must be real number, not str`), `ValueError` for one the type cannot
/// hold.
fn arg<'py, T: FromPyObjectOwned<'py>>(key: &str, value: Option<Arg<'py>>) -> PyResult<Option<T>> {
    let Some(value) = value else {
        return Ok(None);
    };
    value.extract::<T>().map(Some).map_err(|e| {
        let e: PyErr = e.into();
        let message = format!("{key}: {e}");
        if e.is_instance_of::<PyTypeError>(value.py()) {
            PyTypeError::new_err(message)
        } else {
            PyValueError::new_err(message)
        }
    })
}

/// The run itself, as `acs-preflight check` does it (or `check --dump` with `dump`), without
/// the GIL.
fn run(overrides: &Overrides, dump: bool) -> PyResult<Run> {
    let settings = overrides.check_settings().map_err(|e| setup_error(&e))?;
    if dump {
        let plan = Scan::from_inputs(settings.inputs, settings.options)
            .and_then(|scan| scan.ignoring_urls(settings.url_ignore).plan())
            .map_err(|e| setup_error(&e))?;
        return Ok(Run {
            report: Report::new(Vec::new()),
            fail_on: settings.fail_on,
            elapsed: Duration::ZERO,
            config: settings.config,
            skipped: Vec::new(),
            found_nothing: settings.extraction.found_nothing(),
            ignored: settings.extraction.ignored,
            plan: Some(plan),
        });
    }
    let started = Instant::now();
    // What the walk skipped and the URLs ignore patterns left out, as the command line lists
    // them.
    let passed_over = PassedOver::new(true);
    let on_event = |event: ScanEvent<'_>| passed_over.note(event);
    let report = Scan::from_inputs(settings.inputs, settings.options)
        .and_then(|scan| {
            scan.ignoring_urls(settings.url_ignore)
                .with_ignored(settings.extraction.ignored.clone())
                .run(on_event)
        })
        .map_err(|e| setup_error(&e))?;
    let (skipped, ignored) = passed_over.into_lists();
    Ok(Run {
        report,
        fail_on: settings.fail_on,
        elapsed: started.elapsed(),
        config: settings.config,
        skipped,
        found_nothing: settings.extraction.found_nothing(),
        ignored,
        plan: None,
    })
}

/// Checks one SSML document held in memory, as Call Automation's `SsmlSource` sends it to
/// Azure AI Speech, and returns the `--format json` document of a report over it (its one
/// result is the document's).
#[pyfunction]
#[pyo3(signature = (text, *, action=None))]
fn check_ssml<'py>(text: Arg<'py>, action: Option<Arg<'py>>) -> PyResult<String> {
    let text: String = arg("text", Some(text))?.unwrap_or_default();
    let action = choice::<Action>("action", arg("action", action)?)?.unwrap_or_default();
    let options = acs_preflight::CheckOptions::default().action(action);
    let report = Report::new(vec![acs_preflight::check_ssml_with(
        "<ssml>", &text, &options,
    )]);
    let mut out = Vec::new();
    printer::json::print(&report, None, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The module `acs_preflight._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(check_ssml, m)?)?;
    m.add_class::<Run>()?;
    Ok(())
}
