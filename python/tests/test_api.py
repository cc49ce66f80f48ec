"""acs_preflight.check: the report, its classes, keyword validation and setup errors."""

import dataclasses
import json
import re
from pathlib import Path

import pytest

import acs_preflight
from acs_preflight import Acs, Audio, CheckResult, Finding, Http, Source, Summary

from conftest import ROOT, run, rust_binary

TIME = re.compile(r" in \d+\.\d+s")

EXPECTED = {
    "fixtures/prompt-16khz-mono-16bit-extensible.wav": ("warn", ["extensible-header"]),
    "fixtures/prompt-16khz-mono-8bit.wav": ("fail", ["bit-depth"]),
    "fixtures/prompt-16khz-mono-float32.wav": ("fail", ["not-pcm"]),
    "fixtures/prompt-16khz-stereo-16bit.wav": ("fail", ["channels"]),
    "fixtures/prompt-44k1hz-mono-16bit.wav": ("fail", ["sample-rate"]),
    "fixtures/prompt-mp3-renamed.wav": ("fail", ["not-wav", "extension-mismatch"]),
    "fixtures/prompt-truncated.wav": ("fail", ["malformed"]),
    "fixtures/ssml/audio-src-http-m4a.ssml": ("fail", ["ssml-audio-src"]),
    "fixtures/ssml/empty-voice.ssml": ("fail", ["ssml-empty"]),
    "fixtures/ssml/hd-voice.ssml": ("warn", ["ssml-hd-voice"]),
    "fixtures/ssml/hold-music-with-audio.xml": ("pass", []),
    "fixtures/ssml/malformed-unclosed-voice.ssml": ("fail", ["ssml-malformed"]),
    "fixtures/ssml/structure-no-namespace-text-outside-voice.ssml": (
        "fail",
        ["ssml-structure", "ssml-structure"],
    ),
    "fixtures/ssml/too-many-voices.ssml": ("fail", ["ssml-too-many-elements"]),
    "fixtures/ssml/welcome.ssml": ("pass", []),
    "fixtures/valid/prompt-16khz-mono-16bit-list-chunk.wav": ("pass", []),
    "fixtures/valid/prompt-16khz-mono-16bit.wav": ("pass", []),
    # The audio src of hold-music-with-audio.xml, fetched as Speech would: its host is a
    # placeholder (.example), refused before any lookup.
    "https://prompts.contoso.example/hold-music.mp3": ("fail", ["url-private"]),
}


def test_report_on_fixtures():
    report = acs_preflight.check(["fixtures"])
    assert not report.ok
    got = {r.input: (r.status, [f.rule for f in r.findings]) for r in report.results}
    assert got == EXPECTED
    assert report.summary == Summary(
        checked=18, passed=4, warned=2, failed=12, errors=13, warnings=3, skipped=2, excluded=0, ignored=0
    )
    assert report.config is None
    valid = next(r for r in report.results if r.input.endswith("valid/prompt-16khz-mono-16bit.wav"))
    assert isinstance(valid, CheckResult)
    assert valid.audio == Audio(
        container="wav", codec="pcm_s16le", sample_rate=16000, channels=1, bits_per_sample=16,
        duration_ms=200, size_bytes=6444, peak_dbfs=None, true_peak_dbtp=None, rms_dbfs=None,
        loudness_lufs=None, leading_silence_ms=None, trailing_silence_ms=None,
    )
    rate = next(r for r in report.results if "44k1hz" in r.input)
    finding = rate.findings[0]
    assert isinstance(finding, Finding)
    assert finding.severity == "error"
    assert finding.message == "44100 Hz; ACS plays 16000 Hz only"
    assert finding.advice == "convert it: acs-preflight fix --in-place fixtures/prompt-44k1hz-mono-16bit.wav"
    assert finding.acs == Acs(action="play", code=400, subcode=8535, message="Play Failed")
    mismatch = next(r for r in report.results if "mp3-renamed" in r.input).findings[1]
    assert (mismatch.severity, mismatch.acs) == ("warning", None)
    assert acs_preflight.check(["fixtures/valid"]).ok


def test_the_issue_example_with_a_local_file():
    # The issue's example, with a local prompt where it names a URL (no test touches the net).
    report = acs_preflight.check(
        ["fixtures/valid", "fixtures/valid/prompt-16khz-mono-16bit.wav"], action="recognize"
    )
    assert report.ok, report.to_text()
    report = acs_preflight.check(["fixtures"], action="recognize")
    assert not report.ok
    acs = next(f.acs for r in report.results for f in r.findings if f.severity == "error")
    assert (acs.action, acs.code, acs.subcode) == ("recognize", 500, 8511)


def test_to_json_is_the_cli_document():
    code, out, err = run(rust_binary(), "check", "--format", "json", "fixtures")
    assert code == 1, err
    report = acs_preflight.check(["fixtures"])
    assert report.to_json() == out
    document = json.loads(out)
    # Every JSON field has its attribute, so nothing the CLI reports is missing in Python.
    result = document["results"][0]
    assert [f.name for f in dataclasses.fields(CheckResult)] == list(result)
    assert [f.name for f in dataclasses.fields(Audio)] == list(result["audio"])
    assert [f.name for f in dataclasses.fields(Finding)] == list(result["findings"][0])
    assert [f.name for f in dataclasses.fields(Acs)] == list(result["findings"][0]["acs"])
    assert [f.name for f in dataclasses.fields(Summary)] == list(document["summary"])
    assert list(document) == ["version", "results", "summary", "config"]


def test_url_results_have_http_and_sources():
    # A URL the tool refuses before any request (a private address), read from a URL list.
    report = acs_preflight.check([], urls_from="python/tests/data/urls.txt")
    (result,) = report.results
    assert result.input == "http://10.0.0.1/prompt.wav"
    assert result.sources == [Source(file="python/tests/data/urls.txt", line=2)]
    assert result.http == Http(
        status=None, final_url="http://10.0.0.1/prompt.wav", redirects=0, retries=0,
        bytes_read=0, content_type=None,
    )
    assert [f.rule for f in result.findings] == ["url-insecure", "url-private"]
    assert result.findings[1].message.endswith("no request was sent")


def test_to_text_is_the_human_report():
    code, out, _ = run(rust_binary(), "check", "fixtures")
    assert code == 1
    text = acs_preflight.check(["fixtures"]).to_text()
    assert TIME.sub(" in <t>", text) == TIME.sub(" in <t>", out)
    assert "\x1b[" not in text
    code, verbose, _ = run(rust_binary(), "check", "--verbose", "fixtures")
    text = acs_preflight.check(["fixtures"]).to_text(verbose=True)
    assert TIME.sub(" in <t>", text) == TIME.sub(" in <t>", verbose)


def test_one_path_and_path_objects():
    one = acs_preflight.check("fixtures/valid")
    assert [r.input for r in one.results] == [r.input for r in acs_preflight.check([Path("fixtures/valid")]).results]
    assert len(one.results) == 2


@pytest.mark.parametrize(
    "keyword, flag, value",
    [
        ("jobs", "--jobs", 0),
        ("host_jobs", "--host-jobs", 100000),
        ("timeout", "--timeout", 0),
        ("retries", "--retries", 2.5),
        ("sas_min_days", "--sas-min-days", -1),
        ("silence_db", "--silence-db", 5),
        ("max_silence", "--max-silence", -1),
        ("true_peak_db", "--true-peak-db", 7),
    ],
)
def test_numbers_out_of_range_raise_valueerror_in_the_cli_words(keyword, flag, value):
    code, _, err = run(rust_binary(), "check", f"{flag}={value}", "fixtures")
    assert code == 2
    (range_text,) = re.findall(r": (must be .*)", err)
    with pytest.raises(ValueError) as raised:
        acs_preflight.check(["fixtures"], **{keyword: value})
    assert str(raised.value).startswith(f"{keyword} = ")
    assert str(raised.value).endswith(f"is out of range: it {range_text}")


@pytest.mark.parametrize(
    "keywords, message",
    [
        ({"action": "dance"}, "action: unknown variant `dance`, expected `play` or `recognize`"),
        ({"fail_on": "never"}, "fail_on: unknown variant `never`, expected `warning` or `error`"),
        ({"rules": {"no-such-rule": "off"}}, "[rules] names `no-such-rule`, which is not a rule (see `acs-preflight rules`)"),
        ({"url_pattern": "(", "extract_from": ["fixtures/README.md"]}, "url_pattern is not a valid regular expression"),
    ],
)
def test_bad_choices_raise_valueerror(keywords, message):
    with pytest.raises(ValueError) as raised:
        acs_preflight.check(["fixtures"], **keywords)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "keywords",
    [{"jobs": "4"}, {"allow_mp3": 1}, {"deep": "yes"}, {"exclude": "drafts/**"}, {"rules": ["x"]}, {"timeout": [1]}],
)
def test_wrong_types_raise_typeerror_naming_the_keyword(keywords):
    (keyword,) = keywords
    with pytest.raises(TypeError, match=f"^{keyword}: "):
        acs_preflight.check(["fixtures"], **keywords)


def test_unknown_keyword_is_a_typeerror():
    with pytest.raises(TypeError, match="colour"):
        acs_preflight.check(["fixtures"], colour=True)


def cli_error(*args, cwd=ROOT):
    code, out, err = run(rust_binary(), "check", *args, cwd=cwd)
    assert (code, out) == (2, "")
    prefix = "acs-preflight: error: "
    assert err.startswith(prefix)
    return err[len(prefix):].rstrip("\n")


def test_setup_errors_raise_with_the_cli_message(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as raised:
        acs_preflight.check(["fixtures/no-such.wav"])
    assert str(raised.value) == cli_error("fixtures/no-such.wav")
    with pytest.raises(OSError) as raised:
        acs_preflight.check([], urls_from="no-such-list.txt")
    assert str(raised.value) == cli_error("--urls-from", "no-such-list.txt")
    bad = tmp_path / "acs-preflight.toml"
    bad.write_text("jobs = 'many'\n")
    with pytest.raises(ValueError) as raised:
        acs_preflight.check(["fixtures"], config=bad)
    assert str(raised.value) == cli_error("--config", str(bad), "fixtures")
    monkeypatch.chdir(tmp_path)
    bad.unlink()
    with pytest.raises(ValueError) as raised:
        acs_preflight.check([])
    assert str(raised.value) == cli_error(cwd=tmp_path)
    assert str(raised.value).startswith("no inputs")


def test_config_file_settings_and_none(tmp_path):
    config = tmp_path / "acs-preflight.toml"
    config.write_text('allow_mp3 = true\nfail_on = "warning"\n[rules]\nsample-rate = "off"\n')
    report = acs_preflight.check(["fixtures"], config=config)
    assert report.config == str(config)
    rules = {f.rule for r in report.results for f in r.findings}
    assert "not-wav" not in rules and "sample-rate" not in rules
    # fail_on = "warning": the extensible header alone fails the run, as the CLI's exit 1.
    report = acs_preflight.check(["fixtures/prompt-16khz-mono-16bit-extensible.wav"], config=config)
    assert report.summary.errors == 0 and not report.ok
    # A keyword wins over the file; None leaves the file's value.
    report = acs_preflight.check(["fixtures/prompt-16khz-mono-16bit-extensible.wav"], config=config, fail_on="error")
    assert report.ok
    report = acs_preflight.check(["fixtures"], config=config, allow_mp3=False, rules={"sample-rate": "warning"})
    statuses = {r.input: r.status for r in report.results}
    assert statuses["fixtures/prompt-mp3-renamed.wav"] == "fail"
    assert statuses["fixtures/prompt-44k1hz-mono-16bit.wav"] == "warn"


def test_no_config_reads_no_config_file(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "acs-preflight.toml").write_text('[rules]\nsample-rate = "off"\n')
    prompt = ROOT / "fixtures/prompt-44k1hz-mono-16bit.wav"
    monkeypatch.chdir(tmp_path)
    assert acs_preflight.check(prompt).ok
    report = acs_preflight.check(prompt, no_config=True)
    assert not report.ok
    assert report.config is None
    assert [f.rule for f in report.results[0].findings] == ["sample-rate"]


def test_exclude_and_deep():
    report = acs_preflight.check(["fixtures"], exclude=["prompt-mp3-*", "*truncated*"], deep=True)
    assert report.summary.excluded == 2
    assert not any("prompt-mp3" in r.input or "truncated" in r.input for r in report.results)
    valid = next(r for r in report.results if r.input.endswith("valid/prompt-16khz-mono-16bit.wav"))
    assert (valid.audio.peak_dbfs, valid.audio.rms_dbfs) == (-9.54, -14.29)
    assert valid.audio.leading_silence_ms == 0


def test_rules_accepts_any_mapping_as_typed():
    # check() is typed `rules: Optional[Mapping[str, str]]`, so mypy --strict accepts a read-only
    # mapping; the native layer must not demand a dict.
    import types

    rules = types.MappingProxyType({"sample-rate": "off"})
    report = acs_preflight.check(["fixtures/prompt-44k1hz-mono-16bit.wav"], rules=rules)
    assert report.ok
    assert report.results[0].findings == []


def test_lists_given_as_one_string_are_refused_or_taken_whole(tmp_path):
    with pytest.raises(TypeError, match=r"^exclude: expected a list of str, got str$"):
        acs_preflight.check("fixtures/valid", exclude="drafts/**")
    with pytest.raises(TypeError, match=r"^rules: expected a mapping"):
        acs_preflight.check("fixtures/valid", rules=[("sample-rate", "off")])  # type: ignore[arg-type]
    # One file to extract from, given as a str, is one file (not its characters).
    config = tmp_path / "appsettings.json"
    config.write_text('{"Menu": "https://127.0.0.1/p/menu.wav"}')
    report = acs_preflight.check([], extract_from=str(config))
    assert [r.input for r in report.results] == ["https://127.0.0.1/p/menu.wav"]
    assert report.results[0].findings[0].rule == "url-private"


def test_bytes_paths_are_file_system_names():
    report = acs_preflight.check(b"fixtures/valid")
    assert report.ok and report.summary.checked == 2


def test_a_bool_is_not_a_number():
    with pytest.raises(TypeError, match=r"^jobs: expected a number, got bool$"):
        acs_preflight.check("fixtures/valid", jobs=True)


SPEAK = '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'


def test_check_ssml_returns_the_documents_result():
    ok = acs_preflight.check_ssml(SPEAK + '<voice name="en-US-AvaNeural">Hi</voice></speak>')
    assert isinstance(ok, CheckResult)
    assert (ok.input, ok.status, ok.findings) == ("<ssml>", "pass", [])
    empty = acs_preflight.check_ssml("", action="recognize")
    assert [f.rule for f in empty.findings] == ["ssml-empty"]
    assert empty.findings[0].acs == Acs(action="recognize", code=400, subcode=8582, message="Recognize Failed")
    broken = acs_preflight.check_ssml(SPEAK + "<voice></voix></speak>")
    assert broken.findings[0].rule == "ssml-malformed"
    assert "line 1, column" in broken.findings[0].message
    with pytest.raises(TypeError, match="text"):
        acs_preflight.check_ssml(b"<speak/>")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="action"):
        acs_preflight.check_ssml("", action="sing")


def test_check_sees_ssml_strings_in_source_files(tmp_path):
    (tmp_path / ".git").mkdir()
    source = tmp_path / "prompts.py"
    source.write_text('GREETING = f"""\n' + SPEAK + '<voice name="{voice}">Hi</voice></speak>"""\n')
    report = acs_preflight.check([], extract_from=[source])
    [result] = report.results
    assert result.input == f"{source}:1 (SSML string, interpolated: holes read as text)"
    assert result.sources == [Source(file=str(source), line=1)]
    assert result.status == "pass"


def test_an_ignored_audio_src_is_listed_with_the_ignored_urls(tmp_path):
    (tmp_path / ".git").mkdir()
    doc = tmp_path / "hold.ssml"
    clip = "https://cdn.contoso.example/chime.wav?sv=1&amp;sig=S3CRET"
    doc.write_text(SPEAK + f'<voice name="en-US-AvaNeural">Hold on.<audio src="{clip}"/></voice></speak>')
    report = acs_preflight.check([doc], url_ignore=[r"cdn\.contoso"], offline=True)
    assert [r.input for r in report.results] == [str(doc)]
    text = report.to_text(verbose=True)
    assert "S3CRET" not in text
    assert "1 URL ignored" in text
    assert report.summary.ignored == 1
    assert (
        f"https://cdn.contoso.example/chime.wav?sv=1&sig=REDACTED (from {doc}:1): ignored" in text
    )


def test_dump_lists_inputs_with_deployed_copies_redacted():
    # 10.0.0.1 is refused before any request; dump sends none anyway.
    base = "https://10.0.0.1/c?sp=r&sig=S3CR3T"
    plan = acs_preflight.dump(["fixtures/valid"], deployed_at=base)
    assert [p.kind for p in plan] == ["file", "file", "deployed", "deployed"]
    assert plan[0] == acs_preflight.PlannedInput(
        kind="file",
        input="fixtures/valid/prompt-16khz-mono-16bit-list-chunk.wav",
        sources=[],
        problem=None,
    )
    assert plan[3].input == "https://10.0.0.1/c/prompt-16khz-mono-16bit.wav?sp=r&sig=REDACTED"
    assert plan[3].sources == [Source(file="fixtures/valid/prompt-16khz-mono-16bit.wav", line=0)]
    with pytest.raises(ValueError, match=r"deployed_at ftp://h/c\?sig=REDACTED is not a base URL"):
        acs_preflight.dump(["fixtures/valid"], deployed_at="ftp://h/c?sig=S3CR3T")


def test_offline_and_deployed_at_keywords():
    base = "https://10.0.0.1/c?sp=r&sig=S3CR3T"
    # Offline with private addresses allowed: nothing fetched, nothing counted.
    report = acs_preflight.check(
        "fixtures/valid", offline=True, allow_private=True, deployed_at=base, fail_on="warning"
    )
    assert report.ok
    assert [[f.rule for f in r.findings] for r in report.results[2:]] == [
        ["url-not-checked"],
        ["url-not-checked"],
    ]
    assert "S3CR3T" not in report.to_json() + report.to_text()
    # Online, the private base is refused before any request.
    report = acs_preflight.check("fixtures/valid", deployed_at=base)
    assert not report.ok
    assert [f.rule for f in report.results[3].findings] == ["url-private"]


def test_credentials_in_url_queries_are_redacted():
    # 10.0.0.1 is refused before any request.
    query = "token=T0kV&password=Hunt3r2&api_key=K3yV&access_token=AccV4l&code=C0deV&X-Amz-Signature=AmzV4l"
    url = f"https://10.0.0.1/welcome.wav?{query}"
    shown = (
        "https://10.0.0.1/welcome.wav?token=REDACTED&password=REDACTED&api_key=REDACTED"
        "&access_token=REDACTED&code=REDACTED&X-Amz-Signature=REDACTED"
    )
    report = acs_preflight.check([url])
    assert report.results[0].input == shown
    assert [p.input for p in acs_preflight.dump([url])] == [shown]
    out = report.to_json() + report.to_text()
    for secret in ["T0kV", "Hunt3r2", "K3yV", "AccV4l", "C0deV", "AmzV4l"]:
        assert secret not in out
    with pytest.raises(ValueError) as refused:
        acs_preflight.dump(["fixtures/valid"], deployed_at=f"ftp://h/c?{query}")
    assert "Hunt3r2" not in str(refused.value) and "password=REDACTED" in str(refused.value)
