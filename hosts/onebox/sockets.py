"""Which sockets are bound inside a host's namespace, read from /proc (no traffic).

/proc/<pid>/net/{tcp,udp}[6] lists the sockets of the network namespace
that process lives in, so any pid in the namespace (the holder) will do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TCP_LISTEN = "0A"


@dataclass(frozen=True)
class BoundSocket:
    proto: str  # "tcp" or "udp"
    address: str  # hex, as in /proc
    port: int
    inode: int  # 0 for sockets the kernel owns (vxlan's 4789/udp)


def bound(pid: int) -> list[BoundSocket]:
    """TCP sockets listening and UDP sockets bound in the namespace of `pid`."""
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = (Path("/proc") / str(pid) / "net" / proto).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if proto.startswith("tcp") and fields[3] != TCP_LISTEN:
                continue
            found.append(BoundSocket(proto[:3], address, int(port_hex, 16), int(fields[9])))
    return found


def socket_inodes(pid: int) -> set[int]:
    """The socket inodes a process holds open."""
    inodes = set()
    fd_dir = Path("/proc") / str(pid) / "fd"
    try:
        entries = list(fd_dir.iterdir())
    except (FileNotFoundError, PermissionError):
        return set()
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def listening_on(pid: int, proto: str, port: int) -> list[BoundSocket]:
    return [s for s in bound(pid) if s.proto == proto and s.port == port]
