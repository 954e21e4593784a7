"""`exec`: one command on chosen lab hosts, or inside every running task of a service, with a
header per host or task (netlab's and containerlab's `exec`).

The command is the user's own and runs as typed, by `sh -c`: on a host (the SSH layer runs
every command so, under the host's `timeout`), and in a task (`docker exec ... sh -c`, under
the container's own `timeout`: ending the `docker` CLI on the host would leave the command
running in the container). It is ended after EXEC_SECONDS: the host's and the container's
`timeout` send TERM then (the host's a little later, see modules.ssh.session.bounded), and
KILL GRACE seconds after. The hosts and the service are checked against the lab's own names.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from hosts.topology import choose
from modules.spec import LabSpec
from modules.ssh import RemoteError, Target, run

EXEC_SECONDS = 120
GRACE = 3


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


def check_command(command: str) -> str:
    """The command as typed: one that is empty (or only spaces) would run nothing, and `sh -c`
    (on a host, the SSH layer's) would take a leading `-` or `+` for an option of its own."""
    if not command.strip():
        raise ValueError(f"CMD={command!r} is empty; allowed: a shell command, as in "
                         "make exec NODE=all CMD='docker ps'")
    if command[0] in "-+":
        raise ValueError(f"CMD={command!r} starts with {command[0]}, which sh -c takes for an "
                         "option; allowed: a shell command that starts otherwise")
    return command


def choose_nodes(spec: LabSpec, node: str) -> list[str]:
    """`all`, or host names separated by commas, each once; ValueError names the allowed ones."""
    return choose([h.name for h in spec.hosts], node)


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
             timeout: float = EXEC_SECONDS) -> list[Outcome]:
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


def in_task(container: str, command: str, timeout: float = EXEC_SECONDS) -> str:
    """The host's command that runs `command` in a container, bounded inside it too."""
    return (f"docker exec {shlex.quote(container)} timeout -k {GRACE} {math.ceil(timeout)} "
            f"sh -c -- {shlex.quote(command)}")


def in_service(targets: Mapping[str, Target], service: str, command: str,
               timeout: float = EXEC_SECONDS) -> list[Outcome]:
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
                    in_task(cid, command, timeout), timeout)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))
