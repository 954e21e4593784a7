"""Docker releases as the lab meets them: what a host runs (engine, containerd, runc,
kernel), and the releases known to break what the seed teaches, refused by name before
anything changes (the preflight gate and `make doctor`)."""

from __future__ import annotations

import re
from typing import Any

VERSIONS = ("engine", "containerd", "runc", "kernel")
"""What a host runs, as versions() names it: every report shows these, in this order."""

KNOWN_BROKEN = {
    "28.0.0": "a swarm-scoped network cannot be made --config-from a config-only network "
              "(the seed's macvlan): \"IPv4 cannot be disabled in a Swarm scoped network\", "
              "docker/cli#5857; fixed in 28.0.1 (moby/moby#49521)",
}


def broken(version: str) -> str | None:
    """Why the lab cannot run on this engine version (`28.0.0`, `28.0.0+dfsg1`), else None."""
    found = re.match(r"v?(\d+\.\d+\.\d+)", version.strip())
    return KNOWN_BROKEN.get(found[1]) if found else None


def versions(document: dict[str, Any]) -> dict[str, str]:
    """engine, containerd, runc, kernel: as GET /version reports them, or `docker version`'s
    Server part (the same shape); "" for what it does not report."""
    components = {str(c.get("Name", "")).lower(): str(c.get("Version", ""))
                  for c in document.get("Components") or []}
    found = {"engine": str(document.get("Version", "")),
             "containerd": components.get("containerd", "").lstrip("v"),
             "runc": components.get("runc", ""),
             "kernel": str(document.get("KernelVersion", ""))}
    return {key: found[key] for key in VERSIONS}

