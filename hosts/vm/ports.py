"""Free TCP ports on 127.0.0.1 for the VMs' SSH forwards.

The preferred port is 2210 + the VM's index (stable across runs, easy to
type); when it is taken, the kernel picks one. QEMU binds it a moment
later, so a port can still be lost to a race: `up` then fails on that VM
with QEMU's "Could not set up host forwarding rule" and a second `up` picks
again.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"
BASE = 2210


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As slirp binds its forwards: connections of a VM that just went away
        # (TIME_WAIT) do not make the port busy, a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def pick(index: int, taken: set[int]) -> int:
    preferred = BASE + index
    if preferred not in taken and _free(preferred):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = int(s.getsockname()[1])
        if port not in taken:
            return port
