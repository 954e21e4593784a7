"""The bench's own lab: lab `bench` on 192.168.80.0/24 with the committed `local` stack, so
the bench runs beside a user's lab and never touches it. Every command it times is one a
user runs (the hosts tool, pulumi, `make validate`), in the lab's environment."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tools.lab import labs

NAME = "bench"
SUBNET = "192.168.80.0/24"
STACK = "local"
ROOT = labs.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")


def lab_dir() -> Path:
    return labs.lab_dir(NAME)


@functools.cache
def env() -> dict[str, str]:
    """os.environ with `make env LAB=bench`'s settings (tools on PATH, state, passphrase)."""
    return {**os.environ, "SWARMLAB_SUBNET": SUBNET, **labs.make_env(NAME)}


def sh(cmd: list[str], check: bool = True) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command in the lab's environment: (wall seconds, the process); fail loudly."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, env=env())
    seconds = time.monotonic() - start
    if check and proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                 f"{proc.stderr[-3000:]}")
    return seconds, proc


def hosts(*args: str) -> list[str]:
    return [PY, "-m", "hosts", *args, "--quiet"]


def pulumi(*args: str) -> list[str]:
    return ["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", NAME, *args]


def fresh_hosts(workers: int = 1, managers: int = 1) -> float:
    sh(hosts("down"))
    return sh(hosts("up", "--subnet", SUBNET, "--managers", str(managers), "--workers",
                    str(workers)))[0]


def raw_cli(workers: int = 1, managers: int = 1) -> float:
    """The raw docker CLI script's seconds on fresh hosts (left up)."""
    fresh_hosts(workers, managers)
    return sh(["bash", str(ROOT / "bench" / "raw-cli.sh")])[0]


def select_stack() -> None:
    """The lab's working stack file (from the committed stack) and its Pulumi stack."""
    sh([PY, "-m", "tools.lab", "--lab", NAME, "stack", "--stack", STACK, "--backend", "onebox"])


def validate() -> tuple[float, dict[str, int], str]:
    """`make validate` on the bench lab: (seconds, counts, summary line). A run that ran no
    test, or failed one, stops the bench: it would time nothing."""
    seconds, proc = sh(["make", "-s", "--no-print-directory", "validate", f"LAB={NAME}"],
                       check=False)
    # pytest's last line ("38 passed, 1 skipped in 6.1s"), not the declared checks' tally.
    summary = next((line for line in reversed(proc.stdout.splitlines())
                    if re.search(r"\d+ (passed|failed).* in [0-9.]+s", line)), proc.stderr[-300:])
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", summary)}
    return seconds, counts, summary


def require_tests_ran(counts: dict[str, int], summary: str) -> None:
    if not counts.get("passed") or counts.get("failed") or counts.get("error"):
        sys.exit(f"bench: make validate did not pass any test: {summary}")


def take_down() -> None:
    """The bench lab and its stack, whatever state a run left them in."""
    subprocess.run(pulumi("destroy", "--yes", "--skip-preview"), cwd=ROOT, env=env(),
                   capture_output=True, check=False)
    subprocess.run(hosts("down"), cwd=ROOT, env=env(), capture_output=True, check=False)
    subprocess.run([PY, "-m", "tools.lab", "--lab", NAME, "forget"], cwd=ROOT, env=env(),
                   capture_output=True, check=False)
