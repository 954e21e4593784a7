"""Partitions of the lab LAN (`make partition NODE=...`, `make heal`): what each host may
still send, as tc on its LAN interface.

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
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from hosts.topology import choose
from modules.spec import LabSpec

PASS, DROP = "1:10", "1:30"
# htb's default quantum for a 10gbit class is over its limit (a warning per class).
QUANTUM = 60000


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


def _arp_target(net: ipaddress.IPv4Network) -> str:
    """u32's match on an ARP packet's target address (offset 24 of the ARP header)."""
    return f"match u32 0x{int(net.network_address):08x} 0x{int(net.netmask):08x} at 24"


def apply_script(iface: str, nets: Sequence[ipaddress.IPv4Network] | None,
                 netem: Sequence[str] = ()) -> str:
    """The host's script: its LAN interface passes only what goes to `nets` (everything when
    None), through netem with `netem`'s options when there are any."""
    dev = shlex.quote(iface)
    default = "30" if nets is not None else "10"
    lines = [
        f"tc qdisc del dev {dev} root 2>/dev/null",
        f"tc qdisc add dev {dev} root handle 1: htb default {default}",
        f"tc class add dev {dev} parent 1: classid {PASS} htb rate 10gbit quantum {QUANTUM}",
        f"tc class add dev {dev} parent 1: classid {DROP} htb rate 10gbit quantum {QUANTUM}",
        f"tc qdisc add dev {dev} parent {DROP} handle 30: pfifo limit 0",
    ]
    if netem:
        lines.append(f"tc qdisc add dev {dev} parent {PASS} handle 10: netem "
                     + " ".join(shlex.quote(o) for o in netem))
    for net in nets or ():
        lines.append(f"tc filter add dev {dev} parent 1: prio 1 protocol ip u32 match ip dst "
                     f"{net} flowid {PASS}")
        lines.append(f"tc filter add dev {dev} parent 1: prio 2 protocol arp u32 "
                     f"{_arp_target(net)} flowid {PASS}")
    # `set -e` semantics by hand: the first failing line ends the script with its status.
    return " && ".join([lines[0] + " || true", *lines[1:]])


def heal_script(iface: str) -> str:
    """The host's LAN interface as the lab built it: no root qdisc of ours."""
    return f"tc qdisc del dev {shlex.quote(iface)} root 2>/dev/null || true"
