"""The running lab as the live tests see it: testinfra hosts by name, the inventory, the
stack's outputs, SSH targets, and the daemons the hosts tool started."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.ssh import Target
from tests.support.paths import lab_dir


def doctor_checks(hosts: list[str] | None = None) -> dict[str, dict[str, bool]]:
    """Per host (every host by default), which checks `python -m hosts doctor` passes
    (whatever the backend)."""
    from tests.support.hoststool import run_hosts

    results = json.loads(run_hosts("doctor", "--json", *(hosts or [])).stdout)
    return {r["host"]: {name: bool(c["ok"]) for name, c in r["checks"].items()}
            for r in results if r["host"] != "(root namespace)"}


def inventory(directory: Path | None = None) -> list[dict[str, Any]]:
    path = (directory or lab_dir()) / "inventory.json"
    return list(json.loads(path.read_text())) if path.exists() else []


@dataclass
class Lab:
    """The running lab: testinfra hosts by name and the stack's outputs."""

    hosts: dict[str, Any]
    inventory: list[dict[str, Any]]
    outputs: dict[str, Any]
    built_here: bool
    dir: Path = field(default_factory=lab_dir)
    timings: dict[str, float] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    """On hosts the hosts tool did not make: how the stack reaches each (its user, port)."""

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

    def target(self, name: str, **changes: Any) -> Target:
        """The SSH target of a lab host (or, with address=, of a host that is not there)."""
        if name in self.targets:
            return Target(**{**self.targets[name].as_dict(), "connect_timeout": 3.0,
                             "command_timeout": 30.0, **changes})
        entry = next((h for h in self.inventory if h["name"] == name), {})
        ssh = entry.get("ssh") or {}
        base = Target(name=name, address=entry.get("address", ""), user="root",
                      key_file=str(self.dir / "id_ed25519"),
                      known_hosts_file=str(self.dir / "known_hosts"), connect_timeout=3.0,
                      command_timeout=30.0, ssh_host=ssh.get("host"), port=int(ssh.get("port", 22)))
        return Target(**{**base.as_dict(), **changes})


def daemon_pid(host: str, daemon: str) -> int:
    """The PID in the pidfile of a daemon the hosts tool started."""
    return int((lab_dir() / "hosts" / host / f"{daemon}.pid").read_text().strip())


def stop_daemon(host: str, daemon: str, timeout: float = 20) -> None:
    """Stop a daemon the hosts tool started, by the PID in its pidfile: TERM, bounded wait, KILL."""
    pid = daemon_pid(host, daemon)
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
