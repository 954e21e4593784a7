"""Partitions of the lab LAN (`make partition NODE=...`, `make heal`): what each host may
still send, as tc on its LAN interface (the tree and its scripts: modules/lan_tc.py, which
the links provider shares).

Why this mechanism: the one-box hosts' kernel has no netem and no tc actions (gact, police,
mirred); it has the u32 classifier and the htb and pfifo qdiscs, and so has every VM kernel.
A host's LAN interface (swarmlab:macvlan.parent) gets an htb root whose default class ends
in a pfifo of limit 0, which drops everything; u32 filters steer into a passing class only
what the host may still send: to the gateway, to the hosts of its own group and their macvlan
ranges, and ARP asking for those. Every other frame (IPv4 to another group, IPv6, anything
else on the wire) goes to the dropping class. Each host filters what it sends, so both
directions are cut, and macvlan containers with them: a macvlan child sends through its
parent's qdisc.

The gateway is always reachable: on one-box hosts the tool's own SSH comes from it; on VMs
SSH uses the management NIC (eth0), which a partition never touches. So `make heal`,
`make status` and `make destroy` reach every host whatever was cut.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from hosts.topology import choose
from modules.spec import LabSpec


@dataclass(frozen=True)
class Partitions:
    """The groups cut from the rest of the lab, in the order they were made; a host in no
    group is in the rest."""

    groups: tuple[tuple[str, ...], ...] = ()

    def add(self, nodes: Sequence[str]) -> Partitions:
        """One more partition: `nodes` leave their groups (or the rest) and form a new one."""
        moved = set(nodes)
        kept = tuple(g2 for g in self.groups if (g2 := tuple(n for n in g if n not in moved)))
        return Partitions((*kept, tuple(nodes)))

    def peers(self, host: str, hosts: Sequence[str]) -> tuple[str, ...]:
        """The hosts `host` still reaches (itself included)."""
        for group in self.groups:
            if host in group:
                return group
        grouped = {n for g in self.groups for n in g}
        return tuple(h for h in hosts if h not in grouped)


def check_nodes(spec: LabSpec, node: str) -> list[str]:
    """NODE for a partition: one or more lab hosts, comma-separated, each once, and not all of
    them (a partition of every host cuts nothing)."""
    return choose([h.name for h in spec.hosts], node, every=False)


def allowed(spec: LabSpec, parts: Partitions, host: str) -> list[ipaddress.IPv4Network]:
    """Where `host` may still send on the LAN: the gateway, its group's hosts and their
    macvlan ranges."""
    names = [h.name for h in spec.hosts]
    peers = parts.peers(host, names)
    nets = [ipaddress.IPv4Network(f"{spec.lan_gateway}/32")]
    nets += [ipaddress.IPv4Network(f"{h.address}/32") for h in spec.hosts if h.name in peers]
    nets += [ipaddress.IPv4Network(spec.macvlan.ranges[n]) for n in peers
             if n in spec.macvlan.ranges]
    return nets
