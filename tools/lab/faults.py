"""The fault verbs' state and their runs on the hosts: `partition`, `impair` and `heal`.

What is cut is recorded in `<lab dir>/faults.json`, so each `make partition` adds to what
is there, and `make status`, `make inspect` and `make heal` read it. Only hosts the hosts
tool made take faults: on them the tool's own way in (SSH from the gateway on one-box hosts,
the management NIC on VMs) is outside what a partition cuts. On your own SSH hosts or
Vagrant's it would cut the tool off, so the verbs refuse them, naming why.

The stack may declare netem too (swarmlab:links), which every `pulumi up` sets on the hosts
it names (modules/providers/links.py). The two meet on a host's LAN interface: its netem is
its manual impairment (`make impair`) when it has one, else its declared link. So `make
unimpair` and `make heal` give a declared host its declared values back (the lab as built),
and a manual impairment holds until then or until the next `pulumi up`, which sets every
declared host to its declared values (`make up` then forgets the manual impairments it
replaced: `after_up`); a host the stack does not name is left as it is by `pulumi up`.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hosts.inventory import read_net
from hosts.paths import LabPaths
from modules import lan_tc
from modules.spec import LabSpec, links
from modules.spec.links import Impairment
from modules.ssh import RemoteError, Target, run
from tools.lab import execute, impair, labs, partition, spec
from tools.lab.partition import Partitions


@dataclass(frozen=True)
class Faults:
    """What is broken on purpose: the partitions, and each impaired host's netem values."""

    partitions: Partitions = field(default_factory=Partitions)
    impaired: dict[str, Impairment] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.partitions.groups or self.impaired)


def state_file(lab: str) -> Path:
    return labs.lab_dir(lab) / "faults.json"


def read(lab: str) -> Faults:
    try:
        data = json.loads(state_file(lab).read_text())
    except FileNotFoundError:
        return Faults()
    return Faults(Partitions(tuple(tuple(g) for g in data.get("partitions", []))),
                  {h: Impairment(**v) for h, v in data.get("impaired", {}).items()})


def as_dict(faults: Faults) -> dict[str, Any]:
    """As faults.json and `make inspect` (lab.faults) say it."""
    return {"partitions": [list(g) for g in faults.partitions.groups],
            "impaired": {h: i.as_dict() for h, i in faults.impaired.items()}}


def write(lab: str, faults: Faults) -> None:
    path = state_file(lab)
    if not faults.any:
        path.unlink(missing_ok=True)
        return
    path.write_text(json.dumps(as_dict(faults), indent=2) + "\n")


def require_tools_hosts(lab: str) -> str:
    """The backend of a lab whose hosts the hosts tool made; ValueError otherwise."""
    recorded = read_net(LabPaths(labs.lab_dir(lab)), asked=lab)
    if recorded is None:
        raise ValueError(f"lab {lab}'s hosts are not the hosts tool's (your own SSH hosts or "
                         "Vagrant): a fault there could cut the tool's only way in; the fault "
                         "verbs run on one-box hosts and VMs (make lab, BACKEND=vm)")
    return recorded[1]


def _on_all(targets: dict[str, Target], scripts: dict[str, str]) -> dict[str, str]:
    """Each host's script, all at once; per host that failed, why (naming the host)."""
    def one(name: str) -> str | None:
        try:
            result = run(targets[name], scripts[name], check=False, timeout=30)
        except RemoteError as err:
            return str(err)
        if result.exit_status != 0:
            said = (result.stderr or result.stdout).strip() or f"exit {result.exit_status}"
            return f"{targets[name].label}: {said}"
        return None
    with ThreadPoolExecutor(max_workers=max(1, len(scripts))) as pool:
        said = dict(zip(scripts, pool.map(one, scripts), strict=True))
    return {name: why for name, why in said.items() if why}


def netem_of(lab_spec: LabSpec, faults: Faults, host: str) -> Impairment | None:
    """The host's netem: its manual impairment if it has one, else its declared link
    (swarmlab:links), else none."""
    return faults.impaired.get(host) or lab_spec.links.get(host)


def apply(lab_spec: LabSpec, faults: Faults) -> dict[str, str]:
    """Every host's LAN interface as `faults` says, over the lab as built: each host's netem
    is netem_of's, so with no faults every declared link is in place and nothing else."""
    iface = lab_spec.macvlan.parent
    parts = faults.partitions
    scripts = {}
    for h in lab_spec.hosts:
        netem = netem_of(lab_spec, faults, h.name)
        if not parts.groups and netem is None:
            scripts[h.name] = lan_tc.heal_script(iface)
            continue
        nets = partition.allowed(lab_spec, parts, h.name) if parts.groups else None
        scripts[h.name] = lan_tc.apply_script(iface, nets, netem.netem() if netem else ())
    return _on_all(spec.targets(lab_spec), scripts)


def _change(lab: str, lab_spec: LabSpec, faults: Faults) -> None:
    problems = apply(lab_spec, faults)
    if problems:
        raise RuntimeError("not in place: " + "; ".join(problems.values()))
    write(lab, faults)


def cut(lab: str, node: str) -> str:
    """`make partition NODE=...`: one more group cut from the rest; what the lab is now."""
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    nodes = partition.check_nodes(lab_spec, node)
    found = read(lab)
    faults = Faults(found.partitions.add(nodes), found.impaired)
    _change(lab, lab_spec, faults)
    return describe(lab_spec, faults)


def impair_nodes(lab: str, node: str, delay: str, jitter: str, loss: str, rate: str) -> str:
    """`make impair NODE=... DELAY=...`: netem on those hosts' LAN interfaces, refused where
    the kernel has none, before anything changes."""
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    nodes = execute.choose_nodes(lab_spec, node)
    values = impair.check(delay, jitter, loss, rate)
    lacking = _on_all(spec.targets(lab_spec), dict.fromkeys(nodes, links.PROBE))
    if lacking:
        raise RuntimeError(f"the kernel of {', '.join(lacking)} has no sch_netem (netem): "
                           "nothing was changed; impairment needs a kernel with it (the VM lab's "
                           "have it; the one-box hosts share this machine's)")
    found = read(lab)
    faults = Faults(found.partitions, {**found.impaired, **dict.fromkeys(nodes, values)})
    _change(lab, lab_spec, faults)
    return describe(lab_spec, faults)


def unimpair(lab: str, node: str) -> str:
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    nodes = execute.choose_nodes(lab_spec, node)
    found = read(lab)
    faults = Faults(found.partitions, {h: v for h, v in found.impaired.items() if h not in nodes})
    _change(lab, lab_spec, faults)
    return describe(lab_spec, faults)


def heal(lab: str) -> str:
    """`make heal`: no partition or manual impairment left, every dockerd running: the lab as
    built, the stack's declared links in place (idempotent)."""
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    _change(lab, lab_spec, Faults())
    started = labs.hosts_tool(lab, "node-start", "all", timeout=600, capture=True)
    if started.returncode != 0:
        raise RuntimeError("partitions and impairment removed, but not every dockerd started: "
                           + (started.stderr or started.stdout).strip())
    if lab_spec.links:
        return ("healed: every host reaches every other on the lab LAN, every dockerd runs, "
                f"and only the stack's declared netem is left ({describe_links(lab_spec)})")
    return "healed: every host reaches every other on the lab LAN unimpaired, every dockerd runs"


def after_up(lab: str, lab_spec: LabSpec) -> Faults:
    """After a `pulumi up`: each host the stack impairs has its declared netem again (the
    links provider replaced any manual one), so its manual impairment is forgotten; the
    faults left, as recorded now."""
    found = read(lab)
    kept = {h: v for h, v in found.impaired.items() if h not in lab_spec.links}
    if kept == found.impaired:
        return found
    faults = Faults(found.partitions, kept)
    write(lab, faults)
    return faults


def describe_links(lab_spec: LabSpec, faults: Faults | None = None) -> str:
    """`links (stack): worker (delay 100ms loss 5%)`, "" when the stack declares none; a host
    impaired by hand meanwhile says so (its manual values hold until `make unimpair`, `make
    heal` or the next `pulumi up`)."""
    manual = faults.impaired if faults else {}
    hosts = [f"{h} ({v.said()}{', impaired by hand meanwhile' if h in manual else ''})"
             for h, v in lab_spec.links.items()]
    return "links (stack): " + ", ".join(hosts) if hosts else ""


def describe(lab_spec: LabSpec, faults: Faults) -> str:
    """`partitioned: worker | manager; impaired: worker (delay 100ms)`, then the stack's
    declared links when there are any."""
    declared = describe_links(lab_spec, faults)
    if not declared:
        return describe_faults(lab_spec, faults)
    if not faults.any:
        return f"no partition, no manual impairment; {declared}"
    return f"{describe_faults(lab_spec, faults)}; {declared}"


def describe_faults(lab_spec: LabSpec, faults: Faults) -> str:
    """`partitioned: worker | manager; impaired: worker (delay 100ms)`: what the verbs did."""
    said = []
    parts = faults.partitions
    if parts.groups:
        grouped = {n for g in parts.groups for n in g}
        rest = tuple(h.name for h in lab_spec.hosts if h.name not in grouped)
        said.append("partitioned: " + " | ".join(", ".join(g) for g in (*parts.groups, rest) if g))
    if faults.impaired:
        said.append("impaired: " + ", ".join(f"{h} ({i.said()})"
                                              for h, i in faults.impaired.items()))
    return "; ".join(said) or "no partition, no impairment"
