"""The client side of the lab's ssh: key pair, known_hosts and ssh_config.

`ssh -F .lab/ssh_config manager` works like reaching a VM: the host key is
verified (StrictHostKeyChecking yes), only the lab key is offered, and
nothing prompts. known_hosts lists each key under the host's name and its
address, so paramiko connecting to 192.168.1.10 verifies too.
"""

from __future__ import annotations

from collections.abc import Sequence

from hosts.commands import run
from hosts.paths import LabPaths, private_dir, write_if_changed
from hosts.sshd import host_public_key
from hosts.topology import Host


def ensure_key_pair(lab: LabPaths) -> bool:
    """The lab key pair, made once and kept across up/down."""
    if lab.key.exists() and lab.public_key.exists():
        return False
    lab.key.unlink(missing_ok=True)
    lab.public_key.unlink(missing_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "swarmlab", "-f", str(lab.key)])
    return True


def render_known_hosts(lab: LabPaths, hosts: Sequence[Host]) -> str:
    return "".join(f"{h.name},{h.address} {host_public_key(lab.host(h.name))}\n" for h in hosts)


def render_ssh_config(lab: LabPaths, hosts: Sequence[Host]) -> str:
    blocks = ["# Lab hosts; written by `python -m hosts up`. Use: ssh -F <this file> manager\n"]
    for h in hosts:
        blocks.append(
            "\n".join(
                [
                    f"Host {h.name} {h.address}",
                    f"    HostName {h.address}",
                    "    User root",
                    "    Port 22",
                    f"    IdentityFile {lab.key}",
                    "    IdentitiesOnly yes",
                    f"    UserKnownHostsFile {lab.known_hosts}",
                    "    GlobalKnownHostsFile /dev/null",
                    "    StrictHostKeyChecking yes",
                    "    BatchMode yes",
                    "    ConnectTimeout 5",
                    # One SSH handshake per host, reused by every later ssh/testinfra call:
                    # most of `make validate`'s time was handshakes. The socket closes 60 s
                    # after last use; its directory is root's alone.
                    "    ControlMaster auto",
                    f"    ControlPath {lab.ssh_control_dir}/%C",
                    "    ControlPersist 60",
                    "",
                ]
            )
        )
    return "\n".join(blocks)


def write_client_files(lab: LabPaths, hosts: Sequence[Host]) -> bool:
    """known_hosts and ssh_config; True when either changed."""
    private_dir(lab.ssh_control_dir)
    changed = write_if_changed(lab.known_hosts, render_known_hosts(lab, hosts))
    changed = write_if_changed(lab.ssh_config, render_ssh_config(lab, hosts)) or changed
    return changed
