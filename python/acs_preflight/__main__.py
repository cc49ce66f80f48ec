"""The `acs-preflight` command: the Rust command line, run in this process."""

import signal
import sys

from . import _native


def main() -> None:
    """Runs `acs-preflight` on the command line's arguments and exits with its status."""
    # Ctrl-C stops the run at once, as it stops the Rust binary: Python's own handler would
    # wait for the native call to return.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The program name is fixed so that usage lines read `acs-preflight` under `python -m`.
    sys.exit(_native.run_cli(["acs-preflight", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
