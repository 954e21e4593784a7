"""The vm backend's inventory records (`.lab/inventory.json`).

One object per host, managers first, the same keys as every backend has
(name, address, role) plus how to reach and find the VM:
    {"name": "manager", "address": "192.168.1.10", "role": "manager",
     "backend": "vm", "ssh": {"host": "127.0.0.1", "port": 2210},
     "qemu_pid": 1234, "accel": "tcg", "image": "debian-bookworm-...",
     "vm_dir": "<lab>/vms/manager", "console_log": "<lab>/vms/manager/console.log"}
"""

from __future__ import annotations

import json
from typing import Any

from hosts.paths import LabPaths, write_if_changed
from hosts.topology import Host
from hosts.vm import qemu
from hosts.vm.paths import ImagePaths, VmPaths
from hosts.vm.ports import LOOPBACK


def port_of(vm: VmPaths) -> int | None:
    """The SSH forward's port this VM was started with."""
    try:
        text = vm.ssh_port.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def record(host: Host, vm: VmPaths, port: int, accel_kind: str, image: ImagePaths) -> dict[str, Any]:
    return {
        "name": host.name,
        "address": host.address,
        "role": host.role,
        "backend": "vm",
        "ssh": {"host": LOOPBACK, "port": port},
        "qemu_pid": qemu.running(vm),
        "accel": accel_kind,
        "image": image.dir.name,
        "vm_dir": str(vm.dir),
        "console_log": str(vm.console_log),
    }


def write(lab: LabPaths, records: list[dict[str, Any]]) -> bool:
    return write_if_changed(lab.inventory, json.dumps(records, indent=2) + "\n")


def read(lab: LabPaths) -> list[dict[str, Any]]:
    """The records of the last successful `up` ([] without one, or for another backend's)."""
    try:
        raw = json.loads(lab.inventory.read_text())
    except FileNotFoundError:
        return []
    return [r for r in raw if isinstance(r, dict) and r.get("backend") == "vm"]
