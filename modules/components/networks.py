"""The swarm's networks: the seed's overlays and a swarm-scoped macvlan."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.docker.network import NetworkSettings
from modules.providers.network import Network
from modules.spec import LabSpec
from modules.ssh import Target


@dataclass
class SwarmNetworksArgs:
    spec: LabSpec
    """The validated lab: overlays, macvlan parent and per-host ranges."""
    swarm_init: pulumi.Resource
    """The swarm's init: swarm-scoped networks are made on the leader once it is a manager."""
    preflight: pulumi.Resource
    """The hosts' read-only checks: nothing changes on a host before they pass."""


class SwarmNetworks(pulumi.ComponentResource):
    """`docker network create -d overlay` (plain and `-o encrypted`) on the leader, and the
    seed's `mymacvlan`: one `--config-only` network per node with that node's own --ip-range
    (so two nodes never hand out the same address), then one `-d macvlan --scope swarm
    --config-from` network on the leader that swarm services can use.
    """

    def __init__(self, name: str, args: SwarmNetworksArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:networks:SwarmNetworks", name, None, opts)
        spec = args.spec
        leader = Target.for_host(spec, spec.leader)
        # Swarm networks live in the managers' raft store: they need the init, not the joins.
        after_swarm = pulumi.ResourceOptions(parent=self, depends_on=[args.swarm_init])
        self.by_name: dict[str, Network] = {}
        for overlay in spec.overlays:
            self.by_name[overlay.name] = Network(
                f"{name}-{overlay.name}", leader, NetworkSettings(
                    overlay.name, driver="overlay", attachable=True, subnet=overlay.subnet,
                    options={"encrypted": ""} if overlay.encrypted else {}),
                opts=after_swarm)
        macvlan = spec.macvlan
        self.macvlan_configs: dict[str, Network] = {}
        for host in spec.hosts:
            self.macvlan_configs[host.name] = Network(
                f"{name}-{macvlan.config_name}-{host.name}", Target.for_host(spec, host),
                NetworkSettings(macvlan.config_name, config_only=True, subnet=spec.lan_subnet,
                                gateway=spec.lan_gateway, ip_range=macvlan.ranges[host.name],
                                options={"parent": macvlan.parent}),
                # Local networks need no swarm; independent of it, they are made in parallel
                # with the swarm, and a config network Docker refuses to remove
                # (moby/moby#35101) does not block the swarm's own teardown.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.preflight]))
        self.by_name[macvlan.name] = Network(
            f"{name}-{macvlan.name}", leader, NetworkSettings(
                macvlan.name, driver="macvlan", scope="swarm", config_from=macvlan.config_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[
                args.swarm_init, *self.macvlan_configs.values()]))
        self.register_outputs({"ids": {n: net.network_id for n, net in self.by_name.items()}})
