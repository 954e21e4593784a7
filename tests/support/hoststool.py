"""`python -m hosts ...` as the tests run it."""

from __future__ import annotations

import subprocess

from tests.support.env import lab_env
from tests.support.paths import PY, ROOT


def run_hosts(*args: str, env: dict[str, str] | None = None, timeout: float = 600
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PY), "-m", "hosts", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, env=env or lab_env(), timeout=timeout,
                          stdin=subprocess.DEVNULL)


def hosts_ok(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = run_hosts(*args, env=env)
    assert proc.returncode == 0, f"python -m hosts {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc
