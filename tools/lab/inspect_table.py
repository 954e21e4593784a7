"""The inspect document as plain-text tables for a terminal: hosts and nodes, networks,
services with their tasks, containers with their addresses. Pure: it reads only the document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.docker.releases import VERSIONS
from modules.spec.links import Impairment
from tools.lab.summary import table

NONE = "-"


def _addresses(addresses: Mapping[str, str | None]) -> str:
    """`myoverlay=10.0.2.7, host=-`: every network, and a dash where there is no address."""
    return ", ".join(f"{net}={addr or NONE}" for net, addr in addresses.items()) or NONE


def _flags(net: Mapping[str, Any]) -> str:
    names = ("encrypted", "attachable", "internal", "ingress", "config_only")
    flags = [name.replace("_", "-") for name in names if net.get(name)]
    if net.get("config_from"):
        flags.append(f"config-from={net['config_from']}")
    if net.get("parent"):
        flags.append(f"parent={net['parent']}")
    return " ".join(flags)


def _heading(doc: Mapping[str, Any]) -> str:
    lab, lan, swarm = doc["lab"], doc["lan"], doc["swarm"]
    how = ", ".join(f"{k} {lab[k]}" for k in ("backend", "stack") if lab.get(k))
    cluster = (f"swarm {str(swarm['cluster_id'])[:12]}" if swarm.get("cluster_id")
               else "no swarm manager answered")
    heading = (f"Lab {lab['name']}" + (f" ({how})" if how else "")
               + f" · LAN {lan['subnet']} gw {lan['gateway']} · {cluster}"
               + (f", leader {swarm['leader']}" if swarm.get("leader") else ""))
    links = lab.get("links") or {}
    if links:
        heading += "\nlinks (stack): " + ", ".join(
            f"{host} ({Impairment(**values).said()})" for host, values in links.items())
    return heading


def _hosts(doc: Mapping[str, Any]) -> str:
    nodes = {n["name"]: n for n in doc["nodes"]}

    def runs(h: Mapping[str, Any]) -> list[str]:
        versions = h.get("versions") or {}
        return [versions.get("engine") or nodes.get(h["name"], {}).get("engine_version") or NONE,
                *(versions.get(k) or NONE for k in VERSIONS if k != "engine")]
    rows = [[h["name"], h["address"], h["role"],
             (h["swarm"] or NONE) if h["reachable"] else f"UNREACHABLE: {h['error']}",
             nodes.get(h["name"], {}).get("state") or NONE,
             nodes.get(h["name"], {}).get("availability") or NONE,
             "yes" if nodes.get(h["name"], {}).get("leader") else "", *runs(h)]
            for h in doc["hosts"]]
    rows += [[n["name"], n["address"] or NONE, n["role"], "(not in the spec)", n["state"], n["availability"],
              "yes" if n["leader"] else "", n["engine_version"] or NONE, NONE, NONE, NONE]
             for n in doc["nodes"] if n["name"] not in {h["name"] for h in doc["hosts"]}]
    return table(["HOST", "ADDRESS", "ROLE", "SWARM", "NODE", "AVAILABILITY", "LEADER", "ENGINE",
                  "CONTAINERD", "RUNC", "KERNEL"], rows)


def _networks(doc: Mapping[str, Any]) -> str:
    rows = [[n["name"], n["host"] or "(swarm)", n["driver"], n["scope"], n["subnet"] or NONE,
             n["gateway"] or NONE, _flags(n)] for n in doc["networks"]]
    return table(["NETWORK", "HOST", "DRIVER", "SCOPE", "SUBNET", "GATEWAY", "FLAGS"], rows)


def _services(doc: Mapping[str, Any]) -> str:
    rows: list[list[str]] = []
    for svc in doc["services"]:
        running = sum(t["state"] == "running" for t in svc["tasks"])
        wanted = svc["replicas"] if svc["mode"] == "replicated" else "global"
        vips = _addresses(svc["vips"]) if svc["vips"] else NONE
        rows.append([svc["name"], f"{running}/{wanted}", svc["endpoint_mode"], ", ".join(svc["networks"]),
                     f"vip {vips}"])
        rows += [[f"  {t['name']}", t["state"], t["node"] or NONE, "", _addresses(t["addresses"])]
                 for t in svc["tasks"]]
    return table(["SERVICE / TASK", "RUNNING", "ENDPOINT / NODE", "NETWORKS", "ADDRESSES"], rows)


def _containers(doc: Mapping[str, Any]) -> str:
    rows = [[c["host"], c["task"] or c["name"], c["state"], c["service"] or NONE, _addresses(c["addresses"])]
            for c in doc["containers"]]
    return table(["HOST", "CONTAINER", "STATE", "SERVICE", "ADDRESSES"], rows)


def render_table(doc: Mapping[str, Any]) -> str:
    """The document as a heading and four tables, separated by blank lines."""
    return "\n\n".join([_heading(doc), _hosts(doc), _networks(doc), _services(doc), _containers(doc)])
