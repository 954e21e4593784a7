"""The hosts tool's own live lab (lab `hst` on 192.168.77.0/24, in a temporary directory of
its own): its addresses, environment and the `python -m hosts` that always names it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hosts import topology
from tests.support import builder, hoststool

NET = topology.lab_net(builder.HOSTS_TOOL, "192.168.77.0/24")
HOSTS = {h.name: h.address for h in topology.plan(1, 1, NET)}


def hosts_env(lab_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMLAB_")}
    return {**env, "SWARMLAB_LAB": NET.name, "SWARMLAB_SUBNET": str(NET.subnet),
            "SWARMLAB_LAB_DIR": str(lab_dir)}


def run_hosts(env: dict[str, str], *args: str, timeout: float = 300
              ) -> subprocess.CompletedProcess[str]:
    """`python -m hosts` on this module's own lab: its environment is always given."""
    return hoststool.run_hosts(*args, env=env, timeout=timeout)


@dataclass
class LiveLab:
    dir: Path
    env: dict[str, str]
    up: subprocess.CompletedProcess[str]
    up_seconds: float

    def hosts(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return run_hosts(self.env, *args, timeout=timeout)

    def ssh(self, host: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ssh", "-F", str(self.dir / "ssh_config"), host, command],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
