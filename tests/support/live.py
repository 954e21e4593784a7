"""What the live tests do to a lab and look at: leave the swarm as a user would, take a
snapshot of every host's Docker objects, ask a task to reach another."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from modules.docker.cli import docker
from modules.ssh import Target, polls, retry
from tests.support.lab import Lab


def leave(target: Target) -> None:
    """`docker swarm leave --force`, as a user types it. A dockerd that restarted a moment ago
    answers "context deadline exceeded" at first: retried as the provider retries it."""
    retry(lambda: docker(target, ["swarm", "leave", "--force"]), attempts=5, delay=1.0)


def snapshot(lab: Lab, hosts: list[str] | None = None) -> dict[str, str]:
    """Each host's (every host's by default) networks, services, containers and swarm state."""
    cmd = ("docker network ls -q | sort; docker service ls -q 2>/dev/null | sort; "
           "docker ps -aq | sort; docker info --format '{{.Swarm.LocalNodeState}}'")
    return {name: host.check_output(cmd) for name, host in lab.hosts.items()
            if hosts is None or name in hosts}


def until(what: str, check: Callable[[], bool], timeout: float) -> float:
    """Seconds until `check` holds (modules.ssh.waiting's polls); fails naming `what`."""
    start = time.monotonic()
    for _ in polls(timeout):
        if check():
            return time.monotonic() - start
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def swarm_states(lab: Lab) -> dict[str, str]:
    """Each host's own swarm state (`active`; `pending` while its dockerd reconnects)."""
    return {name: host.run("docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip()
            for name, host in lab.hosts.items()}


def wait_no_containers(host: Any, timeout: float = 30) -> bool:
    """Docker removes a removed service's task containers asynchronously: wait for it, bounded."""
    return any(not host.check_output("docker ps -aq") for _ in polls(timeout))


def pair(lab: Lab, prefix: str) -> tuple[str, str, str]:
    """Where the seed's pair `<prefix>app` and `<prefix>web` run, asked now."""
    return pair_of(lab.task_container, prefix)


def pair_of(task: Callable[[str], tuple[str, str]], prefix: str) -> tuple[str, str, str]:
    """Where the seed's pair `<prefix>app` and `<prefix>web` run, by `task` (a service's host
    and task container): (the client's host, the client's task container, the server's host).
    The seed wants them on different hosts."""
    client_host, client = task(f"{prefix}app")
    server_host, _ = task(f"{prefix}web")
    assert client_host != server_host, f"{prefix}app and {prefix}web share {client_host}"
    return client_host, client, server_host


def pings(lab: Lab, client: str, server: str) -> bool:
    """A task of service `client` pings the tasks of `server` by name, once, right now."""
    try:
        host_name, ctr = lab.task_container(client)
    except AssertionError:
        return False  # no running task of the client
    return bool(lab.host(host_name).run(f"docker exec {ctr} ping -c 1 -W 2 tasks.{server}").rc == 0)


def lab_works(lab: Lab) -> list[str]:
    """What the lab promises that does not work right now (the cross-host pairs on the
    unencrypted swarm networks, and the demos); [] when all does."""
    broken = [f"{client} -> {server}" for client, server in
              (("app", "web"), ("mymacvlan-app", "mymacvlan-web")) if not pings(lab, client, server)]
    for name in sorted(lab.outputs["singleHost"]):
        if lab.host(name).run("docker exec web ping -c 1 -W 2 db").rc != 0:
            broken.append(f"{name}: web -> db")
    return broken


def worker_label(lab: Lab) -> str:
    """How messages name the worker: `worker (<its address>)`."""
    return f"worker ({lab.address('worker')})"


def nobody(lab: Lab) -> str:
    """An address on the lab's LAN that no host has (the .99 of the manager's /24)."""
    return lab.address("manager").rsplit(".", 1)[0] + ".99"
