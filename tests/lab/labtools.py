"""Helpers for the live-lab tests: the pinned pulumi CLI, the hosts tool, the Lab handle."""


from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAB = Path(os.environ.get("SWARMLAB_LAB_DIR", ROOT / ".lab"))
STACK = os.environ.get("SWARMLAB_STACK", "local")


def lab_env() -> dict[str, str]:
    """The Makefile's environment (pinned tools on PATH, local backend), for direct pytest runs."""
    env = dict(os.environ)
    if "PULUMI_BACKEND_URL" in env:
        return env
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "env"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        for assignment in line.removeprefix("export ").split(" "):
            key, _, value = assignment.partition("=")
            value = value.strip('"')
            if key == "PULUMI_CONFIG_PASSPHRASE" and value.startswith("${"):
                value = env.get(key, "swarmlab-local-lab")
            env[key] = value
    return env


def pulumi(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the pinned pulumi CLI on the lab stack; the whole output is kept for secret checks."""
    cmd = ["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", STACK, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=lab_env(), timeout=timeout,
                          check=False)
    PULUMI_TRANSCRIPT.append(proc.stdout + proc.stderr)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n"
                             f"{proc.stderr}")
    return proc


# The faults the reliability tests injected and the lab survived (written to .lab/faults.txt).
FAULTS_SURVIVED: list[str] = []

# Everything pulumi printed in this session: the secrets test reads it.
PULUMI_TRANSCRIPT: list[str] = []


def hosts_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "hosts", *args],
                          cwd=ROOT, capture_output=True, text=True, check=False, env=lab_env())


def inventory() -> list[dict[str, Any]]:
    path = LAB / "inventory.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return list(data["hosts"] if isinstance(data, dict) else data)


def lab_is_up() -> bool:
    if not inventory():
        return False
    proc = subprocess.run(
        ["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", STACK, "stack",
         "output", "--json"], capture_output=True, text=True, env=lab_env(), check=False)
    return proc.returncode == 0 and "clusterId" in proc.stdout


@dataclass
class Lab:
    """The running lab: testinfra hosts by name and the stack's outputs."""

    hosts: dict[str, Any]
    inventory: list[dict[str, Any]]
    outputs: dict[str, Any]
    built_here: bool
    timings: dict[str, float] = field(default_factory=dict)

    def host(self, name: str) -> Any:
        return self.hosts[name]

    def address(self, name: str) -> str:
        return next(h["address"] for h in self.inventory if h["name"] == name)

    def task_container(self, service: str) -> tuple[str, str]:
        """(host name, container ID) of the running task of a service."""
        for name, host in self.hosts.items():
            out = host.check_output(
                f"docker ps -q --filter label=com.docker.swarm.service.name={service}")
            if out.strip():
                return name, out.split()[0]
        raise AssertionError(f"no running task of service {service} on any host")

    def refresh_outputs(self) -> None:
        self.outputs = json.loads(pulumi("stack", "output", "--json").stdout)


