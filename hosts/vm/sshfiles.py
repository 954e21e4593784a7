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

from hosts import sshfiles as onebox
from hosts.paths import LabPaths, private_dir, write_if_changed
from hosts.topology import Host
from hosts.vm import access, seed
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


def render_ssh_config(lab: LabPaths, endpoints: Sequence[Endpoint], user: str = "root") -> str:
    return onebox.ssh_config(lab, "Lab VMs; written by the hosts tool (vm backend).",
                             [onebox.Reach(e.host, LOOPBACK, e.port, user) for e in endpoints],
                             connect_timeout=10)


def write_client_files(lab: LabPaths, vlab: VmLabPaths, endpoints: Sequence[Endpoint]) -> bool:
    private_dir(lab.ssh_control_dir)
    changed = write_if_changed(lab.known_hosts, render_known_hosts(vlab, endpoints))
    user = access.recorded(vlab).user
    changed = write_if_changed(lab.ssh_config, render_ssh_config(lab, endpoints, user)) or changed
    return changed
