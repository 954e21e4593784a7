"""The swarm itself: init on the first manager, every other node joins."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.providers.swarm_init import SwarmInit
from modules.providers.swarm_join import SwarmJoin
from modules.spec import LabSpec
from modules.ssh import Target


@dataclass
class SwarmArgs:
    spec: LabSpec
    """The validated lab: hosts with roles, SSH settings, hardening."""
    preflight: pulumi.Resource
    """The hosts' read-only checks: nothing changes on a host before they pass."""


class Swarm(pulumi.ComponentResource):
    """`docker swarm init --advertise-addr <leader>` and `docker swarm join` of every other node.

    Joins depend only on the init, so the engine runs them in parallel.
    """

    def __init__(self, name: str, args: SwarmArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:swarm:Swarm", name, None, opts)
        spec = args.spec
        leader = spec.leader
        leader_target = Target.for_host(spec, leader)
        hardening = {"autolock": spec.hardening.autolock,
                     "cert_expiry": spec.hardening.cert_expiry or "",
                     "token_rotation": spec.hardening.token_rotation}
        self.init = SwarmInit(f"{name}-init-{leader.name}", leader_target, leader.address,
                              hardening, pulumi.ResourceOptions(parent=self,
                                                                depends_on=[args.preflight]))
        self.cluster_id: pulumi.Output[str] = self.init.cluster_id
        self.worker_token: pulumi.Output[str] = pulumi.Output.secret(self.init.worker_token)
        self.manager_token: pulumi.Output[str] = pulumi.Output.secret(self.init.manager_token)
        self.unlock_key: pulumi.Output[str] = pulumi.Output.secret(self.init.unlock_key)
        self.joins: dict[str, SwarmJoin] = {}
        for host in spec.hosts:
            if host is leader:
                continue
            token = self.manager_token if host.role == "manager" else self.worker_token
            self.joins[host.name] = SwarmJoin(
                f"{name}-join-{host.name}", Target.for_host(spec, host), leader_target, token,
                advertise_addr=host.address, manager_addr=leader.address, role=host.role,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.init]),
            )
        # What later resources wait for: per host, the resource that puts it in the swarm.
        # Each waits only for the hosts it uses, so one slow join holds up nothing else.
        self.membership: dict[str, pulumi.Resource] = {leader.name: self.init, **self.joins}
        self.node_ids: dict[str, pulumi.Output[str]] = {
            leader.name: self.init.node_id, **{h: j.node_id for h, j in self.joins.items()}}
        self.register_outputs({"cluster_id": self.cluster_id})
