"""`status`: each host's address, role, daemons and swarm state (or "down")."""

from __future__ import annotations

from typing import Any

from hosts import inventory, table
from hosts.onebox import dockerapi, dockerd, holder, sshd
from hosts.onebox.teardown import lab_host_names
from hosts.paths import LabPaths
from hosts.topology import HOST_NAME, LabNet
from modules.docker import releases
from modules.docker.releases import VERSIONS


def host_status(lab: LabPaths, rec: inventory.HostRecord) -> dict[str, Any]:
    hp = lab.host(rec.name)
    dockerd_pid = dockerd.running(hp)
    swarm = "down"
    runs: dict[str, str] = {}
    if dockerd_pid is not None:
        try:
            swarm = str(dockerapi.info(hp.docker_socket, timeout=3.0)["Swarm"]["LocalNodeState"])
        except (OSError, dockerapi.DockerAPIError, KeyError, ValueError):
            # A manager's /info waits on its raft (20 s and more while there is no leader).
            swarm = ("busy (its swarm does not answer)" if dockerapi.answers(hp.docker_socket)
                     else "not answering")
        try:
            runs = releases.versions(dockerapi.version(hp.docker_socket, timeout=3.0))
        except (OSError, dockerapi.DockerAPIError, ValueError, AttributeError):
            runs = {}
    return {
        "name": rec.name,
        "address": rec.address,
        "role": rec.role,
        "up": holder.running(rec.netns, hp) is not None and dockerd_pid is not None,
        "dockerd_pid": dockerd_pid,
        "sshd_pid": sshd.running(hp),
        "swarm": swarm,
        "versions": runs,
    }


def collect(lab: LabPaths, net: LabNet) -> list[dict[str, Any]]:
    """One entry per host of the inventory, plus hosts a partial `up` left."""
    records = inventory.read(lab)
    known = {r.name for r in records}
    for name in lab_host_names(lab):
        if name not in known and HOST_NAME.match(name):
            role = "manager" if name.startswith("manager") else "worker"
            records.append(inventory.HostRecord(name, "?", role, net.netns(name), None, None,
                                                "", ""))
    return [host_status(lab, r) for r in records]


DAEMONS = (("DOCKERD", "dockerd_pid"), ("SSHD", "sshd_pid"))
"""What says a one-box host is alive: (column, entry key); each backend has its own."""


def render(entries: list[dict[str, Any]], daemons: tuple[tuple[str, str], ...] = DAEMONS) -> str:
    """NAME ADDRESS ROLE, the backend's `daemons` columns, SWARM, and what the host runs."""
    if not entries:
        return "lab is down (no hosts)"
    rows = [[e["name"], e["address"], e["role"], *(e.get(key) or "down" for _, key in daemons),
             e["swarm"], *((e.get("versions") or {}).get(k) or "-" for k in VERSIONS)]
            for e in entries]
    return table.render(["NAME", "ADDRESS", "ROLE", *(title for title, _ in daemons), "SWARM",
                         *(k.upper() for k in VERSIONS)], rows)
