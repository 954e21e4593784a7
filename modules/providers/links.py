"""netem on one host's LAN interface, as the stack declares it (swarmlab:links).

Create and update put netem with the declared options under the PASS class of the LAN tc
tree (modules/lan_tc.py): when the tree is there (a partition the fault verbs made), only the
netem is replaced and the partition's filters stay; otherwise a tree that passes everything
is made for it. Delete takes its netem away (the whole tree when no partition holds), and
leaves one set by hand since.

Every `pulumi up` refreshes first: the read compares tc's line for that netem with the one
tc showed when it was put in place, so a netem gone (a host rebuilt) or changed (`make impair`
on this host, by hand) shows as a change, and the update sets the declared values again. So
a `pulumi up` sets each declared host to its declared values, replacing a manual impairment;
a host the stack does not name is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from modules import lan_tc
from modules.providers.base import LabResource, diff, target_of
from modules.ssh import RemoteError, Target, run

INPUTS = ("target", "iface", "netem", "in_place")
# Kernels from 6.3 print the seed of netem's random numbers, a new one per qdisc: it says
# nothing about the impairment, so a netem made again with the same values is the same.
SEED = re.compile(r" seed [0-9]+")


def _line(said: str) -> str:
    """tc's line for the netem as compared: its first, without the seed (empty: none)."""
    return SEED.sub("", said.strip().splitlines()[0]) if said.strip() else ""


def found_line(target: Target, iface: str) -> str:
    """tc's line for the netem under PASS, as compared (empty: there is none)."""
    return _line(run(target, lan_tc.show_netem_script(iface)).stdout)


def put(target: Target, iface: str, netem: list[str]) -> str:
    """netem with these options in place; tc's line for it, read back in the same round
    trip."""
    script = f"{lan_tc.netem_script(iface, netem)} && {{ {lan_tc.show_netem_script(iface)}; }}"
    result = run(target, script, check=False)
    if result.exit_status != 0:
        said = (result.stderr or result.stdout).strip() or f"exit {result.exit_status}"
        raise RemoteError(f"{target.label}: swarmlab:links: netem {' '.join(netem)} on "
                          f"{iface} not in place: {said}")
    line = _line(result.stdout)
    if not line:
        raise RemoteError(f"{target.label}: swarmlab:links: tc made netem on {iface}, and it is "
                          "not there")
    return line


def take_away(target: Target, iface: str) -> None:
    run(target, lan_tc.unnetem_script(iface))


class LinkProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        applied = put(target_of(props), props["iface"], list(props["netem"]))
        return CreateResult(f"link-{props['target']['name']}", {**props, "applied": applied})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        line = found_line(target_of(props), props["iface"])
        # As the readiness gate does: what was found goes into the inputs too, so a netem
        # gone or changed differs from the program's `in_place: True`, and `up` sets it again.
        in_place = bool(line) and line == props.get("applied")
        inputs = {k: props.get(k) for k in INPUTS}
        return ReadResult(id_, {**props, "in_place": in_place},
                          inputs={**inputs, "in_place": in_place})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Nothing replaces: the same host's netem is changed in place.
        return diff(olds, news, (), INPUTS)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        target = target_of(news)
        if olds.get("iface") and olds["iface"] != news["iface"]:
            # swarmlab:macvlan.parent changed: the old interface is left as it was found.
            take_away(target, olds["iface"])
        applied = put(target, news["iface"], list(news["netem"]))
        return UpdateResult({**news, "applied": applied})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Only the netem this resource put there: one set by hand since (`make impair`) is
        # the tool's to take away, and its record of it stays true.
        target = target_of(props)
        if found_line(target, props["iface"]) == props.get("applied"):
            take_away(target, props["iface"])


class Link(LabResource):
    applied: pulumi.Output[str]
    """tc's line for the netem as put in place (what later reads compare)."""

    def __init__(self, name: str, target: Target, iface: str, netem: list[str],
                 values: dict[str, str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(LinkProvider(), name,
                         {"target": target.as_dict(), "iface": iface, "netem": netem,
                          "values": values, "in_place": True}, opts)
