#!/usr/bin/env bash
# The Python package (pyproject.toml, python/): lints its native module, builds it into a venv
# under target/ (a debug build sharing target/ with cargo), then runs its tests: the API on
# fixtures/, and the `acs-preflight` command against the Rust binary (same output, same exit
# status). Needs only Rust and Python 3; what else it needs comes from pip, into the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/target/ci-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.9.4,<2' 'pytest>=7' 'mypy>=1.5'
# The binary the command is compared with.
cargo build --locked --bin acs-preflight
# In the venv: maturin builds for its Python and installs the package into it (editable).
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"
cargo clippy --locked -p acs-preflight-python -- -D warnings
maturin develop --locked --quiet
"$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
# The annotations and stubs are complete: typed code using the API passes mypy --strict.
"$venv/bin/python" -m mypy --strict --no-incremental --cache-dir=/dev/null python/acs_preflight python/tests/typed_usage.py
