"""Read-only checks of every host before anything changes on it.

Each host answers SSH with its verified key, its dockerd answers, and the macvlan parent
interface exists; with several managers, raft has quorum. Every problem found, on every
host, is reported at once, so a broken host gives one clear error instead of a half-built
lab. The Preflight resource runs them in every `pulumi up` (modules.providers.preflight);
the program runs them itself in a preview, which creates nothing.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from modules.docker import releases
from modules.spec import LabSpec
from modules.ssh import RemoteError, Target, run

LOST_QUORUM = ("does not have a leader", "context deadline exceeded")


def check_host(target: Target, parent: str) -> list[str]:
    """The problems found on one host (empty when it is ready)."""
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
    detail = " ".join(line for line in lines if not line.startswith(("docker=", "parent="))).strip()
    if status.get("docker") != "0":
        problems.append(f"{target.label}: dockerd does not answer ({detail}); start it "
                        "(one-box hosts: `python -m hosts up`) and run `pulumi up` again")
    elif (why := releases.broken(version := detail.split()[-1] if detail else "")) is not None:
        # The version is docker info's last line (a warning may come before it).
        problems.append(f"{target.label}: Docker {version} cannot run this lab: {why}; run "
                        "another engine there")
    if status.get("parent") != "0":
        problems.append(f"{target.label}: swarmlab:macvlan.parent {parent!r} is not an interface "
                        f"on this host; set swarmlab:macvlan.parent to one that is (see "
                        f"`ip -o link` on {target.name})")
    return problems


def lost_quorum(leader: Target, managers: int, answering: int) -> bool:
    """Raft needs a majority of managers: fewer answer, or the leader says it has none."""
    if answering < managers // 2 + 1:
        return True
    try:
        result = run(leader, "docker info --format '{{.Swarm.ControlAvailable}}' 2>&1 | "
                     "grep -q true && docker node ls -q 2>&1", check=False)
    except RemoteError:
        return False  # check_host reports unreachable hosts
    return any(marker in result.stdout for marker in LOST_QUORUM)


def check_hosts(hosts: Sequence[tuple[Target, str]], parent: str) -> list[str]:
    """Every problem on these (target, role) hosts; the first manager leads."""
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        found = list(pool.map(lambda h: check_host(h[0], parent), hosts))
    problems = [problem for host_problems in found for problem in host_problems]
    managers = [(target, problems_there) for (target, role), problems_there in
                zip(hosts, found, strict=True) if role == "manager"]
    answering = sum(1 for _, problems_there in managers if not problems_there)
    if len(managers) > 1 and lost_quorum(managers[0][0], len(managers), answering):
        leader = managers[0][0]
        problems.append(
            f"{leader.label}: the swarm has lost quorum: raft needs {len(managers) // 2 + 1} of "
            f"its {len(managers)} managers online, and {answering} answer. Start the stopped "
            "managers' dockerd (one-box hosts: `python -m hosts up`), or, if they are gone for "
            "good, run `docker swarm init --force-new-cluster` on a surviving manager")
    return problems


def check_all(spec: LabSpec) -> list[str]:
    return check_hosts([(Target.for_host(spec, h), h.role) for h in spec.hosts],
                       spec.macvlan.parent)
