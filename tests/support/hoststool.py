"""`python -m hosts ...` as the tests run it."""

from __future__ import annotations

import subprocess

from hosts.vm.ready import TIMEOUT as VM_READY_TIMEOUT
from tests.support.env import lab_env
from tests.support.paths import PY, ROOT

# Longer than the hosts tool's own bounds (its VMs' readiness wait under emulation, plus the
# LAN, the boots and the image loads): a VM that never comes up then fails with the tool's
# message naming it and its console's last lines, not a bare timeout that kills the tool first
# (the forky VMs once did, at 600 s, which was the readiness bound alone).
HOSTS_TIMEOUT = max(VM_READY_TIMEOUT.values()) + 300.0


def run_hosts(*args: str, env: dict[str, str] | None = None, timeout: float = HOSTS_TIMEOUT
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PY), "-m", "hosts", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, env=env or lab_env(), timeout=timeout,
                          stdin=subprocess.DEVNULL)


def hosts_ok(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = run_hosts(*args, env=env)
    assert proc.returncode == 0, f"python -m hosts {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc
