"""What an image is made of, and the cache key that names it.

The key hashes everything that shapes the image: the Debian suite and
architecture, the package list and the two build scripts (provision.sh and
build.py). Change any of them and the next `up` builds a new image beside
the old one; change nothing and it reuses the cached one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from hosts.commands import run

HERE = Path(__file__).resolve().parent
PROVISION = HERE / "provision.sh"
BUILD_SCRIPT = HERE / "build.py"
SUITE = "bookworm"
"""The default suite; `DEBIAN=` picks another of SUITES."""
SUITES = ("bookworm", "trixie", "forky")
# debootstrap names a suite by its script; Debian 12's debootstrap has none for forky, which
# is built like sid (as trixie's script is).
SCRIPTS = {"forky": "sid"}
ARCH = "amd64"
# Bump to force a rebuild when something outside the hashed files changes.
RECIPE_VERSION = "1"


@dataclass(frozen=True)
class Recipe:
    suite: str
    arch: str
    packages: tuple[str, ...]
    provision: bytes
    build_script: bytes

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        for part in (
            RECIPE_VERSION.encode(),
            self.suite.encode(),
            self.arch.encode(),
            "\n".join(self.packages).encode(),
            self.provision,
            self.build_script,
        ):
            # Length-prefixed, so that moving bytes between parts changes the key.
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return f"debian-{self.suite}-{digest.hexdigest()[:16]}"


def packages(suite: str = SUITE) -> tuple[str, ...]:
    """The suite's package list, from provision.sh itself (the one place it is written)."""
    out = run(["sh", str(PROVISION), "list-packages", suite]).stdout
    return tuple(line.strip() for line in out.splitlines() if line.strip())


def current(suite: str = SUITE) -> Recipe:
    if suite not in SUITES:
        raise ValueError(f"DEBIAN={suite!r} is not a suite the vm backend builds; allowed: "
                         f"{', '.join(SUITES)}")
    return Recipe(
        suite=suite,
        arch=ARCH,
        packages=packages(suite),
        provision=PROVISION.read_bytes(),
        build_script=BUILD_SCRIPT.read_bytes(),
    )
