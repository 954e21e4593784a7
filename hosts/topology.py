"""Which hosts a lab has, what they and their links are called, and which address each gets.

This is the one place that maps a lab's name, LAN and counts of managers and workers to
names and addresses; everything else reads the result (or the lab's inventory.json).

Several labs live side by side on one machine: everything one makes in the root namespace
and in /run/netns carries its tag (`swl` for the default lab `swarmlab`, else the lab's
own name), and each has its own LAN. Interface names hold at most 15 characters: a tag of
up to 6, a dash and a host name of up to 8 fit.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass

DEFAULT_LAB = "swarmlab"
DEFAULT_TAG = "swl"
DEFAULT_SUBNET = "192.168.1.0/24"
LAB_NAME = re.compile(r"[a-z][a-z0-9]{0,5}")
FIRST_HOST = 10
# The name of a host's interface inside its namespace, as on a VM.
HOST_IFNAME = "eth1"
MAX_HOSTS = 32
# Lab LANs live only in private ranges (those the guard routes cover).
PRIVATE = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# manager, manager2, manager3, ..., worker, worker2, ...
HOST_NAME = re.compile(r"^(manager|worker)([2-9]|[1-9][0-9]+)?$")


@dataclass(frozen=True)
class LabNet:
    """A lab's identity on this machine: the tag of every name it makes, and its LAN."""

    name: str
    subnet: ipaddress.IPv4Network

    @property
    def tag(self) -> str:
        return DEFAULT_TAG if self.name == DEFAULT_LAB else self.name

    @property
    def gateway(self) -> str:
        """The LAN's first address, held by the lab's bridge (the stacks' lanGateway default)."""
        return str(self.subnet.network_address + 1)

    @property
    def prefixlen(self) -> int:
        return self.subnet.prefixlen

    @property
    def bridge(self) -> str:
        return f"{self.tag}-br0"

    def owns_link(self, ifname: str) -> bool:
        return ifname.startswith(f"{self.tag}-")

    def netns(self, host_name: str) -> str:
        """A host's network namespace, and its veth's root end: the lab's tag and its name."""
        return f"{self.tag}-{host_name}"


@dataclass(frozen=True)
class Host:
    """One lab host: a network namespace (or a VM) with its own dockerd and sshd."""

    name: str
    address: str
    role: str  # "manager" or "worker"
    net: LabNet

    @property
    def netns(self) -> str:
        return self.net.netns(self.name)

    @property
    def veth(self) -> str:
        """The root-namespace end of the host's veth pair (a port of the lab's bridge)."""
        return self.net.netns(self.name)


def check_lab_name(name: str) -> str:
    if name != DEFAULT_LAB and not LAB_NAME.fullmatch(name):
        raise ValueError(f"lab name {name!r} is not valid; allowed: {DEFAULT_LAB}, or 1-6 "
                         "lowercase letters and digits starting with a letter (it prefixes "
                         "interface names, which hold 15 characters)")
    return name


def lab_net(name: str | None = None, subnet: str | None = None) -> LabNet:
    """The lab named by the argument, else SWARMLAB_LAB (default swarmlab), on the LAN given,
    else SWARMLAB_SUBNET (default 192.168.1.0/24)."""
    name = check_lab_name(name or os.environ.get("SWARMLAB_LAB", "").strip() or DEFAULT_LAB)
    raw = subnet or os.environ.get("SWARMLAB_SUBNET", "").strip() or DEFAULT_SUBNET
    try:
        net = ipaddress.IPv4Network(raw)
    except ValueError:
        raise ValueError(f"subnet {raw!r} is not valid; allowed: an IPv4 network such as "
                         f"{DEFAULT_SUBNET}") from None
    if not any(net.subnet_of(p) for p in PRIVATE) or not 16 <= net.prefixlen <= 24:
        raise ValueError(f"subnet {raw!r} is not valid; allowed: a private network (in 10/8, "
                         "172.16/12 or 192.168/16) from /16 to /24")
    return LabNet(name, net)


def host_name(role: str, index: int) -> str:
    """The first of a role is plain `manager`/`worker`; then `manager2`, ..."""
    return role if index == 1 else f"{role}{index}"


def plan(managers: int = 1, workers: int = 1, net: LabNet | None = None) -> list[Host]:
    """The lab's hosts: managers first, then workers, addresses from .10 in that order."""
    net = net or lab_net()
    if managers < 1:
        raise ValueError(f"managers must be at least 1, got {managers}")
    if workers < 0:
        raise ValueError(f"workers must be 0 or more, got {workers}")
    if managers + workers > MAX_HOSTS:
        raise ValueError(f"at most {MAX_HOSTS} hosts, got {managers} + {workers}")
    names = [(host_name("manager", i), "manager") for i in range(1, managers + 1)]
    names += [(host_name("worker", i), "worker") for i in range(1, workers + 1)]
    base = int(net.subnet.network_address)
    return [
        Host(name=name, address=str(ipaddress.IPv4Address(base + FIRST_HOST + i)), role=role,
             net=net)
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
