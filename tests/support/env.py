"""The Makefile's environment (pinned tools on PATH, the lab's state and passphrase), for
tests run by pytest directly as well as through make."""

from __future__ import annotations

import functools
import os
import subprocess

from tests.support.paths import ROOT


@functools.cache
def _from_make(lab: str) -> dict[str, str]:
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "env", f"LAB={lab}"],
                         capture_output=True, text=True, check=True).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        for assignment in line.removeprefix("export ").split(" "):
            key, _, value = assignment.partition("=")
            found[key] = value.strip('"')
    return found


def lab_env(lab: str | None = None) -> dict[str, str]:
    """os.environ with `make env`'s settings for the lab (SWARMLAB_LAB's by default)."""
    return {**os.environ, **_from_make(lab or os.environ.get("SWARMLAB_LAB") or "swarmlab")}
