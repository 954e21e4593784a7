"""Docker networks: the settings the lab gives one, `docker network create`, and comparing a
network that already exists with what the lab wants (field by field, as community.docker's
docker_network does), so a network of the same name is adopted only when it is the same."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from modules.docker.cli import docker, inspect, inspect_all, not_found
from modules.ssh import RemoteError, Target, TransientError, polls

LAB_LABEL = {"swarmlab": "true"}


@dataclass(frozen=True)
class NetworkSettings:
    name: str
    driver: str = "bridge"
    scope: str | None = None
    attachable: bool = False
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    config_only: bool = False
    config_from: str | None = None
    labels: dict[str, str] = field(default_factory=lambda: dict(LAB_LABEL))

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> NetworkSettings:
        return cls(**{f.name: props[f.name] for f in fields(cls) if f.name in props})


def create_args(s: NetworkSettings) -> list[str]:
    args = ["network", "create"]
    if s.config_from:
        args += ["--config-from", s.config_from]
    if s.config_only:
        args.append("--config-only")
    if s.driver and not s.config_only:
        args += ["-d", s.driver]
    if s.scope:
        args += ["--scope", s.scope]
    if s.attachable:
        args.append("--attachable")
    for flag, value in (("--subnet", s.subnet), ("--gateway", s.gateway), ("--ip-range", s.ip_range)):
        if value:
            args += [flag, value]
    for opt, value in sorted(s.options.items()):
        args += ["-o", f"{opt}={value}" if value != "" else opt]
    if not s.config_from:
        # A --config-from network takes every setting from its config network; dockerd
        # refuses any other (even a label).
        for label, value in sorted(s.labels.items()):
            args += ["--label", f"{label}={value}"]
    return [*args, "--", s.name]


def create(target: Target, s: NetworkSettings) -> str:
    return docker(target, create_args(s)).strip()


def network_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "network", ident)


def _ipam(net: dict[str, Any]) -> dict[str, Any]:
    return dict(((net.get("IPAM") or {}).get("Config") or [{}])[0])


def differences(s: NetworkSettings, net: dict[str, Any]) -> list[str]:
    """Every field the lab sets that the existing network has otherwise, as
    "field: has X, the lab wants Y". Fields the lab leaves to Docker are not compared."""
    ipam = _ipam(net)
    found: dict[str, Any] = {
        "config_only": bool(net.get("ConfigOnly")),
        "config_from": (net.get("ConfigFrom") or {}).get("Network") or None,
        "subnet": ipam.get("Subnet") or None,
        "gateway": ipam.get("Gateway") or None,
        "ip_range": ipam.get("IPRange") or None,
        "options": {k: v for k, v in (net.get("Options") or {}).items() if k in s.options},
    }
    wanted: dict[str, Any] = {"config_only": s.config_only, "config_from": s.config_from,
                              "options": s.options}
    if not s.config_only:
        found["driver"], wanted["driver"] = net.get("Driver"), s.driver
        found["attachable"], wanted["attachable"] = bool(net.get("Attachable")), s.attachable
    if s.scope:
        found["scope"], wanted["scope"] = net.get("Scope"), s.scope
    for key, value in (("subnet", s.subnet), ("gateway", s.gateway), ("ip_range", s.ip_range)):
        if value:
            wanted[key] = value
    if not s.config_from:
        found["labels"] = {k: v for k, v in (net.get("Labels") or {}).items() if k in s.labels}
        wanted["labels"] = s.labels
    return [f"{key}: has {found[key]!r}, the lab wants {value!r}"
            for key, value in wanted.items() if found.get(key) != value]


def rm(target: Target, ident: str, timeout: float = 30) -> None:
    """Remove a network; tasks of a just-removed service may still hold it for a moment (the
    swarm network built from a config network is torn down on the node asynchronously)."""
    last_error: RemoteError | None = None
    for _ in polls(timeout, first=0.25):
        try:
            docker(target, ["network", "rm", "--", ident])
            return
        except RemoteError as err:
            if not_found(err):
                return
            if not isinstance(err, TransientError) and "is in use" not in str(err):
                raise
            last_error = err
    assert last_error is not None
    if "is in use" in str(last_error) and leaked_config_reference(target, ident):
        raise RemoteError(
            f"{target.label}: dockerd still counts config-only network {ident[:12]} as in use "
            "although no network is built from it. This is Docker's reference-count leak "
            "(moby/moby#35101): it happens when dockerd restarts while a macvlan task runs. "
            "Docker offers no way to release it; on the one-box hosts `python -m hosts down` "
            "removes it with the host; on other hosts remove it after `docker swarm leave` by "
            "restarting dockerd with a clean network store, then `pulumi state delete` this "
            "resource")
    raise last_error


def leaked_config_reference(target: Target, ident: str) -> bool:
    """A config-only network that dockerd calls in use while no network is built from it."""
    config = network_inspect(target, ident)
    if config is None or not config.get("ConfigOnly"):
        return False
    all_ids = docker(target, ["network", "ls", "-q"]).split()
    return not any((net.get("ConfigFrom") or {}).get("Network") == config["Name"]
                   for net in inspect_all(target, "network", all_ids))


@dataclass(frozen=True)
class NetworkState:
    """What the lab reports of a network (a --config-from network's addressing is its
    config network's)."""

    network_id: str
    actual_driver: str
    actual_scope: str
    actual_subnet: str
    actual_gateway: str
    encrypted: bool


def config_network(net: dict[str, Any]) -> str | None:
    """The config-only network a --config-from network takes its settings from."""
    return (net.get("ConfigFrom") or {}).get("Network") or None


def state(net: dict[str, Any], config: dict[str, Any] | None) -> NetworkState:
    """`config`: the network's config-only network, if it has one."""
    addressing = _ipam(config) if config else _ipam(net)
    return NetworkState(
        network_id=net["Id"], actual_driver=net.get("Driver", ""), actual_scope=net.get("Scope", ""),
        actual_subnet=addressing.get("Subnet", ""), actual_gateway=addressing.get("Gateway", ""),
        encrypted="encrypted" in (net.get("Options") or {}))
