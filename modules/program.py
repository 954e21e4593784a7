"""The lab as one Pulumi program: the swarm, its networks, its services, the single-host
demos, the stack's link impairment and the readiness gate, and the outputs
(modules.outputs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from modules import outputs, preflight
from modules.components.links import Links, LinksArgs
from modules.components.networks import SwarmNetworks, SwarmNetworksArgs
from modules.components.readiness import LabReadiness, LabReadinessArgs
from modules.components.services import SwarmServices, SwarmServicesArgs
from modules.components.singlehost import SingleHostDemos, SingleHostDemosArgs
from modules.components.swarm import Swarm, SwarmArgs
from modules.providers.preflight import Preflight
from modules.spec import ConfigError, LabSpec
from modules.spec.pulumi_config import load_spec
from modules.ssh import Target


@dataclass
class Lab:
    spec: LabSpec
    swarm: Swarm
    networks: SwarmNetworks
    services: SwarmServices
    demos: dict[str, SingleHostDemos]
    links: Links | None
    """None when the stack impairs no host (swarmlab:links is empty)."""
    readiness: LabReadiness


def build(spec: LabSpec) -> Lab:
    """Declare every resource of the lab."""
    gate = Preflight("preflight", {h.name: Target.for_host(spec, h) for h in spec.hosts},
                     {h.name: h.role for h in spec.hosts}, spec.macvlan.parent,
                     preflight.images_by_host(spec), netem=list(spec.links))
    swarm = Swarm("swarm", SwarmArgs(spec, gate))
    networks = SwarmNetworks("net", SwarmNetworksArgs(spec, swarm.init, gate))
    services = SwarmServices("svc", SwarmServicesArgs(spec, networks.by_name, swarm.membership))
    demos = {
        name: SingleHostDemos(f"demo-{name}", SingleHostDemosArgs(spec, spec.host(name)),
                              pulumi.ResourceOptions(depends_on=[swarm.membership[name]]))
        for name in spec.single_host_nodes
    }
    links = Links("links", LinksArgs(spec, gate)) if spec.links else None
    built: list[pulumi.Resource] = [*services.by_name.values(), *demos.values(),
                                    *(links.by_host.values() if links else ())]
    readiness = LabReadiness("ready", LabReadinessArgs(spec, built))
    return Lab(spec, swarm, networks, services, demos, links, readiness)


def values(lab: Lab) -> dict[str, Any]:
    """Every stack output (modules.outputs.LabOutputs, and the secrets)."""
    spec = lab.spec
    return {
        "clusterId": lab.swarm.cluster_id,
        "nodes": {h.name: {"id": lab.swarm.node_ids[h.name], "role": h.role, "address": h.address}
                  for h in spec.hosts},
        "networks": {name: {"id": net.network_id, "driver": net.actual_driver,
                            "scope": net.actual_scope, "subnet": net.actual_subnet,
                            "gateway": net.actual_gateway, "encrypted": net.encrypted}
                     for name, net in lab.networks.by_name.items()},
        "services": lab.services.tasks,
        "singleHost": {name: demo.addresses for name, demo in lab.demos.items()},
        "ready": {"passed": lab.readiness.gate.passed, "skipped": lab.readiness.gate.skipped},
        "workerJoinToken": lab.swarm.worker_token,
        "managerJoinToken": lab.swarm.manager_token,
        "unlockKey": lab.swarm.unlock_key,
    }


def main(root: Path) -> None:
    """Validate the stack (before any SSH connection), then declare the lab and export its
    outputs. Every host is checked before anything changes on it: in an update by the
    Preflight resource, which everything waits for; in a preview, which creates nothing,
    here."""
    try:
        spec = load_spec(root)
    except ConfigError as err:
        # RunError: the message alone, no traceback; nothing has been touched yet.
        raise pulumi.RunError(str(err)) from None
    if pulumi.runtime.is_dry_run():
        problems = preflight.check_all(spec)
        if problems:
            raise pulumi.RunError("preflight found problems; nothing was changed:\n  - "
                                  + "\n  - ".join(problems))
    outputs.export(values(build(spec)))
