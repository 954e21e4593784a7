"""The stack outputs that stand in for `docker network inspect`: who sits on which network.

Read from every host after the lab is built (never during preview), because
an overlay's inspect on one host only lists that host's containers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from modules import dockercli as d
from modules.config import LabSpec
from modules.remote import Target
from modules.targets import target_for


def attachments(spec: LabSpec, network_names: list[str]) -> dict[str, list[dict[str, str]]]:
    """Per network name: every container or task on it, with its address and host."""

    def on_host(host_name: str) -> list[tuple[str, dict[str, str]]]:
        target = Target.from_dict(target_for(spec, spec.host(host_name)))
        found: list[tuple[str, dict[str, str]]] = []
        # One round trip per host for all networks (a network missing there is just absent).
        for net in d.inspect_all(target, "network", network_names):
            net_name = net["Name"]
            for entry in (net.get("Containers") or {}).values():
                name = entry.get("Name", "")
                if not name or name.endswith(("-sbox", "-endpoint")) or name.startswith("lb-"):
                    continue  # the overlay's own load-balancer endpoint, not a workload
                found.append((net_name, {"name": entry["Name"], "host": host_name,
                                         "address": entry.get("IPv4Address", "")}))
        return found

    result: dict[str, list[dict[str, str]]] = {n: [] for n in network_names}
    with ThreadPoolExecutor(max_workers=max(1, len(spec.hosts))) as pool:
        for rows in pool.map(on_host, [h.name for h in spec.hosts]):
            for net_name, row in rows:
                result[net_name].append(row)
    for attached in result.values():
        attached.sort(key=lambda r: (r["host"], r["name"]))
    return result


def network_outputs(summaries: dict[str, dict[str, Any]],
                    attached: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, Any]]:
    """Swarm networks with their summary; single-host ones (per node) with attachments only."""
    names = list(summaries) + [n for n in attached if n not in summaries]
    return {name: {**summaries.get(name, {"scope": "local"}), "attached": attached.get(name, [])}
            for name in names}
