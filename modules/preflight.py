"""Read-only checks of every host before the program declares any resource.

They run in preview and in up, after the config is validated and before any
change: each host answers SSH with its verified key, its dockerd answers,
and the macvlan parent interface exists. Every problem found, on every host,
is reported at once, so a broken host gives one clear error instead of a
half-built lab.
"""

from __future__ import annotations

import shlex
from concurrent.futures import ThreadPoolExecutor

from modules.config import HostSpec, LabSpec
from modules.remote import RemoteError, Target, run
from modules.targets import target_for


def check_host(spec: LabSpec, host: HostSpec) -> list[str]:
    """The problems found on one host (empty when it is ready)."""
    target = Target.from_dict(target_for(spec, host))
    parent = spec.macvlan.parent
    # One round trip: docker's answer, then whether the parent link exists.
    script = (f"docker info --format '{{{{.ServerVersion}}}}' 2>&1; echo \"docker=$?\"; "
              f"ip -o link show {shlex.quote(parent)} >/dev/null 2>&1; echo \"parent=$?\"")
    try:
        result = run(target, script, check=False)
    except RemoteError as err:
        return [str(err)]
    lines = result.stdout.strip().splitlines()
    status = dict(line.split("=", 1) for line in lines if line.startswith(("docker=", "parent=")))
    problems = []
    if status.get("docker") != "0":
        detail = " ".join(line for line in lines if not line.startswith(("docker=", "parent=")))
        problems.append(f"{host.name} ({host.address}): dockerd does not answer ({detail.strip()}); "
                        f"start it (one-box hosts: `python -m hosts up`) and run `pulumi up` again")
    if status.get("parent") != "0":
        problems.append(f"{host.name} ({host.address}): swarmlab:macvlan.parent {parent!r} is not an "
                        f"interface on this host; set swarmlab:macvlan.parent to one that is "
                        f"(see `ip -o link` on {host.name})")
    return problems


def check_all(spec: LabSpec) -> list[str]:
    with ThreadPoolExecutor(max_workers=len(spec.hosts)) as pool:
        results = pool.map(lambda h: check_host(spec, h), spec.hosts)
    return [problem for problems in results for problem in problems]
