"""What a host's dockerd holds, read in one round trip and shared by the reads of a refresh.

A refresh reads every resource at once: one `docker ... inspect` per resource is dozens of
SSH commands, each a docker CLI process on a small host. A snapshot asks the Engine API for
the node's swarm state, networks and containers (on a manager also its services, their
running tasks, its nodes and the join tokens), all requests pipelined on one connection:
one docker process per host. The reads of one refresh share it; it lives a few seconds and
a change made through this process drops it, so no read sees a host as it was before.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from modules.docker import engine, releases, swarm
from modules.ssh import Target, TransientError

TTL = 3.0
RUNNING = quote(json.dumps({"desired-state": ["running"]}))
REQUESTS = {
    "info": "/info",
    "networks": "/networks",
    "containers": "/containers/json?all=1",
    # A worker answers these with 503 "not a swarm manager": it has none of them.
    "services": "/services",
    "tasks": f"/tasks?filters={RUNNING}",
    "nodes": "/nodes",
    "swarm": "/swarm",
}
# What the host runs: no read of a refresh needs it, `make inspect` asks for it.
VERSION = "/version"
# How dockerd refuses a swarm request on a worker and on a node in no swarm: it has none of
# them. Not its third refusal, "Manager is being prepared or has trouble connecting to the
# cluster": that manager has them, it cannot tell yet.
NOT_A_MANAGER = ("Worker nodes can't be used to view or modify cluster state",
                 'Use "docker swarm init" or "docker swarm join"')


@dataclass
class Snapshot:
    info: dict[str, Any]
    """docker info's Swarm section."""
    networks: list[dict[str, Any]]
    containers: list[dict[str, Any]]
    """Container summaries (GET /containers/json): Id, Names, State, NetworkSettings."""
    services: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    """A manager's join tokens (secrets: kept in memory only)."""
    versions: dict[str, str] = field(default_factory=dict)
    """With `versions` asked: engine, containerd, runc, kernel (modules.docker.releases)."""
    taken: float = field(default_factory=time.monotonic)
    unanswered: dict[str, str] = field(default_factory=dict)
    """The requests dockerd failed (a swarm electing its leader: "does not have a leader"),
    with what it said, under the host's label: their lists are empty, and a lookup in one
    raises instead of finding nothing."""

    def _answered(self, name: str) -> None:
        if name in self.unanswered:
            raise TransientError(self.unanswered[name])

    def swarm_info(self, label: str) -> dict[str, Any]:
        """docker info's Swarm section, once the host can say which swarm it is in."""
        self._answered("info")
        return swarm.settled(label, self.info)

    def network(self, ident: str) -> dict[str, Any] | None:
        self._answered("networks")
        return next((n for n in self.networks if ident in (n.get("Id"), n.get("Name"))), None)

    def container(self, ident: str) -> dict[str, Any] | None:
        self._answered("containers")
        return next((c for c in self.containers if ident == c.get("Id") or
                     ident in (name.lstrip("/") for name in c.get("Names") or [])), None)

    def service(self, ident: str) -> dict[str, Any] | None:
        self._answered("services")
        return next((s for s in self.services if ident in (s.get("ID"), s["Spec"].get("Name"))),
                    None)

    def node(self, ident: str) -> dict[str, Any] | None:
        self._answered("nodes")
        return next((n for n in self.nodes if n.get("ID") == ident), None)

    def service_tasks(self, service: dict[str, Any]) -> list[dict[str, str]]:
        """A service's tasks meant to run, as `docker service ps` names them (web.1, node)."""
        self._answered("tasks")
        self._answered("nodes")
        hostnames = {n["ID"]: n["Description"]["Hostname"] for n in self.nodes}
        name = service["Spec"]["Name"]
        return [{"Name": f"{name}.{t.get('Slot', '')}", "Node": hostnames.get(t.get("NodeID", ""), ""),
                 "State": (t.get("Status") or {}).get("State", "")}
                for t in self.tasks if t.get("ServiceID") == service["ID"]]


def take(target: Target, tokens: bool = True, versions: bool = False) -> Snapshot:
    """A new snapshot of the host; without `tokens`, the join tokens are not even asked for;
    with `versions`, what the host runs is asked in the same round trip."""
    asked = {name: path for name, path in REQUESTS.items() if tokens or name != "swarm"}
    if versions:
        asked["version"] = VERSION
    responses = dict(zip(asked, engine.pipeline(target, [("GET", p, None) for p in
                                                         asked.values()]), strict=True))

    unanswered: dict[str, str] = {}

    def body(name: str, empty: Any) -> Any:
        response = responses.get(name)
        if response is None:
            return empty
        if response.status == 200:
            return json.loads(response.body)
        if not any(refusal in response.message() for refusal in NOT_A_MANAGER):
            unanswered[name] = (f"{target.label}: GET {asked[name]} answered HTTP "
                                f"{response.status}: {response.message()}")
        return empty

    join = body("swarm", {}).get("JoinTokens") or {}
    return Snapshot(
        info=dict(body("info", {}).get("Swarm") or {}), networks=body("networks", []),
        containers=body("containers", []), services=body("services", []),
        tasks=body("tasks", []), nodes=body("nodes", []),
        tokens={"worker": join["Worker"], "manager": join["Manager"]} if join else {},
        versions=releases.versions(_dict(body("version", {}))) if versions else {},
        unanswered=unanswered)


def _dict(found: Any) -> dict[str, Any]:
    """A JSON answer that should be an object ({} when it is not: `null` from a dockerd that
    gave up on the request)."""
    return found if isinstance(found, dict) else {}


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: Snapshot | None = None


_slots: dict[tuple[str, int], _Slot] = {}
_slots_lock = threading.Lock()


def _slot(target: Target) -> _Slot:
    with _slots_lock:
        return _slots.setdefault((target.endpoint, target.port), _Slot())


def of(target: Target) -> Snapshot:
    """The host's snapshot: taken now, or the one another read took a moment ago."""
    slot = _slot(target)
    with slot.lock:
        # One with failed answers is not shared: the read that retries looks again.
        if (slot.snapshot is None or slot.snapshot.unanswered
                or time.monotonic() - slot.snapshot.taken > TTL):
            slot.snapshot = take(target)
        return slot.snapshot


def forget(target: Target) -> None:
    """After a change on the host: the next read takes a new snapshot."""
    slot = _slot(target)
    with slot.lock:
        slot.snapshot = None
