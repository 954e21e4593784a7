"""A stack file for whatever one-box hosts are up (`make bench`, the 3+3 scale test).

It is the local stack with the hosts taken from .lab/inventory.json, so a lab of any size
runs with the local stack's settings and its encryption salt (the same passphrase).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
LAB = Path(os.environ.get("SWARMLAB_LAB_DIR", ROOT / ".lab"))


def write_for_hosts_up(stack: str, extra: dict[str, Any] | None = None) -> Path:
    """Write stacks/Pulumi.<stack>.yaml for the hosts that are up; `extra` overrides config."""
    local = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())
    inventory = json.loads((LAB / "inventory.json").read_text())
    config = {**local["config"],
              "swarmlab:hosts": [{k: h[k] for k in ("name", "address", "role")} for h in inventory],
              **(extra or {})}
    path = ROOT / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text("# Written for the one-box hosts that are up; not committed.\n"
                    + yaml.safe_dump({"config": config, "encryptionsalt": local["encryptionsalt"]},
                                     sort_keys=False))
    return path
