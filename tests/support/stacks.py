"""The committed local stack (stacks/Pulumi.local.yaml) as the unit tests start from it, with
the host list the hosts tool writes for one manager and one worker."""

from __future__ import annotations

from typing import Any

import yaml

from modules.spec import LabSpec, parse_spec
from tests.support.paths import ROOT

HOSTS = [{"name": "manager", "address": "192.168.1.10", "role": "manager"},
         {"name": "worker", "address": "192.168.1.11", "role": "worker"}]


def local_stack() -> dict[str, Any]:
    """The local stack's `swarmlab:*` settings by their short key, and HOSTS."""
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    return {**raw, "hosts": HOSTS}


def local_spec(**changes: Any) -> LabSpec:
    """The local stack parsed, with these settings changed (None: left out)."""
    values = {**local_stack(), **changes}
    return parse_spec({k: v for k, v in values.items() if v is not None})
