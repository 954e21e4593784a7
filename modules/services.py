"""The seed's swarm services: a web server and a client per swarm network."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.config import LabSpec
from modules.providers import Network, Service
from modules.targets import target_for


@dataclass
class SwarmServicesArgs:
    spec: LabSpec
    """The validated lab: services, their networks, nodes and the endpoint mode."""
    networks: dict[str, Network]
    """The swarm networks by name; services attach by network ID, never by name."""
    membership: dict[str, pulumi.Resource]
    """Per host, the resource that puts it in the swarm: a service waits for its node's."""


class SwarmServices(pulumi.ComponentResource):
    """`docker service create --name web --network myoverlay ...`, each pinned to its node
    (`--constraint node.hostname==...`) so that web and app sit on different hosts and
    their traffic crosses the LAN, as in the seed."""

    def __init__(self, name: str, args: SwarmServicesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:services:SwarmServices", name, None, opts)
        spec = args.spec
        leader = target_for(spec, spec.leader)
        self.by_name: dict[str, Service] = {}
        for svc in spec.services:
            network = args.networks[svc.network]
            self.by_name[svc.name] = Service(
                f"{name}-{svc.name}", leader, svc.name, svc.image, list(svc.command),
                networks=[network.network_id], constraints=[f"node.hostname=={svc.node}"],
                endpoint_mode=spec.endpoint_mode, replicas=svc.replicas,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[
                    network, args.membership[svc.node]]))
        self.tasks = {n: s.tasks for n, s in self.by_name.items()}
        self.register_outputs({"tasks": self.tasks})
