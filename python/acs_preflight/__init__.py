"""Catch broken audio prompts before Azure Communication Services Call Automation plays them.

The `acs-preflight` command is the Rust command line itself (same output, same exit codes).
`check` runs the same check from Python, for an app's own tests::

    import acs_preflight

    report = acs_preflight.check(["prompts"], action="recognize")
    assert report.ok, report.to_text()

Settings a keyword leaves as ``None`` come from ``acs-preflight.toml`` (found from the working
folder, or the file named by ``config``), then the defaults, exactly as on the command line.
Every value is checked by the library: a value of the wrong type raises ``TypeError``, one out
of range or not one of the choices ``ValueError``, both in the command line's words. A run that
cannot start raises ``ValueError`` (no inputs, a bad config file or pattern), or ``OSError``
when a file it names cannot be read (``FileNotFoundError`` for an input that does not exist).
A broken prompt never raises: it is a finding in the report.
"""

from __future__ import annotations

import collections.abc
import json
import os
from dataclasses import dataclass, fields
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Type, TypeVar, Union

from . import _native

__all__ = [
    "Acs",
    "Audio",
    "CheckResult",
    "Finding",
    "Http",
    "PlannedInput",
    "Report",
    "Source",
    "Summary",
    "check",
    "check_ssml",
    "dump",
]

StrPath = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Acs:
    """The failure event ACS is expected to raise for a finding."""

    action: str
    """``"play"`` or ``"recognize"``."""
    code: int
    """The result code on the failure event (400 or 500)."""
    message: str
    """The event's message, as ACS's error table words it."""
    subcode: int
    """The result subcode (8535, 8536 or 8511)."""


@dataclass(frozen=True)
class Finding:
    """One problem with one input."""

    rule: str
    """The rule id, e.g. ``"sample-rate"`` (``acs-preflight rules`` lists them)."""
    severity: str
    """``"error"`` or ``"warning"``."""
    message: str
    """One line with the actual values."""
    acs: Optional[Acs]
    """The failure ACS is expected to raise, or ``None``."""
    advice: str
    """What to do about it (often an exact command)."""
    line: Optional[int]
    """For an SSML document, the line the finding is about (for an SSML string found in a file,
    its line in that file, or where the string starts when escaped line breaks make the lines
    differ); ``None`` for audio and URLs."""


@dataclass(frozen=True)
class Audio:
    """What the header says about the audio, as far as it could be read."""

    container: str
    codec: Optional[str]
    sample_rate: Optional[int]
    channels: Optional[int]
    bits_per_sample: Optional[int]
    duration_ms: Optional[int]
    size_bytes: Optional[int]
    peak_dbfs: Optional[float]
    true_peak_dbtp: Optional[float]
    rms_dbfs: Optional[float]
    loudness_lufs: Optional[float]
    leading_silence_ms: Optional[int]
    trailing_silence_ms: Optional[int]


@dataclass(frozen=True)
class Source:
    """Where a URL was written (``extract_from``, ``urls_from``), or for the deployed copy of a
    local prompt (``deployed_at``) the local file, with ``line`` 0."""

    file: str
    line: int


@dataclass(frozen=True)
class Http:
    """What happened on the wire when a URL was checked."""

    status: Optional[int]
    final_url: str
    redirects: int
    retries: int
    bytes_read: int
    content_type: Optional[str]


@dataclass(frozen=True)
class CheckResult:
    """The result of checking one input."""

    input: str
    """The path or URL (SAS signatures, passwords and other credentials redacted)."""
    sources: List[Source]
    status: str
    """``"pass"``, ``"warn"`` or ``"fail"``."""
    audio: Optional[Audio]
    http: Optional[Http]
    findings: List[Finding]


@dataclass(frozen=True)
class Summary:
    """Counts over a whole run."""

    checked: int
    passed: int
    warned: int
    failed: int
    errors: int
    warnings: int
    skipped: int
    excluded: int
    ignored: int


@dataclass(frozen=True)
class PlannedInput:
    """One input a check would check, as ``dump`` (``check --dump``) lists it."""

    kind: str
    """``"file"``, ``"url"``, ``"deployed"`` (the deployed copy of a local prompt), ``"ssml"`` (an
    SSML string found by ``extract_from``) or ``"ssml-audio"`` (an ``audio src`` of such a string,
    which Azure Speech fetches)."""
    input: str
    """The path or URL (SAS signatures, passwords and other credentials redacted)."""
    sources: List[Source]
    """Where a URL was written; for a deployed copy, the local file."""
    problem: Optional[str]
    """Why a path would be reported unreadable (missing, a FIFO, ...), or ``None``."""


T = TypeVar("T")


def _build(cls: Type[T], data: Mapping[str, Any]) -> T:
    """A dataclass from its JSON object, nested objects and lists included."""
    nested: Dict[str, Any] = {
        "acs": Acs,
        "audio": Audio,
        "http": Http,
        "sources": Source,
        "findings": Finding,
    }
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = data.get(f.name) if f.name == "problem" else data[f.name]
        inner = nested.get(f.name)
        if inner is not None and value is not None:
            if isinstance(value, list):
                value = [_build(inner, v) for v in value]
            else:
                value = _build(inner, value)
        values[f.name] = value
    return cls(**values)


class Report:
    """Everything a check found, in input order."""

    def __init__(self, run: _native.Run) -> None:
        self._run = run
        self._json: str = run.json()
        document = json.loads(self._json)
        self.version: int = document["version"]
        """The JSON document's schema version."""
        self.results: List[CheckResult] = [_build(CheckResult, r) for r in document["results"]]
        """One result per input, sorted by input."""
        self.summary: Summary = _build(Summary, document["summary"])
        """Counts over ``results``."""
        self.config: Optional[str] = document["config"]
        """The config file read, or ``None``."""
        self.ok: bool = run.ok
        """True when the command line would exit 0: no error finding (no finding at all
        under ``fail_on="warning"``)."""

    def to_json(self) -> str:
        """The same document as ``acs-preflight check --format json``."""
        return self._json

    def to_text(self, verbose: bool = False) -> str:
        """The human report, without colour; ``verbose`` as ``--verbose``."""
        return self._run.text(verbose)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<Report ok={self.ok} checked={s.checked} failed={s.failed} warned={s.warned}>"
        )


def check(
    inputs: Union[StrPath, Iterable[StrPath]],
    *,
    action: Optional[str] = None,
    allow_mp3: Optional[bool] = None,
    deep: Optional[bool] = None,
    allow_private: Optional[bool] = None,
    timeout: Optional[float] = None,
    config: Optional[StrPath] = None,
    no_config: bool = False,
    jobs: Optional[int] = None,
    host_jobs: Optional[int] = None,
    retries: Optional[int] = None,
    sas_min_days: Optional[int] = None,
    silence_db: Optional[float] = None,
    max_silence: Optional[float] = None,
    true_peak_db: Optional[float] = None,
    fail_on: Optional[str] = None,
    exclude: Optional[Sequence[str]] = None,
    force_exclude: Optional[bool] = None,
    urls_from: Optional[StrPath] = None,
    extract_from: Optional[Sequence[StrPath]] = None,
    url_pattern: Optional[str] = None,
    url_ignore: Optional[Sequence[str]] = None,
    rules: Optional[Mapping[str, str]] = None,
    offline: Optional[bool] = None,
    deployed_at: Optional[str] = None,
) -> Report:
    """Checks files, folders and URLs as ``acs-preflight check`` does, and returns a Report.

    Each keyword is the command line's option of the same name (``--allow-mp3`` is
    ``allow_mp3``) and the config file's key. ``None`` leaves it to ``acs-preflight.toml``
    (found from the working folder up to the repository root, or ``config``), then the default:

    - ``no_config``: read no ``acs-preflight.toml`` (``--no-config``): only the keywords and the
      defaults apply.
    - ``action``: ``"play"`` (default) or ``"recognize"``: which ACS failure is predicted.
    - ``fail_on``: ``"error"`` (default) or ``"warning"``: what makes ``Report.ok`` false.
    - ``timeout``: seconds for one URL (20); ``retries`` (3); ``jobs``; ``host_jobs`` (8);
      ``sas_min_days`` (7).
    - ``deep``: read every sample; ``silence_db`` in dBFS (-50); ``max_silence`` in seconds (2);
      ``true_peak_db`` in dBTP (-1): a higher true peak is reported (``true-peak``).
    - ``exclude``, ``url_ignore``: lists of patterns; ``extract_from``: files, folders or globs.
    - ``rules``: ``{"rule-id": "error" | "warning" | "off"}``, the config's ``[rules]``.
    - ``offline``: send no request; URLs get only the checks that need no network and a
      ``url-not-checked`` warning, which does not make ``Report.ok`` false.
    - ``deployed_at``: a base URL (a container SAS may be on it); each prompt found in a folder
      is compared with its copy there (``deployed-missing``, ``deployed-differs``).

    Raises TypeError for a wrong type, ValueError for a value out of range, a bad choice, a bad
    config file or no inputs (with the command line's words), FileNotFoundError for a missing
    input. A broken prompt never raises: it is a finding. The GIL is released while checking.
    """
    # Every keyword, as given, to the one place that checks them (the signature above is the
    # typed, documented face; `_call` does the work for `check` and `dump` alike).
    options = dict(locals())
    del options["inputs"]
    return Report(_call(inputs, False, **options))


def dump(inputs: Union[StrPath, Iterable[StrPath]], **options: Any) -> List[PlannedInput]:
    """The inputs ``check`` would check with the same keywords, without checking them, as
    ``acs-preflight check --dump`` lists them: files after the walk and ``exclude``, URLs with
    the files and lines they came from, the deployed copies (``deployed_at``). No prompt file is
    opened and no request is sent; credentials in URLs are redacted. Raises as ``check`` does."""
    plan = _call(inputs, True, **options).plan_json()
    return [_build(PlannedInput, p) for p in json.loads(plan or "[]")]


def _call(
    inputs: Union[StrPath, Iterable[StrPath]],
    dump: bool,
    *,
    action: Optional[str] = None,
    allow_mp3: Optional[bool] = None,
    deep: Optional[bool] = None,
    allow_private: Optional[bool] = None,
    timeout: Optional[float] = None,
    config: Optional[StrPath] = None,
    no_config: bool = False,
    jobs: Optional[int] = None,
    host_jobs: Optional[int] = None,
    retries: Optional[int] = None,
    sas_min_days: Optional[int] = None,
    silence_db: Optional[float] = None,
    max_silence: Optional[float] = None,
    true_peak_db: Optional[float] = None,
    fail_on: Optional[str] = None,
    exclude: Optional[Sequence[str]] = None,
    force_exclude: Optional[bool] = None,
    urls_from: Optional[StrPath] = None,
    extract_from: Optional[Sequence[StrPath]] = None,
    url_pattern: Optional[str] = None,
    url_ignore: Optional[Sequence[str]] = None,
    rules: Optional[Mapping[str, str]] = None,
    offline: Optional[bool] = None,
    deployed_at: Optional[str] = None,
) -> _native.Run:
    """The native run behind ``check`` and ``dump``: the keywords checked, then handed over."""
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]
    if rules is not None:
        if not isinstance(rules, collections.abc.Mapping):
            raise TypeError(f"rules: expected a mapping of rule id to level, got {type(rules).__name__}")
        rules = dict(rules)
    for name, value in (("exclude", exclude), ("url_ignore", url_ignore)):
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name}: expected a list of str, got {type(value).__name__}")
    numbers = (
        ("timeout", timeout),
        ("jobs", jobs),
        ("host_jobs", host_jobs),
        ("retries", retries),
        ("sas_min_days", sas_min_days),
        ("silence_db", silence_db),
        ("max_silence", max_silence),
        ("true_peak_db", true_peak_db),
    )
    for name, number in numbers:
        # bool is an int in Python; `jobs=True` is a mistake, not 1.
        if isinstance(number, bool):
            raise TypeError(f"{name}: expected a number, got bool")
    if isinstance(extract_from, (str, bytes, os.PathLike)):
        extract_from = [extract_from]
    run = _native.check(
        [os.fsdecode(i) if isinstance(i, bytes) else i for i in inputs],
        config=config,
        no_config=no_config,
        action=action,
        allow_mp3=allow_mp3,
        allow_private=allow_private,
        deep=deep,
        timeout=timeout,
        jobs=jobs,
        host_jobs=host_jobs,
        retries=retries,
        sas_min_days=sas_min_days,
        silence_db=silence_db,
        max_silence=max_silence,
        true_peak_db=true_peak_db,
        fail_on=fail_on,
        exclude=exclude,
        force_exclude=force_exclude,
        urls_from=urls_from,
        extract_from=extract_from,
        url_pattern=url_pattern,
        url_ignore=url_ignore,
        rules=rules,
        offline=offline,
        deployed_at=deployed_at,
        dump=dump,
    )
    return run


def check_ssml(text: str, *, action: Optional[str] = None) -> CheckResult:
    """Checks one SSML document held in memory, as Call Automation's ``SsmlSource`` sends it
    to Azure AI Speech: well-formed XML, the ``speak``/``voice`` structure, something to speak,
    at most 50 ``voice`` plus ``audio`` elements, ``audio src`` URLs (https, Speech's formats)
    and no HD voice. ``action``: ``"play"`` (default) or ``"recognize"``. Returns the result
    (its ``input`` is ``"<ssml>"``); raises TypeError when ``text`` is not a str and ValueError
    for a bad ``action``. For an app that builds SSML at run time and wants to test it.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected str, got {type(text).__name__}")
    document = json.loads(_native.check_ssml(text, action=action))
    return _build(CheckResult, document["results"][0])
