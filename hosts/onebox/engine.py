"""The container engine the one-box hosts run. `system` (the default): the machine's, found on
PATH, whichever packaging put it there (Debian's docker.io, Docker CE and containerd.io, ...),
never assumed at one path or version. `26`, `28`: Debian's packages of that engine, unpacked
in the user's cache (hosts.engines), with the machine's runc and docker-init. Only binaries
are used: each lab host runs its own containerd and dockerd (never a daemon the machine
already runs)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from hosts.commands import SYSTEM_PATH, run
from hosts.onebox import engines

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
    path: str = SYSTEM_PATH
    """PATH of the daemons and of the hosts' shells: the engine's own binaries first (shim,
    docker-proxy, the docker CLI), then the machine's (runc, docker-init, iptables)."""

    @property
    def keeps_trust_key(self) -> bool:
        """Before Docker 23 an engine's ID came from its trust key file (deprecated-key-path)."""
        return self.version < (23, 0)


def missing() -> list[str]:
    return [b for b in BINARIES if shutil.which(b, path=SYSTEM_PATH) is None]


def find(choice: str = engines.SYSTEM, say: Callable[[str], None] = lambda line: None
         ) -> Engine:
    """The engine's binaries (fetched first for a pinned one); ValueError naming what is
    missing or too old."""
    if choice != engines.SYSTEM:
        root = engines.fetch(choice, say)
        path = f"{root / 'usr/sbin'}:{root / 'usr/bin'}:{SYSTEM_PATH}"
        absent = [b for b in BINARIES if shutil.which(b, path=path) is None]
        if absent:
            raise ValueError(f"missing {', '.join(absent)} for ENGINE={choice}: {INSTALL_HINT}")
        return _checked(str(root / "usr/sbin/dockerd"), str(root / "usr/bin/containerd"), path)
    absent = missing()
    if absent:
        raise ValueError(f"missing {', '.join(absent)}: {INSTALL_HINT}")
    dockerd = shutil.which("dockerd", path=SYSTEM_PATH)
    containerd = shutil.which("containerd", path=SYSTEM_PATH)
    assert dockerd and containerd
    return _checked(dockerd, containerd, SYSTEM_PATH)


def _checked(dockerd: str, containerd: str, path: str) -> Engine:
    text = run([dockerd, "--version"]).stdout
    found = re.search(r"version (\d+)\.(\d+)", text)
    if not found:
        raise ValueError(f"cannot read dockerd's version from {text.strip()!r}")
    version = (int(found[1]), int(found[2]))
    if version < OLDEST:
        raise ValueError(f"dockerd {version[0]}.{version[1]} is too old; the lab needs "
                         f"{OLDEST[0]}.{OLDEST[1]} or newer: {INSTALL_HINT}")
    return Engine(dockerd, containerd, version, path)
