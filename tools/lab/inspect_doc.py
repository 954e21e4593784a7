"""The inspect document from what each host's dockerd said: pure, no SSH (inspect.py reads).

One host sees only part of the lab: its own containers and local networks, and, on a
manager, the swarm's services, tasks and nodes. This module joins those views into the one
document that docs/inspect.md describes, sorted so that the same lab gives the same bytes.
The join tokens a manager's snapshot carries are never read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modules.docker.releases import VERSIONS
from modules.docker.snapshot import Snapshot

SCHEMA = "swarmlab.inspect/v1"
SECRET = re.compile(r"SWMTKN-|SWMKEY-|\[secret\]")
TASK_LABEL = "com.docker.swarm.task.name"
TASK_ID_LABEL = "com.docker.swarm.task.id"
SERVICE_LABEL = "com.docker.swarm.service.name"


@dataclass(frozen=True)
class HostRead:
    """One lab host as the spec names it, and what its dockerd said (None: not reached)."""

    name: str
    address: str
    role: str
    snapshot: Snapshot | None
    error: str | None = None


def bare(address: str | None) -> str | None:
    """`10.0.2.7/24` -> `10.0.2.7`: the document holds addresses, subnets say the prefix."""
    return address.split("/", 1)[0] if address else None


def _manager_views(hosts: Sequence[HostRead]) -> list[Snapshot]:
    """The snapshots that hold the swarm's objects: managers that answered, in spec order."""
    return [h.snapshot for h in hosts if h.snapshot is not None and h.snapshot.info.get("ControlAvailable")]


def _ipam(net: Mapping[str, Any]) -> dict[str, Any]:
    configs = (net.get("IPAM") or {}).get("Config") or []
    # An IPv4 pool first when a network has both: the lab's addresses are IPv4.
    configs = sorted(configs, key=lambda c: ":" in str(c.get("Subnet", "")))
    return configs[0] if configs else {}


def _network(net: Mapping[str, Any], host: str | None, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """One network; a swarm macvlan's subnet and gateway live in its config-only network."""
    ipam = _ipam(config if config is not None else net)
    options = net.get("Options") or {}
    parent = options.get("parent") or ((config or {}).get("Options") or {}).get("parent")
    return {
        "name": net.get("Name", ""), "id": net.get("Id", ""), "driver": net.get("Driver", ""),
        "scope": net.get("Scope", ""), "host": host,
        "subnet": ipam.get("Subnet") or None, "gateway": ipam.get("Gateway") or None,
        # A swarm macvlan's range differs per host: its config-only networks show each.
        "ip_range": (ipam.get("IPRange") or None) if config is None else None,
        "encrypted": "encrypted" in options, "attachable": bool(net.get("Attachable")),
        "internal": bool(net.get("Internal")), "ingress": bool(net.get("Ingress")),
        "config_only": bool(net.get("ConfigOnly")),
        "config_from": (net.get("ConfigFrom") or {}).get("Network") or None,
        "parent": parent or None,
    }


def _answered(hosts: Sequence[HostRead]) -> list[tuple[str, Snapshot]]:
    """The hosts that answered, managers first (they know every swarm network), in spec order."""
    pairs = [(h.name, h.snapshot) for h in hosts if h.snapshot is not None]
    return sorted(pairs, key=lambda p: not p[1].info.get("ControlAvailable"))


def networks(hosts: Sequence[HostRead]) -> list[dict[str, Any]]:
    """Swarm networks once (host null), as a manager sees them; local ones once per host."""
    order = {h.name: i for i, h in enumerate(hosts)}
    answered = _answered(hosts)
    found: dict[tuple[str | None, str], dict[str, Any]] = {}
    for host, snap in answered:
        for net in snap.networks:
            key = (None if net.get("Scope") == "swarm" else host, str(net.get("Name", "")))
            if key not in found:
                source = (net.get("ConfigFrom") or {}).get("Network")
                found[key] = _network(net, key[0], _config_network(answered, source) if source else None)
    return sorted(found.values(), key=lambda n: (-1 if n["host"] is None else order[n["host"]], n["name"]))


def _config_network(answered: Iterable[tuple[str, Snapshot]], name: str) -> dict[str, Any] | None:
    """A config-only network by name: the same on every host but its IP range, so any will do."""
    # The lists, not Snapshot.network(): a host whose /networks failed simply offers none here.
    return next((net for _, snap in answered for net in snap.networks
                 if name in (net.get("Id"), net.get("Name"))), None)


def _net_names(views: Sequence[Snapshot]) -> dict[str, str]:
    return {str(n.get("Id")): str(n.get("Name")) for snap in views for n in snap.networks}


def _hostnames(managers: Sequence[Snapshot]) -> dict[str, str]:
    return {str(n["ID"]): str(n["Description"]["Hostname"]) for snap in managers[:1] for n in snap.nodes}


def nodes(hosts: Sequence[HostRead]) -> list[dict[str, Any]]:
    """The swarm's nodes, as the first manager that answered lists them: spec hosts in spec
    order, then any node the spec does not name."""
    managers = _manager_views(hosts)
    order = {h.name: i for i, h in enumerate(hosts)}
    found = []
    for node in managers[0].nodes if managers else []:
        status, spec = node.get("Status") or {}, node.get("Spec") or {}
        manager = node.get("ManagerStatus") or {}
        address = status.get("Addr") or ""
        if address in ("", "0.0.0.0") and manager.get("Addr"):
            address = str(manager["Addr"]).rsplit(":", 1)[0]
        found.append({
            "name": node["Description"]["Hostname"], "id": node.get("ID", ""), "address": address or None,
            "role": spec.get("Role", ""), "state": status.get("State", ""),
            "availability": spec.get("Availability", ""), "leader": bool(manager.get("Leader")),
            "engine_version": (node["Description"].get("Engine") or {}).get("EngineVersion") or None,
        })
    return sorted(found, key=lambda n: (order.get(n["name"], len(order)), n["name"], n["id"]))


def swarm(hosts: Sequence[HostRead], node_list: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    managers = _manager_views(hosts)
    cluster = (managers[0].info.get("Cluster") or {}).get("ID") if managers else None
    return {
        "cluster_id": cluster or None,
        "managers": sorted(n["name"] for n in node_list if n["role"] == "manager"),
        "workers": sorted(n["name"] for n in node_list if n["role"] == "worker"),
        "leader": next((n["name"] for n in node_list if n["leader"]), None),
    }


def _task_name(service: str, task: Mapping[str, Any]) -> str:
    """As `docker service ps` names a task: web.1, or web.<node id> for a global service."""
    return f"{service}.{task.get('Slot') or task.get('NodeID', '')}"


def _container_addresses(container: Mapping[str, Any]) -> dict[str, str | None]:
    """Its address on each network; null where it has none (the host and none networks)."""
    nets = (container.get("NetworkSettings") or {}).get("Networks") or {}
    return {name: bare(n.get("IPAddress")) for name, n in sorted(nets.items())}


def _container_name(container: Mapping[str, Any]) -> str:
    return str((container.get("Names") or [""])[0]).lstrip("/")


def short_task(name: str | None, task_id: str | None) -> str | None:
    """`web.1.<task id>` -> `web.1`, the name `docker service ps` shows."""
    if name and task_id and name.endswith(f".{task_id}"):
        return name[: -len(task_id) - 1]
    return name


def containers(hosts: Sequence[HostRead]) -> list[dict[str, Any]]:
    """Every container of every host that answered, hosts in spec order, names sorted."""
    found = []
    for host in hosts:
        for c in host.snapshot.containers if host.snapshot else []:
            labels = c.get("Labels") or {}
            task = short_task(labels.get(TASK_LABEL), labels.get(TASK_ID_LABEL))
            found.append({"host": host.name, "name": _container_name(c), "id": c.get("Id", ""),
                          "image": c.get("Image", ""), "state": c.get("State", ""),
                          "service": labels.get(SERVICE_LABEL) or None, "task": task or None,
                          "addresses": _container_addresses(c)})
    order = {h.name: i for i, h in enumerate(hosts)}
    return sorted(found, key=lambda c: (order[c["host"]], c["name"]))


def _service_networks(spec: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    attached = (spec.get("TaskTemplate") or {}).get("Networks") or spec.get("Networks") or []
    return sorted(names.get(a["Target"], a["Target"]) for a in attached)


def services(hosts: Sequence[HostRead]) -> list[dict[str, Any]]:
    """Every service with its VIPs and its tasks meant to run; a task's addresses are its
    container's when its host answered (a macvlan task's attachment names none)."""
    managers = _manager_views(hosts)
    if not managers:
        return []
    view = managers[0]
    names = _net_names([view, *(h.snapshot for h in hosts if h.snapshot is not None)])
    hostnames = _hostnames(managers)
    by_task = {c["Labels"][TASK_ID_LABEL]: (h.name, c) for h in hosts if h.snapshot
               for c in h.snapshot.containers if TASK_ID_LABEL in (c.get("Labels") or {})}
    found = []
    for svc in view.services:
        spec = svc.get("Spec") or {}
        name, mode = spec.get("Name", ""), spec.get("Mode") or {}
        endpoint = (spec.get("EndpointSpec") or {}).get("Mode") or \
            ((svc.get("Endpoint") or {}).get("Spec") or {}).get("Mode") or "vip"
        vips = {names.get(v["NetworkID"], v["NetworkID"]): bare(v.get("Addr"))
                for v in (svc.get("Endpoint") or {}).get("VirtualIPs") or []}
        tasks = []
        for task in (t for t in view.tasks if t.get("ServiceID") == svc.get("ID")):
            addresses = {a["Network"]["Spec"]["Name"]: bare((a.get("Addresses") or [None])[0])
                         for a in task.get("NetworksAttachments") or []}
            held = by_task.get(str(task.get("ID")))
            if held is not None:
                addresses.update({k: v for k, v in _container_addresses(held[1]).items() if v})
            tasks.append({"name": _task_name(name, task), "id": task.get("ID", ""),
                          "node": hostnames.get(task.get("NodeID", "")) or task.get("NodeID") or None,
                          "state": (task.get("Status") or {}).get("State", ""),
                          "container": _container_name(held[1]) if held else None,
                          "addresses": dict(sorted(addresses.items()))})
        found.append({
            "name": name, "id": svc.get("ID", ""),
            "image": ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", ""),
            "mode": "global" if "Global" in mode else "replicated",
            "replicas": (mode.get("Replicated") or {}).get("Replicas"),
            "endpoint_mode": endpoint, "networks": _service_networks(spec, names),
            "vips": dict(sorted(vips.items())),
            "tasks": sorted(tasks, key=_task_order),
        })
    return sorted(found, key=lambda s: s["name"])


def _task_order(task: Mapping[str, Any]) -> tuple[int, str, str]:
    """web.2 before web.10; then by node, then by id."""
    slot = task["name"].rsplit(".", 1)[-1]
    return (int(slot) if slot.isdigit() else 0, str(task["node"] or ""), task["id"])


def host_entries(hosts: Sequence[HostRead]) -> list[dict[str, Any]]:
    """The spec's hosts, each with whether it answered, its own view of its swarm state, and
    what it runs (engine, containerd, runc, kernel)."""
    return [{"name": h.name, "address": h.address, "role": h.role, "reachable": h.snapshot is not None,
             "swarm": (h.snapshot.info.get("LocalNodeState") or None) if h.snapshot else None,
             "versions": ({k: h.snapshot.versions.get(k) or None for k in sorted(VERSIONS)}
                          if h.snapshot else None),
             "error": h.error} for h in hosts]


def build(lab: Mapping[str, Any], lan: Mapping[str, str], hosts: Sequence[HostRead]) -> dict[str, Any]:
    """The whole document; a secret in it (it should never hold one) is an error, not output."""
    node_list = nodes(hosts)
    doc = {
        "schema": SCHEMA,
        "lab": {"name": lab.get("name"), "backend": lab.get("backend"), "stack": lab.get("stack"),
                "faults": lab.get("faults") or {"partitions": [], "impaired": {}},
                "links": dict(lab.get("links") or {})},
        "lan": {"subnet": lan["subnet"], "gateway": lan["gateway"]},
        "hosts": host_entries(hosts),
        "swarm": swarm(hosts, node_list),
        "nodes": node_list,
        "networks": networks(hosts),
        "services": services(hosts),
        "containers": containers(hosts),
    }
    check_no_secret(repr(doc))
    return doc


def check_no_secret(text: str) -> None:
    """Refuse output that would show a join token, an unlock key or their stand-in."""
    if SECRET.search(text):
        raise ValueError("a swarm join token or unlock key would appear in the output; refusing to show it")
