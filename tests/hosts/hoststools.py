"""Helpers for the hosts tool's own tests: run the CLI, a handle on a live lab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("ip", "nsenter", "unshare", "setsid", "ssh", "ssh-keygen", "containerd", "runc")
NEEDED_FILES = ("/usr/sbin/dockerd", "/usr/sbin/sshd", "/usr/bin/docker-init", "/bin/busybox")


@dataclass
class LiveLab:
    dir: Path
    env: dict[str, str]
    up: subprocess.CompletedProcess[str]
    up_seconds: float

    def hosts(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return run_hosts(self.env, *args, timeout=timeout)

    def ssh(self, host: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", "-F", str(self.dir / "ssh_config"), host, command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


def run_hosts(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hosts", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def lab_env(lab_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMLAB_")}
    env["SWARMLAB_LAB_DIR"] = str(lab_dir)
    return env


def require_live() -> None:
    if os.geteuid() != 0:
        pytest.skip("the hosts tool needs root (namespaces, routes, dockerd)")
    missing = [t for t in NEEDED if shutil.which(t) is None]
    missing += [f for f in NEEDED_FILES if not os.path.exists(f)]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}")
    taken = [n for n in ("manager", "worker") if Path("/run/netns", n).exists()]
    if taken:
        pytest.fail(f"namespaces {taken} exist: another lab is up; run `python -m hosts down` there first")
