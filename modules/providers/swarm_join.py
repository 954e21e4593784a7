"""`docker swarm join` of one node; destroy leaves and removes the node."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider

from modules.docker import container, node, service, snapshot, swarm
from modules.providers.base import LabResource, changes_hosts, diff, settling, target_of
from modules.ssh import RemoteError, Target, TransientError, retry


@changes_hosts
class SwarmJoinProvider(ResourceProvider):
    def _member_of(self, manager: Target, info: dict[str, Any]) -> bool:
        node_id = str(info.get("NodeID") or "")
        return bool(node_id) and node.node_inspect(manager, node_id) is not None

    def _join(self, props: dict[str, Any], target: Target, manager: Target) -> bool:
        """Join unless already in; True when this call joined."""
        joined = False

        def attempt() -> None:
            nonlocal joined
            info = swarm.info(target)
            state = info.get("LocalNodeState")
            if state == "active":
                if self._member_of(manager, info):
                    return  # already in this swarm: nothing to do
                raise RemoteError(
                    f"{target.label} is already in another swarm; run `docker swarm leave "
                    f"--force` on {target.name} and `pulumi up` again")
            if state in ("pending", "error", "locked"):
                # A join that timed out leaves the node pending: reset it, then join again.
                swarm.leave(target)
            node.wait_gossip_port_free(target)
            # Drained until its gossip has settled (below): tasks of services pinned to it
            # (a node that rejoins) would otherwise start their network joins while the
            # node's own ingress join is still syncing.
            swarm.join(target, props["token"], props["advertise_addr"], props["manager_addr"],
                       availability="drain")
            joined = True

        retry(attempt, attempts=3, delay=1.0)
        return joined

    def _outs(self, props: dict[str, Any], target: Target, manager: Target) -> dict[str, Any]:
        info = retry(lambda: swarm.info(target))
        found = node.wait_ready(manager, info["NodeID"])
        outs = {k: v for k, v in props.items() if k != "token"}
        return {**outs, "node_id": info["NodeID"], "hostname": found["Description"]["Hostname"],
                "state": found["Status"]["State"]}

    def _activate(self, manager: Target, node_id: str, hostname: str) -> None:
        """Let tasks onto the node, one service at a time.

        A node that joins again finds the services pinned to it waiting: made active, it would
        start all their tasks at once, and each first task on a swarm network makes the node
        join that network's gossip. Docker 20.10 answers concurrent joins' bulk syncs in one
        slot per peer, so all but one wait out a 30 s timeout (see SwarmServices). The lab's
        own services pinned here are held at 0 replicas and given back one by one instead."""
        held = service.pinned_to(manager, hostname)
        for ident, _ in held:
            service.scale(manager, ident, 0)
        node.set_availability(manager, node_id, "active")
        for ident, count in held:
            service.scale(manager, ident, count)
            service.wait_running(manager, ident, count)

    def create(self, props: dict[str, Any]) -> CreateResult:
        target, manager = target_of(props), target_of(props, "manager")
        rejoined = self._join(props, target, manager)
        if rejoined:
            # A node that was in a swarm before lost its local networks' DNS records then.
            container.register_names_again(target)
        outs = self._outs(props, target, manager)
        node.wait_gossip(manager, target)
        # A node that left (drift) and joined again is a new node; its old entry stays in
        # `docker node ls` ("Ready" until the manager's heartbeat notices, then "Down"). Drained
        # at once, so that no task goes to it, and removed by force after the activation:
        # nothing answers for that ID any more, so waiting for "Down" would only cost time.
        stale = node.stale(manager, outs["hostname"], props["advertise_addr"], outs["node_id"])
        for old in stale:
            node.set_availability(manager, old, "drain")
        self._activate(manager, outs["node_id"], outs["hostname"])
        for old in stale:
            node.rm(manager, old)
        return CreateResult(outs["node_id"], outs)

    @settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target, manager = target_of(props), target_of(props, "manager")
        info = snapshot.of(target).swarm_info(target.label)
        if info.get("LocalNodeState") == "pending" and info.get("NodeID") == id_:
            # Still this node, reconnecting (its dockerd came back while the swarm elects):
            # read as gone, it would drop out of the state and a destroy leave it in.
            raise TransientError(f"{target.label}: still reconnecting to its swarm (pending)")
        if info.get("LocalNodeState") != "active" or info.get("NodeID") != id_:
            return ReadResult("", {})
        found = snapshot.of(manager).node(id_)
        if found is None:
            return ReadResult("", {})
        outs = {k: v for k, v in props.items() if k != "token"}
        return ReadResult(id_, {**outs, "state": found["Status"]["State"]})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A rotated token does not move a node that is already in: it is not compared.
        return diff(olds, news, ("target", "manager", "advertise_addr", "manager_addr", "role"))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        target, manager = target_of(props), target_of(props, "manager")
        if props.get("role") == "manager":
            node.demote(manager, id_)
        # "context deadline exceeded" (a dockerd that just came back, or one that gave up on its
        # agent) is handled by swarm.leave itself; other transient answers are retried here.
        retry(lambda: swarm.leave(target), attempts=5, delay=1.0)
        node.rm(manager, id_)


class SwarmJoin(LabResource):
    node_id: pulumi.Output[str]
    hostname: pulumi.Output[str]
    state: pulumi.Output[str]

    def __init__(self, name: str, target: Target, manager: Target, token: pulumi.Input[str],
                 advertise_addr: str, manager_addr: str, role: str,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SwarmJoinProvider(), name,
                         {"target": target.as_dict(), "manager": manager.as_dict(),
                          "token": pulumi.Output.secret(token), "advertise_addr": advertise_addr,
                          "manager_addr": manager_addr, "role": role},
                         opts)
