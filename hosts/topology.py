"""Which hosts the lab has, what they are called and which address each gets.

This is the one place that maps a count of managers and workers to names and
addresses; everything else reads the result (or `.lab/inventory.json`).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass

SUBNET = ipaddress.IPv4Network("192.168.1.0/24")
GATEWAY = "192.168.1.1"
PREFIXLEN = SUBNET.prefixlen
FIRST_HOST = 10
BRIDGE = "swl-br0"
# The name of a host's interface inside its namespace, as on a VM.
HOST_IFNAME = "eth1"
MAX_HOSTS = 32

# manager, manager2, manager3, ..., worker, worker2, ...
HOST_NAME = re.compile(r"^(manager|worker)([2-9]|[1-9][0-9]+)?$")


@dataclass(frozen=True)
class Host:
    """One lab host: a network namespace with its own dockerd and sshd."""

    name: str
    address: str
    role: str  # "manager" or "worker"

    @property
    def netns(self) -> str:
        """The network namespace is named after the host."""
        return self.name

    @property
    def veth(self) -> str:
        """The root-namespace end of the host's veth pair (a port of the bridge)."""
        return f"swl-{self.name}"


def host_name(role: str, index: int) -> str:
    """The first of a role is plain `manager`/`worker`; then `manager2`, ..."""
    return role if index == 1 else f"{role}{index}"


def plan(managers: int = 1, workers: int = 1) -> list[Host]:
    """The lab's hosts: managers first, then workers, addresses from .10 in that order."""
    if managers < 1:
        raise ValueError(f"managers must be at least 1, got {managers}")
    if workers < 0:
        raise ValueError(f"workers must be 0 or more, got {workers}")
    if managers + workers > MAX_HOSTS:
        raise ValueError(f"at most {MAX_HOSTS} hosts, got {managers} + {workers}")
    names = [(host_name("manager", i), "manager") for i in range(1, managers + 1)]
    names += [(host_name("worker", i), "worker") for i in range(1, workers + 1)]
    base = int(SUBNET.network_address)
    return [
        Host(name=name, address=str(ipaddress.IPv4Address(base + FIRST_HOST + i)), role=role)
        for i, (name, role) in enumerate(names)
    ]


def counts_from_env(managers: int | None = None, workers: int | None = None) -> tuple[int, int]:
    """Counts given on the command line win over SWARMLAB_MANAGERS / SWARMLAB_WORKERS."""

    def pick(given: int | None, var: str, default: int) -> int:
        if given is not None:
            return given
        raw = os.environ.get(var, "").strip()
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{var} must be a whole number, got {raw!r}") from None

    return pick(managers, "SWARMLAB_MANAGERS", 1), pick(workers, "SWARMLAB_WORKERS", 1)
