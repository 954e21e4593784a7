"""known_hosts and ssh_config for VMs reached through their 127.0.0.1 forwards.

Each VM's host key (made by seed.ensure_host_key) is listed under the
host's name, its lab address and `[127.0.0.1]:<port>`, the name ssh and
paramiko look up for a non-22 port. ssh_config sends both the name and the
lab address to the forward, so `ssh -F .lab/ssh_config manager` and
`... 192.168.1.10` reach the same VM and verify the same key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hosts.paths import LabPaths, write_if_changed
from hosts.topology import Host
from hosts.vm import seed
from hosts.vm.paths import VmLabPaths
from hosts.vm.ports import LOOPBACK


@dataclass(frozen=True)
class Endpoint:
    host: Host
    port: int


def known_hosts_line(e: Endpoint, key: str) -> str:
    return f"{e.host.name},{e.host.address},[{LOOPBACK}]:{e.port} {key}\n"


def render_known_hosts(vlab: VmLabPaths, endpoints: Sequence[Endpoint]) -> str:
    return "".join(known_hosts_line(e, seed.host_public_key(vlab.vm(e.host.name))) for e in endpoints)


def render_ssh_config(lab: LabPaths, endpoints: Sequence[Endpoint]) -> str:
    blocks = ["# Lab VMs; written by the hosts tool (vm backend). Use: ssh -F <this file> manager\n"]
    for e in endpoints:
        blocks.append(
            "\n".join(
                [
                    f"Host {e.host.name} {e.host.address}",
                    f"    HostName {LOOPBACK}",
                    f"    Port {e.port}",
                    "    User root",
                    f"    IdentityFile {lab.key}",
                    "    IdentitiesOnly yes",
                    f"    UserKnownHostsFile {lab.known_hosts}",
                    "    GlobalKnownHostsFile /dev/null",
                    "    StrictHostKeyChecking yes",
                    "    BatchMode yes",
                    "    ConnectTimeout 10",
                    # As for the one-box hosts: one handshake per host, reused, the
                    # socket in a directory only root may enter. Under TCG a
                    # handshake costs about a second of guest CPU.
                    "    ControlMaster auto",
                    f"    ControlPath {control_dir(lab)}/%C",
                    "    ControlPersist 60",
                    "",
                ]
            )
        )
    return "\n".join(blocks)


def control_dir(lab: LabPaths) -> Path:
    """ssh's ControlMaster sockets: `<lab>/ssh/`, as the one-box hosts keep them."""
    return lab.root / "ssh"


def write_client_files(lab: LabPaths, vlab: VmLabPaths, endpoints: Sequence[Endpoint]) -> bool:
    control_dir(lab).mkdir(mode=0o700, parents=True, exist_ok=True)
    control_dir(lab).chmod(0o700)
    changed = write_if_changed(lab.known_hosts, render_known_hosts(vlab, endpoints))
    changed = write_if_changed(lab.ssh_config, render_ssh_config(lab, endpoints)) or changed
    return changed
