"""`status` for the vm backend: per VM, is QEMU alive, does the guest run, swarm state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import paramiko

from hosts.paths import LabPaths
from hosts.vm import inventory, qemu, qmp, remote
from hosts.vm.paths import VmLabPaths

SWARM_STATE = "docker info --format '{{.Swarm.LocalNodeState}}'"


def _swarm(lab: LabPaths, port: int | None) -> str:
    if port is None:
        return "down"
    try:
        client = remote.connect(lab, port, timeout=5.0)
    except (paramiko.SSHException, OSError, EOFError):
        return "no ssh"
    try:
        code, out, _ = remote.run(client, SWARM_STATE, timeout=10.0)
    except (paramiko.SSHException, OSError, EOFError):
        return "not answering"
    finally:
        client.close()
    return out.strip() if code == 0 else "not answering"


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
                "swarm": _swarm(lab, port) if guest == "running" else "down",
            }
        )
    return entries
