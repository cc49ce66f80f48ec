# Type stubs of the native module (python/src/lib.rs). The public API is in __init__.py.
import os
from typing import List, Mapping, Optional, Sequence, Union

_StrPath = Union[str, "os.PathLike[str]"]

def run_cli(argv: Sequence[Union[str, bytes]]) -> int: ...

class Run:
    @property
    def ok(self) -> bool: ...
    def json(self) -> str: ...
    def text(self, verbose: bool) -> str: ...
    def plan_json(self) -> Optional[str]: ...

def check_ssml(text: str, *, action: Optional[str] = None) -> str: ...

def check(
    inputs: List[_StrPath],
    *,
    config: Optional[_StrPath] = None,
    no_config: bool = False,
    action: Optional[str] = None,
    allow_mp3: Optional[bool] = None,
    allow_private: Optional[bool] = None,
    deep: Optional[bool] = None,
    timeout: Optional[float] = None,
    jobs: Optional[float] = None,
    host_jobs: Optional[float] = None,
    retries: Optional[float] = None,
    sas_min_days: Optional[float] = None,
    silence_db: Optional[float] = None,
    max_silence: Optional[float] = None,
    true_peak_db: Optional[float] = None,
    fail_on: Optional[str] = None,
    exclude: Optional[Sequence[str]] = None,
    force_exclude: Optional[bool] = None,
    urls_from: Optional[_StrPath] = None,
    extract_from: Optional[Sequence[_StrPath]] = None,
    url_pattern: Optional[str] = None,
    url_ignore: Optional[Sequence[str]] = None,
    rules: Optional[Mapping[str, str]] = None,
    offline: Optional[bool] = None,
    deployed_at: Optional[str] = None,
    dump: bool = False,
) -> Run: ...
