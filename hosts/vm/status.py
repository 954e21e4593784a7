"""`status` for the vm backend: per VM, is QEMU alive, does the guest run, swarm state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import paramiko

from hosts.paths import LabPaths
from hosts.vm import inventory, qemu, qmp, remote
from hosts.vm.paths import VmLabPaths
from modules.docker import releases

GUEST_DOCKER = ("docker info --format '{{.Swarm.LocalNodeState}}' && "
                "docker version --format '{{json .Server}}'")


def _guest_docker(lab: LabPaths, port: int | None) -> tuple[str, dict[str, str]]:
    """The guest's swarm state and what it runs (modules.docker.releases.versions)."""
    if port is None:
        return "down", {}
    try:
        client = remote.connect(lab, port, timeout=5.0)
    except (paramiko.SSHException, OSError, EOFError):
        return "no ssh", {}
    try:
        code, out, _ = remote.run(client, GUEST_DOCKER, timeout=10.0)
    except (paramiko.SSHException, OSError, EOFError):
        return "not answering", {}
    finally:
        client.close()
    state, _, server = out.strip().partition("\n")
    if code != 0:
        return "not answering", {}
    try:
        found = json.loads(server)
    except ValueError:
        return state.strip(), {}
    return state.strip(), releases.versions(found) if isinstance(found, dict) else {}


def status(lab_dir: Path) -> list[dict[str, Any]]:
    """One entry per VM of the inventory, plus VM directories a partial `up` left."""
    lab, vlab = LabPaths(lab_dir), VmLabPaths(lab_dir)
    records = inventory.read(lab)
    known = {r["name"] for r in records}
    records += [{"name": n, "address": "?", "role": "?"} for n in vlab.vm_names() if n not in known]
    entries = []
    for r in records:
        vm = vlab.vm(r["name"])
        pid = qemu.running(vm)
        port = inventory.port_of(vm)
        guest = qmp.status(vm.qmp_socket) if pid is not None else None
        swarm, runs = _guest_docker(lab, port) if guest == "running" else ("down", {})
        entries.append(
            {
                "name": r["name"],
                "address": r["address"],
                "role": r["role"],
                "backend": "vm",
                "up": pid is not None and guest == "running",
                "qemu_pid": pid,
                "guest": guest or "down",
                "ssh_port": port,
                "swarm": swarm,
                "versions": runs,
            }
        )
    return entries
