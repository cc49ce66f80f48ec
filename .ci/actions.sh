#!/usr/bin/env bash
# The GitHub Action and the workflows: valid against the published schemas, and zizmor (the
# GitHub Actions security linter) finds nothing of medium severity or more. Tools from PyPI,
# pinned, in a venv under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv-actions
pins="check-jsonschema==0.39.0 zizmor==1.32.0"
if [ "$(cat "$venv/pins" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one argument per pin
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" > "$venv/pins"
fi
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
"$venv/bin/zizmor" --offline --no-progress --min-severity medium action.yml .github/workflows
# The README's GitHub Actions recipe, too: its first YAML block.
mkdir -p target/readme-workflow/.github/workflows
python3 - <<'PY'
import re
text = open("README.md", encoding="utf-8").read()
block = re.findall(r"```yaml\n(.*?)```", text, re.S)[0]
open("target/readme-workflow/.github/workflows/readme.yml", "w", encoding="utf-8").write(block)
PY
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows target/readme-workflow/.github/workflows/readme.yml
"$venv/bin/zizmor" --offline --no-progress --min-severity medium target/readme-workflow/.github/workflows
