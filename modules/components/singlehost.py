"""The seed's single-host networks on one node: bridge, custom bridges, host, none."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.providers.container import Container
from modules.providers.network import Network
from modules.spec import HostSpec, LabSpec, content
from modules.ssh import Target


@dataclass
class SingleHostDemosArgs:
    spec: LabSpec
    """The validated lab: the image and the SSH settings."""
    host: HostSpec
    """The node these demos run on (through that node's own daemon)."""


class SingleHostDemos(pulumi.ComponentResource):
    """On one node, the seed's single-host lesson (modules.spec.content.demo_containers):
    the default bridge, `docker network create mynetwork` and `myappnet`, host and none."""

    def __init__(self, name: str, args: SingleHostDemosArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:singlehost:SingleHostDemos", name, None, opts)
        spec, host = args.spec, args.host
        target = Target.for_host(spec, host)
        self.networks: dict[str, Network] = {
            net: Network(f"{name}-{net}", target, NetworkSettings(net),
                         opts=pulumi.ResourceOptions(parent=self))
            for net in content.DEMO_NETWORKS
        }
        self.containers: dict[str, Container] = {}
        for demo in content.demo_containers(host.address):
            own = self.networks.get(demo.network)
            self.containers[demo.name] = Container(
                f"{name}-{demo.name}", target,
                ContainerSettings(demo.name, spec.image, demo.network, list(demo.command)),
                network=own.network_id if own else demo.network,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[own] if own else []))
        self.addresses = {n: c.addresses for n, c in self.containers.items()}
        self.register_outputs({"addresses": self.addresses})
