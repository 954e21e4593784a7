"""One sshd per host, on the host's address only, in its net and UTS namespaces.

Its own config, host key and pidfile under `.lab/hosts/<name>/`; root logs
in with the lab key only; each session gets DOCKER_HOST pointing at that
host's dockerd, so `ssh manager docker ...` (and the docker provider's
ssh:// transport) talk to the right daemon.
"""

from __future__ import annotations

import time
from pathlib import Path

from hosts import keys, procs
from hosts.commands import SYSTEM_PATH, run, spawn_daemon
from hosts.onebox import holder, sockets
from hosts.paths import HostPaths, LabPaths, write_if_changed
from hosts.topology import Host

SSHD = "/usr/sbin/sshd"
# sshd refuses to start without its privilege separation directory.
PRIVSEP_DIR = Path("/run/sshd")


def ensure_host_key(host: Host, hp: HostPaths) -> bool:
    return keys.ensure_pair(hp.host_key, hp.host_public_key, host.name)


def host_public_key(hp: HostPaths) -> str:
    return keys.public_key(hp.host_public_key)


def render_config(host: Host, hp: HostPaths, lab: LabPaths, path: str = SYSTEM_PATH) -> str:
    return "\n".join(
        [
            f"# sshd for lab host {host.name}; written by `python -m hosts up`.",
            f"ListenAddress {host.address}:22",
            f"HostKey {hp.host_key}",
            f"PidFile {hp.sshd_pid}",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            f"AuthorizedKeysFile {lab.public_key}",
            # The lab directory lives in a work tree whose modes sshd does not
            # control; the key file itself is root's.
            "StrictModes no",
            "UsePAM no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            # No AcceptEnv: clients cannot set anything; what a session needs is
            # set here. DOCKER_HOST: this host's own dockerd. SHLVL=1: a lab
            # host is a fresh machine, so the shell must not run this box's
            # ~/.bashrc (pyenv, nvm and the like cost 100+ ms of CPU per
            # command); bash reads it for ssh commands only when SHLVL is unset.
            # PATH: the engine's own docker CLI first (hosts.engine).
            f"SetEnv DOCKER_HOST=unix://{hp.docker_socket} SHLVL=1 PATH={path}",
            "MaxStartups 100:30:200",
            "Subsystem sftp internal-sftp",
            "",
        ]
    )


def write_config(host: Host, hp: HostPaths, lab: LabPaths, path: str = SYSTEM_PATH) -> bool:
    return write_if_changed(hp.sshd_config, render_config(host, hp, lab, path))


def running(hp: HostPaths) -> int | None:
    return procs.verified(hp.sshd_pid, str(hp.sshd_config))


def healthy(host: Host, hp: HostPaths, holder_pid: int) -> bool:
    pid = running(hp)
    if pid is None:
        return False
    mine = sockets.socket_inodes(pid)
    return any(s.inode in mine for s in sockets.listening_on(holder_pid, "tcp", 22))


def start(host: Host, hp: HostPaths, holder_pid: int, timeout: float = 10.0) -> int:
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    run([SSHD, "-t", "-f", str(hp.sshd_config)])
    hp.sshd_pid.unlink(missing_ok=True)
    spawn_daemon(
        [
            *holder.enter(host.netns, holder_pid),
            SSHD,
            "-D",
            "-f",
            str(hp.sshd_config),
            "-E",
            str(hp.sshd_log),
        ],
        hp.sshd_log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = running(hp)
        if pid is not None and healthy(host, hp, holder_pid):
            return pid
        time.sleep(0.05)
    raise RuntimeError(f"sshd is not listening on {host.address}:22 (see {hp.sshd_log})")
