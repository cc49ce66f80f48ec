"""Shared helpers: the repository root, the Rust binary, the Python command."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def rust_binary() -> Path:
    """The Rust `acs-preflight` this package must match: $ACS_PREFLIGHT_BIN, else the debug
    build in target/ (`cargo build --bin acs-preflight`; .ci/python.sh builds it)."""
    name = "acs-preflight.exe" if os.name == "nt" else "acs-preflight"
    path = Path(os.environ.get("ACS_PREFLIGHT_BIN", ROOT / "target" / "debug" / name))
    if not path.is_file():
        pytest.fail(f"no Rust binary at {path}: run `cargo build --bin acs-preflight` first")
    return path


def python_command() -> Path:
    """The `acs-preflight` console script installed in this Python environment."""
    name = "acs-preflight.exe" if os.name == "nt" else "acs-preflight"
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.is_file():
        pytest.fail(f"no {path}: install the package (`maturin develop` or `pip install .`)")
    return path


def run(command, *args, cwd=ROOT, stdin=None):
    """Runs a command; returns (exit status, stdout, stderr) as text."""
    out = subprocess.run(
        [str(command), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return out.returncode, out.stdout, out.stderr


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    """Every test runs in the repository root, where reports name `fixtures/...`."""
    monkeypatch.chdir(ROOT)


__all__ = ["ROOT", "python_command", "run", "rust_binary", "sys"]
