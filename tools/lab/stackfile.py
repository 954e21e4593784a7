"""A lab's working stack file, `.lab/stacks/Pulumi.<lab>.yaml`, made from a committed one.

The committed `stacks/Pulumi.<stack>.yaml` says what the lab is; running a lab never
rewrites it. Its working copy is what Pulumi reads and writes (the encryption salt of the
lab's own random passphrase lands there): the committed settings, plus the lab's own files
(hosts tool's host list, key, known_hosts) where the committed file names none.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from hosts.inventory import read_net
from hosts.paths import LabPaths, private_dir
from modules.spec import yamlfile
from modules.spec.rules import shown
from tools.lab.labs import ROOT, STACKS_DIR, stack_file, template


def _relative(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def settings(stack: str, lab_dir: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The committed stack's config, completed for this lab (and `extra` on top)."""
    source = template(stack)
    if not source.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in source.parent.glob("Pulumi.*.yaml"))
        raise ValueError(f"STACK={stack!r}: stacks/{source.name} does not exist; allowed: "
                         f"{', '.join(known)}")
    config = yamlfile.stack_config(source, f"stacks/{source.name}")
    if "swarmlab:hosts" not in config:
        config.setdefault("swarmlab:hostsFile", _relative(lab_dir / "hosts.json"))
        _same_lan(config, lab_dir, stack)
    config.setdefault("swarmlab:sshKeyFile", _relative(lab_dir / "id_ed25519"))
    config.setdefault("swarmlab:sshKnownHostsFile", _relative(lab_dir / "known_hosts"))
    config.update(extra or {})
    return config


def _same_lan(config: dict[str, Any], lab_dir: Path, stack: str) -> None:
    """The hosts tool's hosts sit on the LAN it made them on: the stack says that LAN (a
    stack that names none gets it; one that names another is refused, as its hosts would
    be outside it)."""
    recorded = read_net(LabPaths(lab_dir))
    if recorded is None:
        return
    made_on = str(recorded[0].subnet)
    asked = config.setdefault("swarmlab:lanSubnet", made_on)
    if asked != made_on:
        if not (isinstance(asked, str) and asked.isprintable()):
            asked = shown(asked)
        raise ValueError(f"stacks/Pulumi.{stack}.yaml: swarmlab:lanSubnet is {asked}, but lab "
                         f"{recorded[0].name}'s hosts were made on {made_on}: take them down "
                         "(make hosts-down) and make them again (make lab)")


def passphrase(lab_dir: Path) -> Path:
    """The lab's own random passphrase (0600), made once: what encrypts its secrets."""
    path = lab_dir / "passphrase"
    if not path.exists():
        private_dir(lab_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
    return path


def write(lab: str, stack: str, lab_dir: Path, extra: dict[str, Any] | None = None) -> Path:
    """Write (or bring up to date) the lab's working stack file; keep Pulumi's salt."""
    private_dir(STACKS_DIR)
    path = stack_file(lab)
    current = yamlfile.stack_document(path) if path.exists() else None
    wanted = {"config": settings(stack, lab_dir, extra)}
    if current and current.get("encryptionsalt"):
        wanted["encryptionsalt"] = current["encryptionsalt"]
    if current != wanted:
        # Whole or not at all: `make validate` writes it while its suite runs pulumi, which
        # reads it.
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"# Lab {lab}, from stacks/Pulumi.{stack}.yaml: written by `make stack`; "
                      "edit that file instead.\n")
            out.write(yamlfile.dump(wanted))
        os.replace(partial, path)
    return path
