"""Swarm services: the settings the lab gives one, `docker service create`, its tasks, and
comparing a service that already exists with what the lab wants."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from modules.docker.cli import docker, inspect, inspect_all, json_lines, remove
from modules.docker.network import LAB_LABEL
from modules.ssh import RemoteError, Target, polls


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    image: str
    command: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    """Network IDs (never names: a name can be taken by another network meanwhile)."""
    constraints: list[str] = field(default_factory=list)
    endpoint_mode: str = "vip"
    replicas: int = 1
    init: bool = True
    """An init as PID 1 forwards SIGTERM, so `sleep` tasks stop at once, not after 10 s."""
    labels: dict[str, str] = field(default_factory=lambda: dict(LAB_LABEL))

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> ServiceSettings:
        return cls(**{f.name: props[f.name] for f in fields(cls) if f.name in props})


def create_args(s: ServiceSettings) -> list[str]:
    args = ["service", "create", "--detach", "--name", s.name, "--replicas", str(int(s.replicas)),
            "--endpoint-mode", s.endpoint_mode,
            # Local images have no registry digest to pin; every host has the image.
            "--no-resolve-image"]
    if s.init:
        args.append("--init")
    for net in s.networks:
        args += ["--network", net]
    for constraint in s.constraints:
        args += ["--constraint", constraint]
    for label, value in sorted(s.labels.items()):
        args += ["--label", f"{label}={value}"]
    return [*args, "--", s.image, *s.command]


def create(target: Target, s: ServiceSettings) -> str:
    return docker(target, create_args(s)).strip()


def service_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "service", ident)


def differences(s: ServiceSettings, svc: dict[str, Any]) -> list[str]:
    """Every field the lab sets that the existing service has otherwise."""
    spec = svc.get("Spec") or {}
    task = spec.get("TaskTemplate") or {}
    container = task.get("ContainerSpec") or {}
    image = str(container.get("Image", "")).split("@", 1)[0]
    found = {
        "image": image,
        "command": list(container.get("Args") or []),
        "networks": sorted(n.get("Target", "") for n in task.get("Networks") or []),
        "constraints": sorted((task.get("Placement") or {}).get("Constraints") or []),
        "endpoint_mode": (spec.get("EndpointSpec") or {}).get("Mode", "vip"),
        "init": bool(container.get("Init")),
        "labels": {k: v for k, v in (spec.get("Labels") or {}).items() if k in s.labels},
    }
    wanted = {"image": s.image, "command": list(s.command), "networks": sorted(s.networks),
              "constraints": sorted(s.constraints), "endpoint_mode": s.endpoint_mode,
              "init": s.init, "labels": s.labels}
    return [f"{key}: has {found[key]!r}, the lab wants {value!r}"
            for key, value in wanted.items() if found[key] != value]


def replicas(svc: dict[str, Any]) -> int:
    return int(((svc["Spec"].get("Mode") or {}).get("Replicated") or {}).get("Replicas", 1))


def tasks(target: Target, ident: str) -> list[dict[str, Any]]:
    out = docker(target, ["service", "ps", "--no-trunc", "--filter", "desired-state=running",
                          "--format", "{{json .}}", "--", ident])
    return json_lines(out)


def running(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for t in found if t.get("CurrentState", "").startswith("Running")]


def wait_running(target: Target, ident: str, count: int, timeout: float | None = None
                 ) -> list[dict[str, Any]]:
    """Wait until `count` tasks run (at most the host's command timeout: a slow host, a VM
    under emulation, gets longer); fail with the tasks' own errors otherwise."""
    timeout = timeout or target.command_timeout
    found: list[dict[str, Any]] = []
    for _ in polls(timeout):
        found = tasks(target, ident)
        if len(running(found)) >= count:
            return running(found)
    errors = "; ".join(f"{t.get('Name')} on {t.get('Node')}: {t.get('CurrentState')} "
                       f"{t.get('Error', '')}".strip() for t in found) or "no tasks"
    raise RemoteError(f"{target.name}: service {ident} has {len(running(found))}/{count} "
                      f"running tasks after {timeout:g}s: {errors}")


def scale(target: Target, ident: str, count: int) -> None:
    docker(target, ["service", "update", "--detach", "--replicas", str(int(count)), "--", ident])


def rm(target: Target, ident: str) -> None:
    remove(target, ["service", "rm", "--", ident])


def pinned_to(manager: Target, hostname: str) -> list[tuple[str, int]]:
    """(ID, replicas) of the lab's services pinned to a node by its hostname, by name."""
    ids = docker(manager, ["service", "ls", "-q", "--filter", "label=swarmlab=true"]).split()
    found = []
    for svc in inspect_all(manager, "service", ids):
        constraints = ((svc["Spec"].get("TaskTemplate") or {}).get("Placement") or {}).get(
            "Constraints") or []
        if f"node.hostname=={hostname}" in constraints:
            found.append((svc["Spec"]["Name"], svc["ID"], replicas(svc)))
    return [(ident, count) for _, ident, count in sorted(found)]
