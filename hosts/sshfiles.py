"""The client side of the lab's ssh: key pair, known_hosts and ssh_config.

`ssh -F .lab/ssh_config manager` works like reaching a VM: the host key is
verified (StrictHostKeyChecking yes), only the lab key is offered, and
nothing prompts. known_hosts lists each key under the host's name and its
address, so paramiko connecting to 192.168.1.10 verifies too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hosts import keys
from hosts.onebox.sshd import host_public_key
from hosts.paths import LabPaths, private_dir, write_if_changed
from hosts.topology import Host


def ensure_key_pair(lab: LabPaths) -> bool:
    """The lab key pair, made once and kept across up/down."""
    return keys.ensure_pair(lab.key, lab.public_key, "swarmlab")


def render_known_hosts(lab: LabPaths, hosts: Sequence[Host]) -> str:
    return "".join(f"{h.name},{h.address} {host_public_key(lab.host(h.name))}\n" for h in hosts)


@dataclass(frozen=True)
class Reach:
    """Where ssh reaches a lab host: its lab address on port 22 (one-box), or a port forward
    on 127.0.0.1 (a VM)."""

    host: Host
    hostname: str
    port: int = 22
    user: str = "root"


def config_path(path: object) -> str:
    """A path as ssh_config reads it: `%` is ssh's token sign, a space ends a word."""
    text = str(path).replace("%", "%%")
    if '"' in text or "\n" in text:
        raise ValueError(f"{text!r}: ssh_config cannot hold this path")
    return f'"{text}"' if " " in text else text


def host_block(names: str, hostname: str, port: int, user: str, key: object, known_hosts: object,
               connect_timeout: int, control_dir: object | None = None) -> str:
    """One host of an ssh_config: only `key` offered, the host key checked against
    `known_hosts` alone, nothing that prompts."""
    lines = [
        f"Host {names}",
        f"    HostName {hostname}",
        f"    Port {port}",
        f"    User {user}",
        f"    IdentityFile {config_path(key)}",
        "    IdentitiesOnly yes",
        f"    UserKnownHostsFile {config_path(known_hosts)}",
        "    GlobalKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    BatchMode yes",
        f"    ConnectTimeout {connect_timeout}",
    ]
    if control_dir is not None:
        # One SSH handshake per host, reused by every later ssh/testinfra call (most of
        # `make validate`'s time was handshakes; under emulation one costs about a second
        # of guest CPU). The socket closes 60 s after last use; its folder is root's alone.
        lines += ["    ControlMaster auto", f"    ControlPath {config_path(control_dir)}/%C",
                  "    ControlPersist 60"]
    return "\n".join([*lines, ""])


def ssh_config(lab: LabPaths, header: str, reaches: Sequence[Reach], connect_timeout: int) -> str:
    """The lab's ssh_config: each host by its name and its lab address."""
    blocks = [f"# {header} Use: ssh -F <this file> manager\n"]
    blocks += [host_block(f"{r.host.name} {r.host.address}", r.hostname, r.port, r.user, lab.key,
                          lab.known_hosts, connect_timeout, lab.ssh_control_dir)
               for r in reaches]
    return "\n".join(blocks)


def render_ssh_config(lab: LabPaths, hosts: Sequence[Host]) -> str:
    return ssh_config(lab, "Lab hosts; written by `python -m hosts up`.",
                      [Reach(h, h.address) for h in hosts], connect_timeout=5)


def write_client_files(lab: LabPaths, hosts: Sequence[Host]) -> bool:
    """known_hosts and ssh_config; True when either changed."""
    private_dir(lab.ssh_control_dir)
    changed = write_if_changed(lab.known_hosts, render_known_hosts(lab, hosts))
    changed = write_if_changed(lab.ssh_config, render_ssh_config(lab, hosts)) or changed
    return changed
