"""A tiny process per host that holds its UTS namespace (its hostname).

`nsenter --net=/run/netns/NAME unshare --uts sh -c 'hostname NAME; exec sleep
infinity'`: the host's dockerd and sshd are then started in the same
network and UTS namespaces (see enter()), so `hostname` in an ssh session
and `docker info --format '{{.Name}}'` both say NAME. (`ip netns exec` is not used: it
remounts /sys, and dockerd then fails with "Devices cgroup isn't mounted".)
nsenter and unshare do not fork, so the pid sh writes is the holder's.
"""

from __future__ import annotations

import os
import time

from hosts import procs
from hosts.commands import spawn_daemon
from hosts.onebox.network import netns_inode, netns_path
from hosts.paths import HostPaths
from hosts.topology import Host

_SCRIPT = 'echo $$ > "$1" && hostname "$2" && exec sleep infinity'


def enter(netns: str, holder_pid: int) -> list[str]:
    """The nsenter prefix that puts a daemon into a host's network and UTS namespaces.

    The network namespace is named by its /run/netns path, never through the
    holder's pid: even if that pid were reused meanwhile, no daemon could
    land in the root network namespace.
    """
    return ["nsenter", f"--net={netns_path(netns)}", f"--uts=/proc/{holder_pid}/ns/uts"]


def running(netns: str, hp: HostPaths) -> int | None:
    """The holder's pid when it is alive, is `sleep infinity` and lives in the host's netns."""
    pid = procs.read_pidfile(hp.holder_pid)
    if pid is None or not procs.alive(pid) or procs.cmdline(pid) != "sleep infinity":
        return None
    inode = netns_inode(netns)
    if inode is None or procs.namespace(pid, "net") != inode:
        return None
    return pid


def holds(netns: str, hp: HostPaths, pid: int) -> bool:
    """`pid` lives in this host's namespaces: its network one and its holder's UTS one."""
    holder_pid = running(netns, hp)
    return holder_pid is not None and all(
        (inode := procs.namespace(pid, kind)) is not None
        and inode == procs.namespace(holder_pid, kind) for kind in ("net", "uts"))


def orphan(hp: HostPaths) -> int | None:
    """A holder whose namespace file is already gone (a crash halfway through down).

    Still ours when its pidfile names it, it is `sleep infinity`, and it lives
    in namespaces other than ours (both net and UTS).
    """
    pid = procs.read_pidfile(hp.holder_pid)
    if pid is None or not procs.alive(pid) or procs.cmdline(pid) != "sleep infinity":
        return None
    me = os.getpid()
    for kind in ("net", "uts"):
        if procs.namespace(pid, kind) in (None, procs.namespace(me, kind)):
            return None
    return pid


def start(host: Host, hp: HostPaths, timeout: float = 5.0) -> int:
    hp.holder_pid.unlink(missing_ok=True)
    spawn_daemon(
        [
            "nsenter",
            f"--net={netns_path(host.netns)}",
            "unshare",
            "--uts",
            "sh",
            "-c",
            _SCRIPT,
            "swarmlab-holder",
            str(hp.holder_pid),
            host.name,
        ],
        hp.holder_log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = running(host.netns, hp)
        if pid is not None:
            return pid
        time.sleep(0.02)
    raise RuntimeError(f"holder did not come up within {timeout:.0f}s (see {hp.holder_log})")
