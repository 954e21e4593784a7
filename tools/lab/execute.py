"""`exec`: one command on chosen lab hosts, or inside every running task of a service, with a
header per host or task (netlab's and containerlab's `exec`).

The command is the user's own and runs as typed: on a host through its login shell, in a
task through `sh -c`. The hosts and the service are checked against the lab's own names.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from modules.spec import LabSpec
from modules.ssh import RemoteError, Target, run

TIMEOUT = 120


@dataclass(frozen=True)
class Outcome:
    header: str
    exit_status: int
    stdout: str
    stderr: str

    def render(self) -> str:
        lines = [f"--- {self.header} ---"]
        lines += [text.rstrip("\n") for text in (self.stdout, self.stderr) if text.strip()]
        if self.exit_status != 0:
            lines.append(f"[exit {self.exit_status}]")
        return "\n".join(lines)


def choose_nodes(spec: LabSpec, node: str) -> list[str]:
    """`all`, or host names separated by commas; ValueError names the allowed ones."""
    names = [h.name for h in spec.hosts]
    if node == "all":
        return names
    chosen = [n.strip() for n in node.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in names]
    if not chosen or unknown:
        raise ValueError(f"NODE={node!r}: allowed: all, or one or more of {', '.join(names)} "
                         "(comma-separated)")
    return chosen


def check_service(spec: LabSpec, service: str) -> str:
    names = [s.name for s in spec.services]
    if service not in names:
        raise ValueError(f"SERVICE={service!r}: allowed: {', '.join(names)}")
    return service


def _run(target: Target, header: str, command: str, timeout: float) -> Outcome:
    try:
        result = run(target, command, check=False, timeout=timeout)
    except RemoteError as err:
        return Outcome(header, 255, "", str(err))
    return Outcome(header, result.exit_status, result.stdout, result.stderr)


def on_hosts(targets: Mapping[str, Target], names: Sequence[str], command: str,
             timeout: float = TIMEOUT) -> list[Outcome]:
    """The command on each host at once; the outcomes in the order the hosts were named."""
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        return list(pool.map(lambda n: _run(targets[n], targets[n].label, command, timeout),
                             names))


def _tasks(target: Target, service: str) -> list[tuple[str, str]]:
    """(container ID, task name) of the service's running tasks on one host."""
    listing = run(target, "docker ps --format '{{.ID}} {{.Names}}' --filter "
                  + shlex.quote(f"label=com.docker.swarm.service.name={service}"), timeout=30)
    pairs = (line.split(" ", 1) for line in listing.stdout.splitlines() if " " in line)
    return [(cid, name.rsplit(".", 1)[0]) for cid, name in pairs]


def in_service(targets: Mapping[str, Target], service: str, command: str,
               timeout: float = TIMEOUT) -> list[Outcome]:
    """The command in every running task of the service, wherever it runs."""
    hosts = list(targets)
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        found = dict(zip(hosts, pool.map(lambda h: _tasks(targets[h], service), hosts),
                         strict=True))
    jobs = [(host, cid, task) for host in hosts for cid, task in found[host]]
    if not jobs:
        raise ValueError(f"SERVICE={service}: no running task on any host")

    def one(job: tuple[str, str, str]) -> Outcome:
        host, cid, task = job
        return _run(targets[host], f"{task} on {targets[host].label}",
                    f"docker exec {shlex.quote(cid)} sh -c {shlex.quote(command)}", timeout)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))
