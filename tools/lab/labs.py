"""Where a lab keeps its things, by its name: the default lab (`swarmlab`) in `.lab/`, any
other in `.lab/labs/<name>/`. Every lab's Pulumi stack is named after it, its working stack
file lives in `.lab/stacks/` (Pulumi.yaml's stackConfigDir) and its state in `.lab/state`."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE_ROOT = ROOT / ".lab"
STACKS_DIR = STATE_ROOT / "stacks"
DEFAULT_LAB = "swarmlab"
LAB_NAME = re.compile(r"[a-z][a-z0-9]{0,5}")


def check_name(name: str) -> str:
    if name != DEFAULT_LAB and not LAB_NAME.fullmatch(name):
        raise ValueError(f"LAB={name!r} is not valid; allowed: {DEFAULT_LAB}, or 1-6 lowercase "
                         "letters and digits starting with a letter (it prefixes link names, "
                         "which hold 15 characters)")
    return name


def lab_name() -> str:
    return check_name(os.environ.get("SWARMLAB_LAB", "").strip() or DEFAULT_LAB)


def lab_dir(name: str | None = None) -> Path:
    override = os.environ.get("SWARMLAB_LAB_DIR", "").strip()
    if override and name is None:
        return Path(override).resolve()
    name = check_name(name or lab_name())
    return STATE_ROOT if name == DEFAULT_LAB else STATE_ROOT / "labs" / name


def stack_file(name: str) -> Path:
    return STACKS_DIR / f"Pulumi.{name}.yaml"


def template(stack: str) -> Path:
    return ROOT / "stacks" / f"Pulumi.{stack}.yaml"
