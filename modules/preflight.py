"""Read-only checks of every host before the program declares any resource.

They run in preview and in up, after the config is validated and before any change: each
host answers SSH with its verified key, its dockerd answers, and the macvlan parent
interface exists. Every problem found, on every host, is reported at once, so a broken host
gives one clear error instead of a half-built lab.
"""

from __future__ import annotations

import shlex
from concurrent.futures import ThreadPoolExecutor

from modules.spec import HostSpec, LabSpec
from modules.ssh import RemoteError, Target, run


def check_host(spec: LabSpec, host: HostSpec) -> list[str]:
    """The problems found on one host (empty when it is ready)."""
    target = Target.for_host(spec, host)
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
        problems.append(f"{target.label}: dockerd does not answer ({detail.strip()}); start it "
                        "(one-box hosts: `python -m hosts up`) and run `pulumi up` again")
    if status.get("parent") != "0":
        problems.append(f"{target.label}: swarmlab:macvlan.parent {parent!r} is not an interface "
                        f"on this host; set swarmlab:macvlan.parent to one that is (see "
                        f"`ip -o link` on {host.name})")
    return problems


LOST_QUORUM = ("does not have a leader", "context deadline exceeded")


def lost_quorum(spec: LabSpec, answering_managers: int) -> bool:
    """Raft needs a majority of managers: fewer answer, or the leader says it has none."""
    if answering_managers < len(spec.managers) // 2 + 1:
        return True
    try:
        result = run(Target.for_host(spec, spec.leader),
                     "docker info --format '{{.Swarm.ControlAvailable}}' 2>&1 | "
                     "grep -q true && docker node ls -q 2>&1", check=False)
    except RemoteError:
        return False  # check_host reports unreachable hosts
    return any(marker in result.stdout for marker in LOST_QUORUM)


def check_all(spec: LabSpec) -> list[str]:
    with ThreadPoolExecutor(max_workers=len(spec.hosts)) as pool:
        results = dict(zip(spec.hosts, pool.map(lambda h: check_host(spec, h), spec.hosts),
                           strict=True))
    problems = [problem for host_problems in results.values() for problem in host_problems]
    answering = sum(1 for host, found in results.items() if host.role == "manager" and not found)
    if len(spec.managers) > 1 and lost_quorum(spec, answering):
        managers = len(spec.managers)
        problems.append(
            f"{spec.leader.name} ({spec.leader.address}): the swarm has lost quorum: raft needs "
            f"{managers // 2 + 1} of its {managers} managers online, and {answering} answer. Start "
            "the stopped managers' dockerd (one-box hosts: `python -m hosts up`), or, if they are "
            "gone for good, run `docker swarm init --force-new-cluster` on a surviving manager")
    return problems
