"""`matrix`: for every network of the running lab, who reaches whom by name and by address,
tried from inside the containers (one ping each), as Markdown: the seed's lessons at one
glance (default bridge: address yes, name no; custom bridge: both; none: nothing; overlay
and macvlan: across hosts).

Members come from `inspect` (what runs now). A host-local network is one per host; a swarm
network spans the hosts. On a swarm network a member is a service, reached by name as
`tasks.<service>` (a ping to a virtual IP is answered inside the caller itself, moby#33770,
so it would prove nothing about the network) and by its task's own address. The `none`
container is tried against every other container of its host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modules.checks.model import Check, Result, Source

SYSTEM_NETWORKS = ("ingress", "docker_gwbridge", "host")
TIMEOUT = 2
# A ping that fails is tried once more, in a smaller batch: on a VM under emulation a
# `docker exec` queued behind a full batch can outlast its bound without the ping being tried.
RETRIES = 1


@dataclass(frozen=True)
class Member:
    label: str
    """How the matrix names it: the container, or the service on a swarm network."""
    container: str
    host: str
    name: str
    """The name others try to reach it by."""
    address: str


@dataclass(frozen=True)
class Group:
    """One network as the matrix shows it: a swarm network, or a host's local one."""

    network: str
    driver: str
    host: str | None
    members: tuple[Member, ...]
    isolated: bool = False
    """`none`: its members are tried against the host's other containers."""
    encrypted: bool = False
    """An encrypted overlay: its traffic needs ESP in the kernel of both ends."""

    @property
    def title(self) -> str:
        return self.network if self.host is None else f"{self.network} on {self.host}"


def groups(doc: Mapping[str, Any]) -> list[Group]:
    """The networks with members, swarm networks first, each host's local ones after."""
    found: list[Group] = []
    running = [c for c in doc["containers"] if c["state"] == "running"]
    for net in sorted(doc["networks"], key=lambda n: (n["scope"] != "swarm", n["host"] or "",
                                                      n["name"])):
        name = net["name"]
        if name in SYSTEM_NETWORKS or net["config_only"]:
            continue
        on_net = [c for c in running if name in c["addresses"]
                  and (net["host"] is None or c["host"] == net["host"])]
        if name == "none":
            # The host's other single-host containers, each at its own first address.
            others = [c for c in running if c["host"] == net["host"] and c["service"] is None
                      and name not in c["addresses"] and "host" not in c["addresses"]]
            members = [_member(c, name, swarm=False) for c in on_net]
            targets = [_member(c, next(iter(c["addresses"])), swarm=False) for c in others]
            if members:
                found.append(Group(name, net["driver"], net["host"], (*members, *targets),
                                   isolated=True))
            continue
        members = _dedupe([_member(c, name, swarm=net["scope"] == "swarm") for c in on_net])
        if members:
            found.append(Group(name, net["driver"], net["host"], tuple(members),
                               encrypted=bool(net["encrypted"])))
    return found


def _member(container: Mapping[str, Any], network: str, swarm: bool) -> Member:
    service = container["service"]
    label = service if swarm and service else container["name"]
    name = f"tasks.{service}" if service else container["name"]
    return Member(label, container["id"], container["host"], name,
                  container["addresses"].get(network) or "")


def _dedupe(members: Sequence[Member]) -> list[Member]:
    """One task per service: the matrix is about the network, not the replicas."""
    seen: dict[str, Member] = {}
    for m in members:
        seen.setdefault(m.label, m)
    return list(seen.values())


def pairs(group: Group) -> list[tuple[Member, Member]]:
    """Who tries whom: every ordered pair; from the `none` container, every other one."""
    if group.isolated:
        sources = [m for m in group.members if not m.address]
        return [(s, t) for s in sources for t in group.members if t.address]
    return [(s, t) for s in group.members for t in group.members if s is not t]


def checks(all_groups: Sequence[Group]) -> list[tuple[Group, Member, Member, str, Check]]:
    """Two pings per pair: by name and by address."""
    found = []
    for group in all_groups:
        for source, target in pairs(group):
            origin = Source("container", source.container, source.host)
            for how, aim in (("name", target.name), ("address", target.address)):
                check = Check("ping", origin, target=aim, network=group.network, timeout=TIMEOUT,
                              retries=RETRIES, requires="esp" if group.encrypted else "")
                found.append((group, source, target, how, check))
    return found


def _cell(results: Mapping[str, Result]) -> str:
    def word(how: str) -> str:
        result = results.get(how)
        if result is None:
            return "-"
        if result.missing == "kernel":
            return "n/a (no ESP)"
        return {"reached": "yes", "refused": "no"}.get(result.outcome, result.outcome)
    return f"name {word('name')}, address {word('address')}"


def _overall(values: Sequence[bool | None]) -> str:
    """all, none or some of the pairs; n/a when the kernel cannot carry the network."""
    if not values:
        return "-"
    if all(v is None for v in values):
        return "n/a (no ESP in this kernel)"
    return "all" if all(values) else ("none" if not any(values) else "some")


def render(lab: str, all_groups: Sequence[Group],
           tried: Sequence[tuple[Group, Member, Member, str, Check]],
           results: Sequence[Result]) -> str:
    by_pair: dict[tuple[str, str, str], dict[str, Result]] = {}
    for (group, source, target, how, _), result in zip(tried, results, strict=True):
        by_pair.setdefault((group.title, source.label, target.label), {})[how] = result
    lines = [f"# Reachability in lab {lab}", "",
             "From inside each container, one ping by name and one by address to every other "
             "member of the network (on swarm networks, by `tasks.<service>`).", "",
             "| network | driver | members | by name | by address | across hosts |",
             "|---|---|---|---|---|---|"]
    details: list[str] = []
    for group in all_groups:
        cells = {k[1:]: v for k, v in by_pair.items() if k[0] == group.title}
        named = [_worked(r["name"]) for r in cells.values() if "name" in r]
        addressed = [_worked(r["address"]) for r in cells.values() if "address" in r]
        hosts = {m.host for m in group.members}
        crossing = [_worked(r["address"]) for (s, t), r in cells.items()
                    if "address" in r and _host(group, s) != _host(group, t)]
        across = _overall(crossing) if len(hosts) > 1 else "-"
        members = ", ".join(m.label if group.host else f"{m.label}@{m.host}"
                            for m in group.members)
        if len(group.members) < 2:
            members += " (alone: nothing to try)"
        lines.append(f"| {group.title} | {group.driver} | {members} | {_overall(named)} | "
                     f"{_overall(addressed)} | {across} |")
        if cells:
            details += _detail(group, cells)
    return "\n".join([*lines, "", *details]).rstrip() + "\n"


def _worked(result: Result) -> bool | None:
    return None if result.missing == "kernel" else result.outcome == "reached"


def _host(group: Group, label: str) -> str:
    return next(m.host for m in group.members if m.label == label)


def _detail(group: Group, cells: Mapping[tuple[str, str], Mapping[str, Result]]) -> list[str]:
    order = [m.label for m in group.members]
    sources = [m for m in order if any(s == m for s, _ in cells)]
    targets = [m for m in order if any(t == m for _, t in cells)]
    lines = [f"## {group.title}", "", "| from \\ to | " + " | ".join(targets) + " |",
             "|---|" + "---|" * len(targets)]
    for source in sources:
        row = [_cell(cells[(source, t)]) if (source, t) in cells else "-" for t in targets]
        lines.append(f"| {source} | " + " | ".join(row) + " |")
    return [*lines, ""]


def build(lab: str, doc: Mapping[str, Any],
          run: Callable[[Sequence[Check]], list[Result]]) -> str:
    all_groups = groups(doc)
    tried = checks(all_groups)
    results = run([c for *_, c in tried])
    return render(lab, all_groups, tried, results)
