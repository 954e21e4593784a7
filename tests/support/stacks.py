"""The committed local stack (stacks/Pulumi.local.yaml) as the unit tests start from it, with
the host list the hosts tool writes for one manager and one worker."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from modules.spec import LabSpec, parse_spec
from tests.support.paths import ROOT

MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}
WORKER = {"name": "worker", "address": "192.168.1.11", "role": "worker"}
HOSTS = [MANAGER, WORKER]


def local_stack() -> dict[str, Any]:
    """The local stack's `swarmlab:*` settings by their short key, and HOSTS."""
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    return {**raw, "hosts": HOSTS}


def local_spec(**changes: Any) -> LabSpec:
    """The local stack parsed, with these settings changed (None: left out)."""
    values = {**local_stack(), **changes}
    return parse_spec({k: v for k, v in values.items() if v is not None})


def with_(**changes: Any) -> dict[str, Any]:
    """A copy of the local stack's raw settings with these changed (None: left out)."""
    raw = copy.deepcopy(local_stack())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def service(**fields: Any) -> dict[str, Any]:
    """A `services` entry on myoverlay and the worker, with these fields added or changed."""
    return {"name": "web", "network": "myoverlay", "node": "worker", **fields}
