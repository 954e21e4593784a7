"""The other labs of this checkout, as each recorded itself (its net.json): the default lab's
in `.lab/`, each named lab's in `.lab/labs/<name>/`.

`up` reads them before it makes anything: two labs of one name would share a tag, so one
bridge and one set of namespaces; and a one-box lab's LAN is routed in the root namespace
through its bridge, so two one-box labs on overlapping LANs would each route the other's
addresses. A VM lab's LAN is a user-space switch that no route of this machine reaches, so
it overlaps nothing.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from hosts.paths import LabPaths, recorded_lab_dirs
from hosts.topology import LabNet

# Where a free LAN is looked for, to suggest one.
_SUGGESTED = ipaddress.IPv4Network("192.168.0.0/16")


@dataclass(frozen=True)
class OtherLab:
    dir: Path
    name: str
    subnet: ipaddress.IPv4Network
    backend: str


def recorded(state_root: Path | None = None) -> list[OtherLab]:
    """Every lab of this checkout that has a net.json, as written (a record that cannot be
    read names no LAN to compare and is left to that lab's own commands)."""
    found = []
    for folder in recorded_lab_dirs(state_root):
        try:
            data = json.loads(LabPaths(folder).net_file.read_text())
            found.append(OtherLab(folder.resolve(), str(data["lab"]),
                                  ipaddress.IPv4Network(data["subnet"]), str(data["backend"])))
        except (OSError, KeyError, TypeError, ValueError):
            continue
    return found


def _free_lan(taken: list[ipaddress.IPv4Network]) -> ipaddress.IPv4Network | None:
    # From 192.168.2.0/24 on: .0 and .1 are the commonest home LANs.
    for candidate in list(_SUGGESTED.subnets(new_prefix=24))[2:]:
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    return None


def refuse_clash(lab: LabPaths, net: LabNet, backend: str, state_root: Path | None = None) -> None:
    """Refuse, before anything is made, a lab whose name another lab directory holds, or a
    one-box lab whose LAN overlaps another one-box lab's."""
    here = lab.root.resolve()
    others = [o for o in recorded(state_root) if o.dir != here]
    for other in others:
        if other.name == net.name:
            raise ValueError(f"lab {net.name} is already up from {other.dir}: one name, one "
                             f"lab; take it down there first, or give this lab another name")
    if backend != "onebox":
        return
    routed = [o for o in others if o.backend == "onebox"]
    for other in routed:
        if other.subnet.overlaps(net.subnet):
            free = _free_lan([o.subnet for o in routed] + [net.subnet])
            example = f"swarmlab:lanSubnet: {free} " if free else "a swarmlab:lanSubnet "
            raise ValueError(
                f"lab {net.name}'s LAN {net.subnet} overlaps {other.subnet}, the LAN of lab "
                f"{other.name} (made from {other.dir}); give lab {net.name} a LAN of its own: "
                f"a stack with its own lanSubnet, e.g. {example}in "
                f"stacks/Pulumi.{net.name}.yaml, then `make lab LAB={net.name} "
                f"STACK={net.name}`")
