"""What `pulumi stack output` shows: one typed schema. The program exports through
`export`; the summary, the diagram, inspect and the tests read through `read`/`parse`.

Everything here comes from the resources themselves (no SSH of its own): who sits on which
network, with addresses, is what `make inspect` reads live from the hosts.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from typing import Any, TypedDict

SECRET_KEYS = ("workerJoinToken", "managerJoinToken", "unlockKey")


class NodeOut(TypedDict):
    id: str
    role: str
    address: str


class NetworkOut(TypedDict):
    id: str
    driver: str
    scope: str
    subnet: str
    gateway: str
    encrypted: bool


class TaskOut(TypedDict):
    name: str
    node: str


class ReadyOut(TypedDict):
    passed: int
    """How many of the readiness gate's checks passed when `pulumi up` last ended."""
    skipped: list[str]
    """The checks this lab cannot pass, each naming why (a kernel feature it lacks)."""


class LabOutputs(TypedDict):
    clusterId: str
    nodes: dict[str, NodeOut]
    networks: dict[str, NetworkOut]
    """The swarm networks (overlays, macvlan)."""
    services: dict[str, list[TaskOut]]
    """Per service, its running tasks."""
    singleHost: dict[str, dict[str, dict[str, str]]]
    """Per demo host, per container, its address on each network."""
    ready: ReadyOut


def export(values: Mapping[str, Any]) -> None:
    """pulumi.export every key of LabOutputs, then the secrets (shown only with
    --show-secrets, stored encrypted)."""
    import pulumi

    for key in LabOutputs.__annotations__:
        pulumi.export(key, values[key])
    for key in SECRET_KEYS:
        pulumi.export(key, values[key])


def parse(data: Mapping[str, Any]) -> LabOutputs:
    """`pulumi stack output --json` as LabOutputs; a missing key is an error naming it."""
    missing = [k for k in LabOutputs.__annotations__ if k not in data]
    if missing:
        raise ValueError(f"the stack outputs lack {', '.join(missing)}: is the lab built "
                         "(`make lab`)?")
    return LabOutputs(**{k: data[k] for k in LabOutputs.__annotations__})  # type: ignore[typeddict-item]


def read(stack: str, cwd: str, env: Mapping[str, str] | None = None) -> LabOutputs:
    """The outputs of a stack, through the pulumi CLI."""
    proc = subprocess.run(["pulumi", "--cwd", cwd, "--non-interactive", "stack", "output",
                           "--json", "--stack", stack], capture_output=True, text=True,
                          check=False, env=dict(env) if env is not None else dict(os.environ))
    if proc.returncode != 0:
        raise ValueError(f"no outputs for stack {stack}: {proc.stderr.strip()}")
    return parse(json.loads(proc.stdout or "{}"))
