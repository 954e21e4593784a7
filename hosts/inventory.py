"""`.lab/inventory.json`: the lab's hosts as other code reads them.

A JSON list, one object per host, managers first:
    {"name": "manager", "address": "192.168.1.10", "role": "manager",
     "netns": "manager", "dockerd_pid": 1234, "sshd_pid": 1240,
     "docker_socket": "<lab>/hosts/manager/docker.sock",
     "data_root": "<lab>/hosts/manager/data"}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hosts.paths import LabPaths, write_if_changed
from hosts.topology import Host, LabNet, lab_net


@dataclass(frozen=True)
class HostRecord:
    name: str
    address: str
    role: str
    netns: str
    dockerd_pid: int | None
    sshd_pid: int | None
    docker_socket: str
    data_root: str

    def host(self, net: LabNet) -> Host:
        return Host(name=self.name, address=self.address, role=self.role, net=net)


def record(lab: LabPaths, host: Host, dockerd_pid: int | None, sshd_pid: int | None) -> HostRecord:
    hp = lab.host(host.name)
    return HostRecord(
        name=host.name,
        address=host.address,
        role=host.role,
        netns=host.netns,
        dockerd_pid=dockerd_pid,
        sshd_pid=sshd_pid,
        docker_socket=str(hp.docker_socket),
        data_root=str(hp.data_root),
    )


def write(lab: LabPaths, records: list[HostRecord]) -> bool:
    text = json.dumps([asdict(r) for r in records], indent=2) + "\n"
    return write_if_changed(lab.inventory, text)


def write_host_list(lab: LabPaths, hosts: Sequence[Host],
                    ssh: dict[str, dict[str, Any]] | None = None) -> bool:
    """hosts.json: the hosts as the stack reads them (swarmlab:hostsFile), so the hosts tool
    and the stack never disagree about which hosts the lab has. `ssh`: per host, where SSH
    reaches it when that is not its lab address ({"host": ..., "port": ...})."""
    entries = [{"name": h.name, "address": h.address, "role": h.role,
                **({"ssh": ssh[h.name]} if ssh and h.name in ssh else {})} for h in hosts]
    return write_if_changed(lab.host_list, json.dumps(entries, indent=2) + "\n", mode=0o600)


# What a lab's hosts run, as chosen when it was made, and the value a record older than the
# choice stands for: the one-box hosts' engine (ENGINE), the VMs' Debian suite (DEBIAN).
CHOICES = {"engine": "system", "debian": "bookworm"}


def write_net(lab: LabPaths, net: LabNet, backend: str, **chosen: str) -> bool:
    """net.json: what this lab was made with, so down, status and doctor act on it as it is,
    and a later up builds the same hosts (`chosen`: engine, debian)."""
    text = json.dumps({"lab": net.name, "tag": net.tag, "subnet": str(net.subnet),
                       "backend": backend, **{k: chosen.get(k, v) for k, v in CHOICES.items()}},
                      indent=2) + "\n"
    return write_if_changed(lab.net_file, text)


def read_choice(lab: LabPaths, key: str) -> str | None:
    """engine or debian as net.json records it (its default for an older record); None
    before any up."""
    try:
        data = json.loads(lab.net_file.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        raise ValueError(f"{lab.net_file} is not a lab record") from None
    value = data.get(key, CHOICES[key]) if isinstance(data, dict) else None
    if not isinstance(value, str):
        raise ValueError(f"{lab.net_file} records no {key}")
    return value


def read_net(lab: LabPaths, asked: str | None = None) -> tuple[LabNet, str] | None:
    """The lab's name and LAN and its backend, as up recorded them; None before any up.
    `asked`: the lab the caller means to act on; a directory that holds another is refused,
    so that nothing acts on one lab's bridge and namespaces under another's name."""
    try:
        text = lab.net_file.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        name, subnet, tag, backend = (str(data[k]) for k in ("lab", "subnet", "tag", "backend"))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{lab.net_file} is not a lab record; allowed: the net.json that "
                         "`python -m hosts up` writes (lab, tag, subnet, backend)") from None
    try:
        net = lab_net(name, subnet)
    except ValueError as err:
        raise ValueError(f"{lab.net_file}: {err}") from None
    if tag != net.tag:
        raise ValueError(f"{lab.net_file} records tag {tag!r} for lab {net.name}; allowed: "
                         f"{net.tag!r}, the tag of lab {net.name}")
    if asked is not None and net.name != asked:
        raise ValueError(f"SWARMLAB_LAB is {asked!r}, but {lab.root} holds lab {net.name!r} "
                         "(its net.json); allowed: SWARMLAB_LAB and SWARMLAB_LAB_DIR of one "
                         "lab (make sets both from LAB)")
    return net, backend


def read_raw(lab: LabPaths) -> list[dict[str, Any]]:
    """The inventory as written, whatever the backend; [] when there is none."""
    try:
        return list(json.loads(lab.inventory.read_text()))
    except FileNotFoundError:
        return []


def read(lab: LabPaths) -> list[HostRecord]:
    """The hosts of the last successful `up`; [] when there is none."""
    try:
        raw = json.loads(lab.inventory.read_text())
    except FileNotFoundError:
        return []
    return [HostRecord(**entry) for entry in raw]
