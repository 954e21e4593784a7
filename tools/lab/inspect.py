"""`inspect`: the lab as it runs, read live from every host, as one JSON document.

The stack outputs say what Pulumi built; this says what the hosts' dockerds hold now: which
task and container sits on which network with which address. Every host is read in
parallel, each in one SSH round trip (the pipelined Engine API GETs of
modules/docker/snapshot.py, less GET /swarm: inspect never even fetches the join tokens); a
host that does not answer is listed with its error and the rest is still read. The same lab
gives the same document (no timestamps, everything sorted).

Shape (schema `swarmlab.inspect/v1`, docs/inspect.md says what each field means)::

    {"schema": "swarmlab.inspect/v1",
     "lab":   {"name", "backend", "stack", "faults": {"partitions", "impaired"},
               "links": {host: {delay, jitter, loss, rate}}},
     "lan":   {"subnet", "gateway"},
     "hosts": [{"name", "address", "role", "reachable", "swarm", "versions", "error"}],
     "swarm": {"cluster_id", "managers": [names], "workers": [names], "leader"},
     "nodes": [{"name", "id", "address", "role", "state", "availability", "leader",
                "engine_version"}],
     "networks": [{"name", "id", "driver", "scope", "host", "subnet", "gateway", "ip_range",
                   "encrypted", "attachable", "internal", "ingress", "config_only",
                   "config_from", "parent"}],
     "services": [{"name", "id", "image", "mode", "replicas", "endpoint_mode",
                   "networks": [names], "vips": {network: address},
                   "tasks": [{"name", "id", "node", "state", "container",
                              "addresses": {network: address}}]}],
     "containers": [{"host", "name", "id", "image", "state", "service", "task",
                     "addresses": {network: address | null}}]}
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from modules.docker import snapshot
from modules.ssh import RemoteError, Target
from modules.ssh.errors import SECRET_PATTERN
from tools.lab import faults, labs, spec
from tools.lab.inspect_doc import HostRead, build
from tools.lab.inspect_table import render_table

__all__ = ["gather", "lab_env", "render_table"]

def lab_env(lab_dir: Path) -> dict[str, str]:
    """LAB_* settings from `<lab dir>/lab.env` (written by `make stack`), {} when absent."""
    path = lab_dir / "lab.env"
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.lstrip().startswith("#")}


def _read(name: str, address: str, role: str, target: Target) -> HostRead:
    try:
        # Without the join tokens: nothing here needs them.
        snap = snapshot.take(target, tokens=False, versions=True)
        # What dockerd failed to answer (a swarm electing its leader) is said, not left empty.
        failed = "; ".join(snap.unanswered.values())
        return HostRead(name, address, role, snap,
                        SECRET_PATTERN.sub("(redacted)", failed) if failed else None)
    except (RemoteError, ValueError, OSError) as err:
        # Not redact()'s "[secret]": that marker itself makes a document refused (inspect_doc).
        message = SECRET_PATTERN.sub("(redacted)", str(err))
        return HostRead(name, address, role, None, message or type(err).__name__)


def gather(lab: str) -> dict[str, Any]:
    """The lab `lab` read live from every host in parallel, as the inspect document."""
    lab_spec = spec.lab_spec(lab)
    targets = spec.targets(lab_spec)
    # The current lab's directory may be overridden (SWARMLAB_LAB_DIR); another lab's is fixed.
    env = lab_env(labs.lab_dir(None if lab == labs.lab_name() else lab))
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        reads = list(pool.map(lambda h: _read(h.name, h.address, h.role, targets[h.name]), lab_spec.hosts))
    return build({"name": lab, "backend": env.get("LAB_BACKEND"), "stack": env.get("LAB_STACK"),
                  "faults": faults.as_dict(faults.read(lab)),
                  "links": {h: v.as_dict() for h, v in lab_spec.links.items()}},
                 {"subnet": lab_spec.lan_subnet, "gateway": lab_spec.lan_gateway}, reads)
