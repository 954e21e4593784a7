"""Which hosts a lab has, what they and their links are called, and which address each gets.

This is the one place that maps a lab's name, LAN and counts of managers and workers to
names and addresses; everything else reads the result (or the lab's inventory.json).

Several labs live side by side on one machine: everything one makes in the root namespace
and in /run/netns carries its tag (`swl` for the default lab `swarmlab`, else the lab's
own name), and each has its own LAN. Interface names hold at most 15 characters: a tag of
up to 6, a dash and a host name of up to 8 fit. A tag holds no dash, so no lab's tag and
dash begins another lab's names; `swl` is refused as a name, as it is the default lab's tag.

Every value here comes from a person (make variables, the environment, a stack's lanSubnet):
each is matched whole, never trimmed, and an empty one is refused, never read as the default.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LAB = "swarmlab"
DEFAULT_TAG = "swl"
DEFAULT_SUBNET = "192.168.1.0/24"
LAB_NAME = re.compile(r"[a-z][a-z0-9]{0,5}")
LAB_NAME_ALLOWED = (f"{DEFAULT_LAB}, or 1-6 lowercase letters and digits starting with a letter, "
                    f"not {DEFAULT_TAG}")
# Counts as typed: ASCII digits only (int() also takes '+3', ' 3 ', '3_0' and other scripts'
# digits).
COUNT = re.compile(r"[0-9]{1,3}")
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


def check_lab_name(name: str, what: str = "lab name") -> str:
    """The name whole (it prefixes every link and namespace the lab makes), never one that
    would give another lab's tag."""
    if name != DEFAULT_LAB and (not LAB_NAME.fullmatch(name) or name == DEFAULT_TAG):
        raise ValueError(f"{what} {name!r} is not valid; allowed: {LAB_NAME_ALLOWED}")
    return name


def env_lab_name() -> str:
    """SWARMLAB_LAB; unset means the default lab. Set but empty is refused, never the default:
    make always passes a name, so an empty one is a mistake (`LAB=`) that would otherwise act
    on the default lab."""
    raw = os.environ.get("SWARMLAB_LAB")
    return DEFAULT_LAB if raw is None else check_lab_name(raw, "SWARMLAB_LAB")


def check_subnet(raw: str, what: str = "subnet") -> ipaddress.IPv4Network:
    """A lab LAN: private (a range the guard fences) and from /16 to /24."""
    net: ipaddress.IPv4Network | None
    try:
        net = ipaddress.IPv4Network(raw)
    except ValueError:
        net = None
    if (net is None or not any(net.subnet_of(p) for p in PRIVATE)
            or not 16 <= net.prefixlen <= 24):
        raise ValueError(f"{what} {raw!r} is not valid; allowed: a private IPv4 network (in "
                         f"10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 to /24, "
                         f"such as {DEFAULT_SUBNET}")
    return net


def lab_net(name: str | None = None, subnet: str | None = None) -> LabNet:
    """The lab named by the argument, else SWARMLAB_LAB (unset: swarmlab), on the LAN given,
    else SWARMLAB_SUBNET (unset: 192.168.1.0/24)."""
    name = env_lab_name() if name is None else check_lab_name(name)
    if subnet is not None:
        net = check_subnet(subnet)
    else:
        raw = os.environ.get("SWARMLAB_SUBNET")
        net = check_subnet(DEFAULT_SUBNET if raw is None else raw, "SWARMLAB_SUBNET")
    return LabNet(name, net)


def host_name(role: str, index: int) -> str:
    """The first of a role is plain `manager`/`worker`; then `manager2`, ..."""
    return role if index == 1 else f"{role}{index}"


def plan(managers: int = 1, workers: int = 1, net: LabNet | None = None) -> list[Host]:
    """The lab's hosts: managers first, then workers, addresses from .10 in that order."""
    net = net or lab_net()
    if managers < 1:
        raise ValueError(f"managers {managers} is not valid; allowed: 1 to {MAX_HOSTS}")
    if workers < 0:
        raise ValueError(f"workers {workers} is not valid; allowed: 0 to {MAX_HOSTS - 1}")
    check_total(managers, workers)
    names = [(host_name("manager", i), "manager") for i in range(1, managers + 1)]
    names += [(host_name("worker", i), "worker") for i in range(1, workers + 1)]
    base = int(net.subnet.network_address)
    return [
        Host(name=name, address=str(ipaddress.IPv4Address(base + FIRST_HOST + i)), role=role,
             net=net)
        for i, (name, role) in enumerate(names)
    ]


def choose(names: Sequence[str], asked: str, every: bool = True) -> list[str]:
    """NODE as the verbs take it: `all` (when `every`), or some of `names` separated by
    commas, each once; with `every` False, never all of them (a partition of every host
    cuts nothing). ValueError names NODE and what is allowed."""
    if every and asked == "all":
        return list(names)
    chosen = [n.strip() for n in asked.split(",")]
    if (not all(n in names for n in chosen) or len(set(chosen)) != len(chosen)
            or (not every and len(chosen) == len(names))):
        allowed = ("all, or one or more of " if every else "one or more of ") + ", ".join(names)
        rule = "each once" if every else "each once, not all of them"
        raise ValueError(f"NODE={asked!r}: allowed: {allowed} (comma-separated, {rule})")
    return chosen


def check_count(raw: str, what: str, least: int) -> int:
    """A count as typed: ASCII digits, from `least` to what the lab can hold."""
    most = MAX_HOSTS - (1 - least)  # room for the one manager every lab has
    if not COUNT.fullmatch(raw) or not least <= int(raw) <= most:
        raise ValueError(f"{what} {raw!r} is not valid; allowed: a whole number from {least} "
                         f"to {most} (digits only), at most {MAX_HOSTS} hosts in all")
    return int(raw)


def counts_from_env(managers: str | None = None, workers: str | None = None) -> tuple[int, int]:
    """Counts given on the command line (as typed) win over SWARMLAB_MANAGERS /
    SWARMLAB_WORKERS; neither given: one manager and one worker. make passes both as
    --managers/--workers from its MANAGERS/WORKERS."""

    def pick(given: str | None, option: str, var: str, least: int) -> int:
        if given is not None:
            return check_count(given, option, least)
        raw = os.environ.get(var)
        return 1 if raw is None else check_count(raw, var, least)

    counts = (pick(managers, "--managers (MANAGERS)", "SWARMLAB_MANAGERS", 1),
              pick(workers, "--workers (WORKERS)", "SWARMLAB_WORKERS", 0))
    check_total(*counts)
    return counts


def check_total(managers: int, workers: int) -> None:
    if managers + workers > MAX_HOSTS:
        raise ValueError(f"{managers} managers and {workers} workers are "
                         f"{managers + workers} hosts; allowed: at most {MAX_HOSTS} in all")
