"""`python -m tests.support.cleanup`: take down every lab the suite makes (after `make test`,
even when pytest itself died), and only those: a user's own lab stays up."""

from __future__ import annotations

import os
import sys

from tests.support.builder import ALL
from tests.support.hoststool import run_hosts


def main() -> int:
    failed = 0
    for name in ALL:
        os.environ["SWARMLAB_LAB"] = name
        proc = run_hosts("down", "--quiet")
        if proc.returncode != 0:
            failed += 1
            print(f"[cleanup] lab {name}: hosts down failed:\n{proc.stdout}{proc.stderr}",
                  file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
