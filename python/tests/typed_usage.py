"""Not a test: code an editor completes, checked by `mypy --strict` in .ci/python.sh so that the
annotations and stubs (`_native.pyi`, `py.typed`) stay complete."""

from typing import List, Optional

import acs_preflight

report: acs_preflight.Report = acs_preflight.check(["fixtures"], action="recognize", jobs=2, exclude=["drafts/**"])
ok: bool = report.ok
checked: int = report.summary.checked
text: str = report.to_text(verbose=True)
for result in report.results:
    status: str = result.status
    rate: Optional[int] = result.audio.sample_rate if result.audio else None
    for finding in result.findings:
        subcode: Optional[int] = finding.acs.subcode if finding.acs else None
        rules: List[str] = [finding.rule, finding.severity, finding.message, finding.advice]
plan: List[acs_preflight.PlannedInput] = acs_preflight.dump(["fixtures"], offline=True)
kinds: List[str] = [p.kind for p in plan]
