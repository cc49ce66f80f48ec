"""The README's Python section runs as written, on fixtures/."""

import re
import subprocess
import sys

from conftest import ROOT


def python_blocks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", readme, flags=re.S)


def test_readme_python_blocks_run_on_fixtures():
    blocks = python_blocks()
    assert blocks, "the README has no ```python block"
    for block in blocks:
        out = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, f"{block}\n{out.stderr}"
