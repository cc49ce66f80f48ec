"""The `acs-preflight` Python command prints and exits exactly like the Rust binary."""

import importlib.metadata
import re
import sys

import pytest

from conftest import ROOT, python_command, run, rust_binary

TIME = re.compile(r" in \d+\.\d+s")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "fixtures"],
        ["check", "fixtures/valid"],
        ["check", "--verbose", "fixtures"],
        ["check", "--format", "json", "fixtures"],
        ["check", "--format", "sarif", "fixtures"],
        ["check", "--format", "markdown", "--action", "recognize", "fixtures"],
        ["check", "--fail-on", "warning", "fixtures/prompt-16khz-mono-16bit-extensible.wav"],
        ["check", "--urls-from", "python/tests/data/urls.txt"],
        ["check", "fixtures/no-such.wav"],
        ["check", "--jobs", "0", "fixtures"],
        ["check", "--no-such-flag"],
        ["check"],
        ["rules"],
        ["explain", "sample-rate"],
        ["fix", "--dry-run", "fixtures"],
        ["--version"],
        ["--help"],
        [],
    ],
    ids=lambda a: " ".join(a) or "(none)",
)
def test_same_output_and_exit_status_as_the_rust_binary(args, tmp_path):
    # `check` with no inputs runs where there is no config file.
    cwd = tmp_path if args == ["check"] else ROOT
    rust = run(rust_binary(), *args, cwd=cwd)
    python = run(python_command(), *args, cwd=cwd)
    assert python[0] == rust[0]
    assert TIME.sub(" in <t>", python[1]) == TIME.sub(" in <t>", rust[1])
    assert python[2] == rust[2]


def test_python_m_names_the_command_acs_preflight():
    code, out, err = run(sys.executable, "-m", "acs_preflight", "--no-such-flag")
    assert code == 2
    assert "Usage: acs-preflight <COMMAND>" in err
    assert (code, out, err) == run(rust_binary(), "--no-such-flag")


def test_package_version_is_the_commands():
    code, out, _ = run(python_command(), "--version")
    assert code == 0
    assert out == f"acs-preflight {importlib.metadata.version('acs-preflight')}\n"
