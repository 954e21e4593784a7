"""What the diagram shows, built from the inspect document: pure data, no drawing.

Both renderers (draw.py for Graphviz, mermaid.py for Markdown) draw this one model, so they
show the same hosts, networks, tasks, containers and addresses. Every item carries an id made
of letters, digits and underscores, safe in DOT and in Mermaid whatever the names hold.

What is left out, and why: Docker's `ingress` network and `docker_gwbridge` carry no lab
traffic and nothing the lab starts sits on them; a config-only network is a template the
swarm macvlan network is made from (its subnet is shown there); a single-host network is
drawn on a host only when something on that host is attached to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modules.spec.links import Impairment

LAN_DRIVERS = ("macvlan", "ipvlan")
NO_ADDRESS = {"host": "host's own stack", "null": "loopback only"}
"""Why a member of a host or none network has no address of its own."""


@dataclass(frozen=True)
class Host:
    id: str
    name: str
    address: str
    role: str
    swarm: str
    """The host's own view of its swarm membership (active, inactive, ...), "" if unknown."""
    node_state: str
    """The swarm's view of the node (ready, down), "" if no manager answered."""
    reachable: bool
    netem: str = ""
    """The impairment of its LAN link, as its LAN edge says it: `netem delay 100ms loss 5%`,
    the stack's (swarmlab:links) or, while there is one, the manual one (`make impair`)."""

    @property
    def lines(self) -> list[str]:
        """What a host's title says below its name: role, swarm and node state, UNREACHABLE."""
        state = [self.role, f"swarm {self.swarm}" if self.swarm else "",
                 f"node {self.node_state}" if self.node_state else "",
                 "" if self.reachable else "UNREACHABLE"]
        return [" · ".join(s for s in state if s)]

    @property
    def port_id(self) -> str:
        """The node of the host's own address on the LAN."""
        return f"{self.id}_port"


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    driver: str
    scope: str
    host: str | None
    """None for a swarm network (drawn between the hosts), else the host it lives on."""
    subnet: str = ""
    gateway: str = ""
    encrypted: bool = False
    parent: str = ""

    @property
    def is_swarm(self) -> bool:
        return self.host is None

    @property
    def lines(self) -> list[str]:
        """What a network's box says below its name: driver and scope, subnet and gateway, the
        LAN interface of a macvlan, the encrypted mark."""
        subnet = f"{self.subnet}  gw {self.gateway}" if self.subnet and self.gateway else self.subnet
        return [line for line in (f"{self.driver} · {self.scope}", subnet,
                                  f"parent {self.parent}" if self.on_lan and self.parent else "",
                                  "ENCRYPTED (IPsec)" if self.encrypted else "") if line]

    @property
    def on_lan(self) -> bool:
        """A macvlan or ipvlan network puts its members on the LAN itself."""
        return self.driver in LAN_DRIVERS


@dataclass(frozen=True)
class Workload:
    """A swarm task (named like web.1) or a container started on its own, on one host."""

    id: str
    host: str
    name: str
    service: str = ""
    state: str = ""

    @property
    def is_task(self) -> bool:
        return bool(self.service)


@dataclass(frozen=True)
class Attachment:
    workload: Workload
    network: Network
    address: str
    """Its address there; "" when it has none (the label then says why, if known)."""

    @property
    def label(self) -> str:
        return self.address or NO_ADDRESS.get(self.network.driver, "")


@dataclass(frozen=True)
class Model:
    lab: str
    cluster_id: str
    lan: str
    gateway: str
    hosts: list[Host]
    networks: list[Network]
    workloads: list[Workload]
    attachments: list[Attachment]
    notes: list[str] = field(default_factory=list)
    """What the drawing cannot show (unreachable hosts, tasks with no node)."""

    def host_workloads(self, host: str) -> list[Workload]:
        return [w for w in self.workloads if w.host == host]

    def host_networks(self, host: str) -> list[Network]:
        return [n for n in self.networks if n.host == host]

    @property
    def swarm_networks(self) -> list[Network]:
        return [n for n in self.networks if n.is_swarm]

    @property
    def title(self) -> str:
        cluster = f"swarm {self.cluster_id[:12]}" if self.cluster_id else "no swarm"
        return f"{self.lab} · {cluster}"

    @property
    def subtitle(self) -> str:
        return (f"{len(self.hosts)} hosts · {len(self.networks)} networks · "
                f"{len(self.workloads)} tasks and containers")


def _is_drawn_swarm(net: Mapping[str, Any]) -> bool:
    return not net["ingress"] and not net["config_only"]


@dataclass
class _Member:
    """A task or container before it has its place in the drawing."""

    host: str
    name: str
    service: str
    state: str
    addresses: dict[str, str | None]


def _members(doc: Mapping[str, Any]) -> tuple[list[_Member], list[str]]:
    """Every container (a task's container under the task's name), then any running task
    whose host did not answer, with the addresses the swarm recorded for it."""
    found: dict[tuple[str, str], _Member] = {}
    for c in doc["containers"]:
        member = _Member(c["host"], c["task"] or c["name"], c["service"] or "", c["state"], c["addresses"])
        found[(member.host, member.name)] = member
    notes = []
    for svc in doc["services"]:
        for task in svc["tasks"]:
            if task["node"]:
                found.setdefault((task["node"], task["name"]), _Member(
                    task["node"], task["name"], svc["name"], task["state"], task["addresses"]))
            else:
                notes.append(f"{task['name']} is {task['state']} on no node")
    return list(found.values()), notes


def _netem(lab: Mapping[str, Any], host: str) -> str:
    """A host's LAN impairment as its edge says it: a manual one wins, as on the host (the
    fault verbs put it in place of the declared one); "" when it has none."""
    manual = ((lab.get("faults") or {}).get("impaired") or {}).get(host)
    values = manual or (lab.get("links") or {}).get(host)
    if not values:
        return ""
    said = Impairment(**values).said()
    return f"netem {said} (make impair)" if manual else f"netem {said}"


def _hosts(doc: Mapping[str, Any]) -> list[Host]:
    """The lab's hosts in spec order, then any swarm node the lab does not list."""
    nodes = {n["name"]: n for n in doc["nodes"]}
    listed = [(h["name"], h["address"], h["role"], h["swarm"] or "", h["reachable"]) for h in doc["hosts"]]
    listed += [(n["name"], n["address"] or "", n["role"], "", False) for n in doc["nodes"]
               if n["name"] not in {h["name"] for h in doc["hosts"]}]
    return [Host(f"h{i}", name, address, role, swarm, nodes.get(name, {}).get("state", ""), reachable,
                 _netem(doc["lab"], name))
            for i, (name, address, role, swarm, reachable) in enumerate(listed)]


def build(doc: Mapping[str, Any]) -> Model:
    """The drawing model of an inspect document (see docs/inspect.md)."""
    hosts = _hosts(doc)
    rank = {h.name: i for i, h in enumerate(hosts)}
    members, notes = _members(doc)
    notes += [f"{h['name']} did not answer: {h['error']}" for h in doc["hosts"] if not h["reachable"]]
    notes += [f"{m.name} is on {m.host}, no node of the swarm" for m in members if m.host not in rank]
    members = sorted((m for m in members if m.host in rank),
                     key=lambda m: (rank[m.host], not m.service, m.name))
    workloads = [Workload(f"w{i}", m.host, m.name, m.service, m.state) for i, m in enumerate(members)]

    swarm_nets = {n["name"]: n for n in doc["networks"] if n["host"] is None}
    local_nets = {(n["host"], n["name"]): n for n in doc["networks"] if n["host"] is not None}

    def where(member: _Member, net: str) -> tuple[str | None, str] | None:
        key = (None, net) if net in swarm_nets else (member.host, net)
        return key if key[0] is None or key in local_nets else None

    drawn: set[tuple[str | None, str]] = {(None, name) for name, raw in swarm_nets.items()
                                          if _is_drawn_swarm(raw)}
    drawn |= {key for m in members for net in m.addresses if (key := where(m, net)) is not None}
    keys = sorted(drawn, key=lambda k: (-1 if k[0] is None else rank[k[0]], k[1]))
    networks: dict[tuple[str | None, str], Network] = {}
    for i, (host, name) in enumerate(keys):
        raw = swarm_nets[name] if host is None else local_nets[(host, name)]
        networks[(host, name)] = Network(f"n{i}", name, raw["driver"], raw["scope"], host,
                                         raw["subnet"] or "", raw["gateway"] or "", raw["encrypted"],
                                         raw["parent"] or "")
    attachments = [Attachment(w, networks[key], address or "")
                   for m, w in zip(members, workloads, strict=True)
                   for net, address in m.addresses.items() if (key := where(m, net)) is not None]
    return Model(doc["lab"]["name"] or "", doc["swarm"]["cluster_id"] or "", doc["lan"]["subnet"],
                 doc["lan"]["gateway"], hosts, list(networks.values()), workloads, attachments, notes)
