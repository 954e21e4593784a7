"""How the program reaches each host: plain SSH settings that dynamic providers keep."""

from __future__ import annotations

import os
from typing import Any

from modules.config import HostSpec, LabSpec


def _absolute(path: str) -> str:
    # The dynamic-provider process may not share the program's working folder.
    return path if os.path.isabs(path) else os.path.abspath(path)


def target_for(spec: LabSpec, host: HostSpec) -> dict[str, Any]:
    return {
        "name": host.name,
        "address": host.address,
        "user": host.user,
        "key_file": _absolute(spec.ssh.key_file),
        "known_hosts_file": _absolute(spec.ssh.known_hosts_file),
        "connect_timeout": spec.ssh.connect_timeout,
        "command_timeout": spec.ssh.command_timeout,
    }
