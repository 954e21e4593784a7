"""The seed's swarm services: a web server and a client per swarm network."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.docker.service import ServiceSettings
from modules.providers.network import Network
from modules.providers.service import Service
from modules.spec import LabSpec
from modules.ssh import Target


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
    their traffic crosses the LAN, as in the seed.

    On one node the services start one after the other (each create returns once its tasks
    run). A task that is the first on its node to use a swarm network makes the node join
    that network's gossip, which starts a bulk sync with every peer and waits for its answer.
    Docker 20.10 keeps one answer slot per peer, so two joins at once overwrite each other's
    and one waits out a 30 s timeout ("Bulk sync to node ... timed out"; fixed upstream in
    moby/moby#52862): in about one fresh lab in three here, before this ordering.
    """

    def __init__(self, name: str, args: SwarmServicesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:services:SwarmServices", name, None, opts)
        spec = args.spec
        leader = Target.for_host(spec, spec.leader)
        self.by_name: dict[str, Service] = {}
        previous_on_node: dict[str, Service] = {}
        for svc in spec.services:
            network = args.networks[svc.network]
            after = [network, args.membership[svc.node]]
            if svc.node in previous_on_node:
                after.append(previous_on_node[svc.node])
            self.by_name[svc.name] = Service(
                f"{name}-{svc.name}", leader, ServiceSettings(
                    svc.name, svc.image, list(svc.command),
                    constraints=[f"node.hostname=={svc.node}"], endpoint_mode=spec.endpoint_mode,
                    replicas=svc.replicas),
                networks=[network.network_id],
                opts=pulumi.ResourceOptions(parent=self, depends_on=after))
            previous_on_node[svc.node] = self.by_name[svc.name]
        self.tasks = {n: s.tasks for n, s in self.by_name.items()}
        self.register_outputs({"tasks": self.tasks})
