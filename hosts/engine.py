"""The container engine the one-box hosts run: found on PATH, whichever packaging put it
there (Debian's docker.io, Docker CE and containerd.io, ...), never assumed at one path or
version. Only its binaries are used: each lab host runs its own containerd and dockerd
(never a daemon the machine already runs)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

from hosts.commands import SYSTEM_PATH, run

# dockerd finds docker-init and runc on its PATH itself; they must be there too.
BINARIES = ("dockerd", "containerd", "runc", "docker-init", "docker")
INSTALL_HINT = ("install a Docker engine: Debian's `apt-get install docker.io`, or Docker CE "
                "(docker-ce, docker-ce-cli, containerd.io)")
OLDEST = (20, 10)


@dataclass(frozen=True)
class Engine:
    dockerd: str
    containerd: str
    version: tuple[int, int]
    """dockerd's major and minor version (its daemon.json keys differ between versions)."""

    @property
    def keeps_trust_key(self) -> bool:
        """Before Docker 23 an engine's ID came from its trust key file (deprecated-key-path)."""
        return self.version < (23, 0)


def missing() -> list[str]:
    return [b for b in BINARIES if shutil.which(b, path=SYSTEM_PATH) is None]


def find() -> Engine:
    """The machine's engine binaries; ValueError naming what is missing or too old."""
    absent = missing()
    if absent:
        raise ValueError(f"missing {', '.join(absent)}: {INSTALL_HINT}")
    dockerd = shutil.which("dockerd", path=SYSTEM_PATH)
    containerd = shutil.which("containerd", path=SYSTEM_PATH)
    assert dockerd and containerd
    text = run([dockerd, "--version"]).stdout
    found = re.search(r"version (\d+)\.(\d+)", text)
    if not found:
        raise ValueError(f"cannot read dockerd's version from {text.strip()!r}")
    version = (int(found[1]), int(found[2]))
    if version < OLDEST:
        raise ValueError(f"dockerd {version[0]}.{version[1]} is too old; the lab needs "
                         f"{OLDEST[0]}.{OLDEST[1]} or newer: {INSTALL_HINT}")
    return Engine(dockerd, containerd, version)
