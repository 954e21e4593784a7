"""The fault verbs' state and their runs on the hosts: `partition` and `heal`.

What is cut is recorded in `<lab dir>/faults.json`, so each `make partition` adds to what
is there, and `make status`, `make inspect` and `make heal` read it. Only hosts the hosts
tool made take faults: on them the tool's own way in (SSH from the gateway on one-box hosts,
the management NIC on VMs) is outside what a partition cuts. On your own SSH hosts or
Vagrant's it would cut the tool off, so the verbs refuse them, naming why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hosts.inventory import read_net
from hosts.paths import LabPaths
from modules.spec import LabSpec
from modules.ssh import RemoteError, Target, run
from tools.lab import labs, partition, spec
from tools.lab.partition import Partitions


def state_file(lab: str) -> Path:
    return labs.lab_dir(lab) / "faults.json"


def read(lab: str) -> Partitions:
    try:
        data = json.loads(state_file(lab).read_text())
    except FileNotFoundError:
        return Partitions()
    return Partitions(tuple(tuple(g) for g in data.get("partitions", [])))


def write(lab: str, parts: Partitions) -> None:
    path = state_file(lab)
    if not parts.groups:
        path.unlink(missing_ok=True)
        return
    path.write_text(json.dumps({"partitions": [list(g) for g in parts.groups]}, indent=2) + "\n")


def require_tools_hosts(lab: str) -> str:
    """The backend of a lab whose hosts the hosts tool made; ValueError otherwise."""
    recorded = read_net(LabPaths(labs.lab_dir(lab)), asked=lab)
    if recorded is None:
        raise ValueError(f"lab {lab}'s hosts are not the hosts tool's (your own SSH hosts or "
                         "Vagrant): a fault there could cut the tool's only way in; the fault "
                         "verbs run on one-box hosts and VMs (make lab, BACKEND=vm)")
    return recorded[1]


def _on_all(targets: dict[str, Target], scripts: dict[str, str]) -> list[str]:
    """Each host's script, all at once; the problems, naming the host."""
    def one(name: str) -> str | None:
        try:
            result = run(targets[name], scripts[name], check=False, timeout=30)
        except RemoteError as err:
            return str(err)
        if result.exit_status != 0:
            return f"{targets[name].label}: {(result.stderr or result.stdout).strip()}"
        return None
    with ThreadPoolExecutor(max_workers=max(1, len(scripts))) as pool:
        return [p for p in pool.map(one, scripts) if p]


def apply(lab_spec: LabSpec, parts: Partitions) -> list[str]:
    """Every host's LAN filter as `parts` says (none where nothing is cut)."""
    iface = lab_spec.macvlan.parent
    scripts = {h.name: partition.apply_script(iface, partition.allowed(lab_spec, parts, h.name))
               if parts.groups else partition.heal_script(iface) for h in lab_spec.hosts}
    return _on_all(spec.targets(lab_spec), scripts)


def cut(lab: str, node: str) -> str:
    """`make partition NODE=...`: one more group cut from the rest; what the lab is now."""
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    nodes = partition.check_nodes(lab_spec, node)
    parts = read(lab).add(nodes)
    problems = apply(lab_spec, parts)
    if problems:
        raise RuntimeError("partition not in place: " + "; ".join(problems))
    write(lab, parts)
    return describe(lab_spec, parts)


def heal(lab: str) -> str:
    """`make heal`: no partition left, every dockerd running (idempotent)."""
    require_tools_hosts(lab)
    lab_spec = spec.lab_spec(lab)
    problems = apply(lab_spec, Partitions())
    if problems:
        raise RuntimeError("not healed: " + "; ".join(problems))
    write(lab, Partitions())
    started = subprocess.run([sys.executable, "-m", "hosts", "node-start", "all"], cwd=labs.ROOT,
                             env={**os.environ, "SWARMLAB_LAB": lab,
                                  "SWARMLAB_LAB_DIR": str(labs.lab_dir(lab))}, capture_output=True,
                             text=True, timeout=600, check=False)
    if started.returncode != 0:
        raise RuntimeError("partitions removed, but not every dockerd started: "
                           + (started.stderr or started.stdout).strip())
    return "healed: every host reaches every other on the lab LAN, every dockerd runs"


def describe(lab_spec: LabSpec, parts: Partitions) -> str:
    """`partitioned: worker | manager`: each group cut, then the rest."""
    if not parts.groups:
        return "no partition"
    grouped = {n for g in parts.groups for n in g}
    rest = tuple(h.name for h in lab_spec.hosts if h.name not in grouped)
    return "partitioned: " + " | ".join(", ".join(g) for g in (*parts.groups, rest) if g)
