"""Swarm nodes, as a manager sees them, and a node's own view of its ingress network."""

from __future__ import annotations

import json
from typing import Any

from modules.docker.cli import docker, inspect, inspect_all, json_lines, not_found
from modules.ssh import RemoteError, SharedReads, Target, polls, retry, run

# Every joining node waits on the manager's view of it. Polled by each for itself, 31 joins
# kept the manager's dockerd and its 8 SSH sessions busy (each join of a 32-node lab took
# 35-39 s); one read of that view at a time now serves every join that asks meanwhile.
MANAGER_VIEW = SharedReads(max_age=0.1)


def node_inspect(manager: Target, node_id: str) -> dict[str, Any] | None:
    return inspect(manager, "node", node_id)


def node_states(manager: Target) -> dict[str, str]:
    """Every node's status as the manager lists it (`Ready`, `Down`, ...), by node ID; one
    read shared by the nodes waiting at the same moment."""
    def read() -> dict[str, str]:
        rows = json_lines(docker(manager, ["node", "ls", "--format", "{{json .}}"]))
        return {row["ID"]: row["Status"] for row in rows}
    return MANAGER_VIEW.get((manager.label, "node states"), read)


def wait_ready(manager: Target, node_id: str, timeout: float | None = None) -> dict[str, Any]:
    timeout = timeout or manager.command_timeout
    state = "unknown to the manager"
    for _ in polls(timeout):
        state = node_states(manager).get(node_id, state)
        if state == "Ready":
            node = node_inspect(manager, node_id)
            if node and node["Status"]["State"] == "ready":
                return node
    raise RemoteError(f"node {node_id} did not become ready within {timeout:g}s (state: "
                      f"{state.lower()})")


def set_availability(manager: Target, node_id: str, availability: str) -> None:
    docker(manager, ["node", "update", "--availability", availability, "--", node_id])


def stale(manager: Target, hostname: str, address: str, keep_id: str) -> list[str]:
    """IDs of the entries a node that left and joined again leaves behind: other nodes with its
    hostname that are down, or that still show its address (the manager has not yet noticed
    the old one is gone; one machine cannot be two nodes). A different machine that merely
    shares the hostname (cloned VMs) has another address and stays."""
    others = [i for i in docker(manager, ["node", "ls", "-q", "--filter", f"name={hostname}"]).split()
              if i != keep_id]
    return [node["ID"] for node in inspect_all(manager, "node", others)
            if node["Description"]["Hostname"] == hostname
            and (node["Status"]["State"] == "down" or node["Status"].get("Addr") == address)]


def _change(manager: Target, verb: list[str], node_id: str) -> None:
    """`docker node <verb...> -- <id>` on a manager, retried while transient; a node already
    gone has nothing left to change."""
    try:
        retry(lambda: docker(manager, ["node", *verb, "--", node_id]))
    except RemoteError as err:
        if not not_found(err):
            raise


def demote(manager: Target, node_id: str) -> None:
    """Make a manager a worker, through the leader: the raft group shrinks by one while it
    keeps its quorum. Managers that left with `swarm leave --force` instead, several at
    once, took the quorum with them, and the leader could remove no node after that ("node
    lost leader status")."""
    _change(manager, ["demote"], node_id)


def rm(manager: Target, node_id: str) -> None:
    _change(manager, ["rm", "--force"], node_id)


def ingress_ready(target: Target) -> bool:
    """The node has set up its ingress network: its load-balancer sandbox exists only once
    the node has joined the network's gossip (NetworkDB) and finished the bulk sync that
    joining starts. Tasks scheduled before that start their own network joins on top of it,
    and colliding bulk syncs stall a task for 30 s ("Bulk sync to node ... timed out")."""
    net = inspect(target, "network", "ingress")
    return "ingress-sbox" in ((net or {}).get("Containers") or {})


def wait_ingress(target: Target, timeout: float | None = None) -> None:
    timeout = timeout or target.command_timeout
    for _ in polls(timeout):
        if ingress_ready(target):
            return
    raise RemoteError(f"{target.label}: the ingress network is not set up {timeout:g}s after "
                      "joining the swarm (no ingress-sbox); see its dockerd log")


def ingress_peers(manager: Target) -> set[str]:
    """The addresses the manager's ingress gossip (NetworkDB) knows as peers; one read shared
    by the nodes waiting at the same moment."""
    def read() -> set[str]:
        out = docker(manager, ["network", "inspect", "--verbose", "--format", "{{json .Peers}}",
                               "--", "ingress"], check=False)
        try:
            return {p.get("IP", "") for p in json.loads(out or "null") or []}
        except ValueError:
            return set()
    return MANAGER_VIEW.get((manager.label, "ingress peers"), read)


GOSSIP_PORT = 7946


def gossip_port_held(target: Target) -> bool:
    return bool(run(target, f"ss -Hltn 'sport = :{GOSSIP_PORT}'").stdout.strip())


def wait_gossip_port_free(target: Target, timeout: float = 10) -> None:
    """Before a join: a node in no swarm must not listen on the gossip port. When the gossip
    leave broadcast of its last `swarm leave` timed out, Docker 20.10 logs "Could not close
    DB: timeout waiting for leave broadcast" and never shuts that listener down; joined so,
    the node's new gossip cannot bind the port, and it never becomes a peer. Only a dockerd
    restart frees it, so the join is refused at once, saying so, instead of failing its wait
    for gossip 120 s later."""
    for _ in polls(timeout):
        if not gossip_port_held(target):
            return
    raise RemoteError(
        f"{target.label}: dockerd still listens on the gossip port {GOSSIP_PORT} although the "
        f"node is in no swarm ({timeout:g}s after it left): Docker did not close its last "
        "gossip (its log: 'Could not close DB: timeout waiting for leave broadcast'), and a "
        "node joined so never gossips. Restart that dockerd, then run `pulumi up` again")


def wait_gossip(manager: Target, target: Target, timeout: float | None = None) -> None:
    """Until the node has set up its ingress and the manager counts it as an ingress peer:
    then its network joins and the manager's are in step, and tasks can start on it."""
    timeout = timeout or target.command_timeout
    for _ in polls(timeout):
        # The manager's view first: shared with the other joins, it spares the node's own
        # read until it can pass.
        if target.address in ingress_peers(manager) and ingress_ready(target):
            return
    raise RemoteError(f"{target.label}: not an ingress peer of {manager.label} {timeout:g}s after "
                      "joining the swarm; see both dockerd logs")
