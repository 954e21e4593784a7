"""The lab that is up, as the lab tool's verbs see it: its LabSpec (from its working stack
file, checked exactly as the program checks it) and an SSH target per host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modules.spec import ConfigError, LabSpec, yamlfile
from modules.spec.files import load
from modules.ssh import Target
from tools.lab import labs


def settings(lab: str) -> dict[str, Any]:
    """The lab's `swarmlab:*` settings, from its working stack file."""
    path = labs.stack_file(lab)
    if not path.is_file():
        raise ValueError(f"lab {lab} has no working stack file ({path}): run `make lab` first")
    return {key.split(":", 1)[1]: value for key, value in yamlfile.stack_config(path).items()
            if key.startswith("swarmlab:")}


def lists_own_hosts(lab: str) -> bool:
    """The lab's stack lists hosts of its own (`swarmlab:hosts`: your own SSH hosts, Vagrant),
    not the hosts tool's; False when it has no readable working stack."""
    try:
        return "hosts" in settings(lab)
    except ValueError:
        return False


def declares(lab: str, key: str) -> bool:
    """The lab's working stack sets `swarmlab:<key>`; False when it has no readable one."""
    try:
        return key in settings(lab)
    except ValueError:
        return False


def lab_spec(lab: str, checks_file: Path | None = None) -> LabSpec:
    """The lab's LabSpec; with `checks_file` (a YAML list), its checks in place of the
    stack's swarmlab:validate, checked the same way."""
    values = settings(lab)
    if checks_file is None:
        return load(values, labs.ROOT)
    name = yamlfile.name_of(checks_file)
    values["validate"] = yamlfile.load(checks_file, f"--checks {name}")
    try:
        return load(values, labs.ROOT)
    except ConfigError as error:
        if not str(error).startswith("swarmlab:validate"):
            raise
        # Its checks came from the file, not the stack: say which.
        raise ConfigError(f"--checks {name}: {error}") from None


def targets(spec: LabSpec) -> dict[str, Target]:
    return {h.name: Target.for_host(spec, h) for h in spec.hosts}
