"""Containers of the single-host demos: the settings the lab gives one, `docker run`, and
comparing a container that already exists with what the lab wants."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from modules.docker.cli import docker, inspect, remove
from modules.ssh import Target


@dataclass(frozen=True)
class ContainerSettings:
    name: str
    image: str
    network: str
    """bridge, host, none, or a network ID."""
    command: list[str] = field(default_factory=list)
    init: bool = True

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> ContainerSettings:
        return cls(**{f.name: props[f.name] for f in fields(cls) if f.name in props})


def run_args(s: ContainerSettings) -> list[str]:
    args = ["run", "--detach", "--name", s.name, "--network", s.network,
            "--restart", "unless-stopped"]
    if s.init:
        args.append("--init")
    return [*args, "--", s.image, *s.command]


def run(target: Target, s: ContainerSettings) -> str:
    return docker(target, run_args(s)).strip()


def container_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "container", ident)


def differences(s: ContainerSettings, found: dict[str, Any]) -> list[str]:
    config = found.get("Config") or {}
    host = found.get("HostConfig") or {}
    networks = (found.get("NetworkSettings") or {}).get("Networks") or {}
    network_ids = {n.get("NetworkID") for n in networks.values()} | set(networks)
    have = {"image": config.get("Image"), "command": list(config.get("Cmd") or []),
            "init": bool(host.get("Init"))}
    want = {"image": s.image, "command": list(s.command), "init": s.init}
    out = [f"{key}: has {have[key]!r}, the lab wants {value!r}"
           for key, value in want.items() if have[key] != value]
    if s.network not in network_ids:
        out.append(f"network: has {sorted(networks)!r}, the lab wants {s.network!r}")
    return out


def addresses(found: dict[str, Any]) -> dict[str, str]:
    networks = (found.get("NetworkSettings") or {}).get("Networks") or {}
    return {name: net.get("IPAddress", "") for name, net in sorted(networks.items())}


def rm(target: Target, ident: str) -> None:
    remove(target, ["rm", "--force", "--", ident])


def replace_tasks_on(target: Target, network: str) -> list[str]:
    """Remove this host's task containers attached to `network`; return their names. The
    swarm starts a new task for each (same service, same node), which joins the network
    afresh: a macvlan task gets its interface on the parent link as it is now."""
    rows = docker(target, ["ps", "--filter", f"network={network}", "--filter",
                           "label=com.docker.swarm.task.id", "--format", "{{.Names}}"])
    names = rows.split()
    if names:
        docker(target, ["rm", "--force", "--", *names])
    return names


def register_names_again(target: Target) -> list[str]:
    """Restart the containers on user-defined local networks; return their names.

    Docker forgets the embedded-DNS records of every network, local ones included, when a node
    leaves a swarm (libnetwork's cluster agent cleans up service discovery for all networks on
    leave): containers on a custom bridge then no longer resolve each other by name. A
    container registers its names when it joins a network, so a restart puts them back (and
    it keeps its addresses)."""
    local = [n for n in docker(target, ["network", "ls", "--filter", "scope=local", "--format",
                                        "{{.Name}}"]).split()
             if n not in ("bridge", "host", "none")]
    rows = docker(target, ["ps", "--format",
                           '{{.Names}}\t{{.Networks}}\t{{.Label "com.docker.swarm.task.id"}}'])
    names = [name for name, networks, task in (line.split("\t") for line in rows.splitlines() if line)
             if not task and set(networks.split(",")) & set(local)]
    if names:
        docker(target, ["restart", "--time", "1", "--", *names])
    return names
