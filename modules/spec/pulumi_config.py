"""The stack's settings, read through `pulumi.Config` and decoded by each key's kind.

Pulumi hands every value over as a string; structured ones (lists, objects, booleans,
numbers) are JSON. Keys this program does not know are found in the stack's own file:
a typo must fail loudly, not fall back to a default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi

from modules.spec import yamlfile
from modules.spec.files import load
from modules.spec.model import LabSpec
from modules.spec.rules import ConfigError
from modules.spec.settings import NAMESPACE, SETTINGS


def decode(kind: str, value: str) -> Any:
    """A config value by its kind; what does not decode is passed on for the parser to name."""
    if kind == "string":
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return value


def stack_file_keys(root: Path, stack: str) -> list[str]:
    """The `swarmlab:*` keys set in the stack's config file (Pulumi.yaml names its folder)."""
    project = yamlfile.stack_document(root / "Pulumi.yaml", "Pulumi.yaml",
                                      "a Pulumi project file: a mapping")
    folder = project.get("stackConfigDir", ".")
    if not isinstance(folder, str):
        raise ConfigError("Pulumi.yaml: stackConfigDir is not valid; allowed: a folder path")
    path = root / folder / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return []
    config = yamlfile.stack_config(path)
    return [key.split(":", 1)[1] for key in config if key.startswith(f"{NAMESPACE}:")]


def read_settings(root: Path) -> dict[str, Any]:
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    for setting in SETTINGS:
        value = config.get(setting.key)
        if value is not None:
            raw[setting.key] = decode(setting.kind, value)
    for key in stack_file_keys(root, pulumi.get_stack()):
        # Unknown keys reach the parser, which names them and the keys it knows.
        raw.setdefault(key, "(set in the stack file)")
    return raw


def load_spec(root: Path) -> LabSpec:
    """The running stack's LabSpec (inside a Pulumi program)."""
    return load(read_settings(root), root)
