"""The tc tree on a host's LAN interface (swarmlab:macvlan.parent): one layout, built by the
fault verbs (tools/lab/partition.py, tools/lab/faults.py) and by the links provider
(modules/providers/links.py), so either finds the other's tree as it expects it.

    root htb 1: (default 1:10, or 1:30 while a partition holds)
      1:10 PASS  (netem 10: hangs here when the host is impaired)
      1:30 DROP  pfifo 30: of limit 0, which drops everything
    u32 filters on 1: steer into PASS only what a partitioned host may still send

Why htb and u32: the one-box hosts' kernel has no netem and no tc actions (gact, police,
mirred); it has the u32 classifier and the htb and pfifo qdiscs, and so has every VM kernel.
Every value reaches the shell quoted.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Sequence

PASS, DROP = "1:10", "1:30"
NETEM = "10:"
# htb's default quantum for a 10gbit class is over its limit (a warning per class).
QUANTUM = 60000


def _arp_target(net: ipaddress.IPv4Network) -> str:
    """u32's match on an ARP packet's target address (offset 24 of the ARP header)."""
    return f"match u32 0x{int(net.network_address):08x} 0x{int(net.netmask):08x} at 24"


def _netem(dev: str, verb: str, netem: Sequence[str]) -> str:
    return (f"tc qdisc {verb} dev {dev} parent {PASS} handle {NETEM} netem "
            + " ".join(shlex.quote(o) for o in netem))


def apply_script(iface: str, nets: Sequence[ipaddress.IPv4Network] | None,
                 netem: Sequence[str] = ()) -> str:
    """The whole tree, made anew: the LAN interface passes only what goes to `nets`
    (everything when None), through netem with `netem`'s options when there are any."""
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
        lines.append(_netem(dev, "add", netem))
    for net in nets or ():
        lines.append(f"tc filter add dev {dev} parent 1: prio 1 protocol ip u32 match ip dst "
                     f"{net} flowid {PASS}")
        lines.append(f"tc filter add dev {dev} parent 1: prio 2 protocol arp u32 "
                     f"{_arp_target(net)} flowid {PASS}")
    # `set -e` semantics by hand: the first failing line ends the script with its status.
    return " && ".join([lines[0] + " || true", *lines[1:]])


def heal_script(iface: str) -> str:
    """The host's LAN interface as Docker left it: no root qdisc of ours."""
    return f"tc qdisc del dev {shlex.quote(iface)} root 2>/dev/null || true"


def _has_tree(dev: str) -> str:
    """Shell that succeeds when the interface holds the tree's htb root 1:."""
    return f"tc qdisc show dev {dev} | grep -q '^qdisc htb 1: root'"


def _has_filters(dev: str) -> str:
    """Shell that succeeds when a partition's filters sit on the root."""
    return f'[ -n "$(tc filter show dev {dev} parent 1:)" ]'


def netem_script(iface: str, netem: Sequence[str]) -> str:
    """netem with these options on the LAN interface, whatever was there: under the tree's
    PASS class when the tree is in place (a partition's filters stay as they are), else in a
    tree made anew that passes everything."""
    dev = shlex.quote(iface)
    # Not `tc qdisc replace`: on a netem already there the kernel changes it in place and keeps
    # what the new options leave out (a rate set by hand would stay), so it goes first.
    return (f"if {_has_tree(dev)}; then "
            f"tc qdisc del dev {dev} parent {PASS} handle {NETEM} 2>/dev/null; "
            f"{_netem(dev, 'add', netem)}; "
            f"else {apply_script(iface, None, netem)}; fi")


def unnetem_script(iface: str) -> str:
    """No netem on the LAN interface: the whole tree goes when no partition holds (what is
    left would only pass everything); with a partition, only the netem under PASS."""
    dev = shlex.quote(iface)
    return (f"if {_has_tree(dev)}; then if {_has_filters(dev)}; then "
            f"tc qdisc del dev {dev} parent {PASS} handle {NETEM} 2>/dev/null || true; "
            f"else {heal_script(iface)}; fi; fi")


def show_netem_script(iface: str) -> str:
    """Shell that prints tc's line for the netem under PASS (nothing when there is none)."""
    return (f"tc qdisc show dev {shlex.quote(iface)} | grep '^qdisc netem {NETEM} parent {PASS} '"
            " || true")
