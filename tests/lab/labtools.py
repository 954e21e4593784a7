"""Helpers for the live-lab tests: the pinned pulumi CLI, the hosts tool, the Lab handle."""


from __future__ import annotations

import json
import os
import signal
import subprocess
import time
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

    def target(self, name: str, **changes: Any) -> Any:
        """A modules.remote.Target for a lab host (or, with address=, a host that isn't there)."""
        from modules.remote import Target

        address = changes.pop("address", None) or self.address(name)
        base = {"name": name, "address": address, "user": "root",
                "key_file": str(LAB / "id_ed25519"), "known_hosts_file": str(LAB / "known_hosts"),
                "connect_timeout": 3.0, "command_timeout": 30.0}
        return Target(**{**base, **changes})


def stop_daemon(host: str, daemon: str, timeout: float = 20) -> None:
    """Stop a daemon the hosts tool started, by the PID in its pidfile: TERM, bounded wait, KILL."""
    pid = int((LAB / "hosts" / host / f"{daemon}.pid").read_text().strip())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    """Running and not a zombie (this machine's init reaps slowly)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


