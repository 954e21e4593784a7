"""Docker operations on a lab host, as the docker CLI commands the seed teaches.

Each function runs one or a few `docker ...` commands over SSH (remote.run)
and parses their JSON output. The commands are the seed's own (`docker
network create -d overlay myoverlay`, `docker swarm join --token ...`), so
what `pulumi up` does on a host is what a learner types. Arguments are
shell-quoted; a join token travels on stdin, never on a command line.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Iterable, Iterator
from typing import Any

from modules.remote import RemoteError, Target, TransientError, redact, retry, run

# An argument the host's shell fills from our stdin: secrets never sit in a command line.
FROM_STDIN = '"$(cat)"'

# Errors the daemon gives while a swarm is settling; worth a bounded retry.
TRANSIENT_MARKERS = (
    "rpc error: code = Unavailable",
    "rpc error: code = DeadlineExceeded",
    "context deadline exceeded",
    "connection reset by peer",
    "i/o timeout",
    "Cannot connect to the Docker daemon",
    "update out of sequence",
    "has active endpoints",
)


class DaemonDownError(TransientError):
    """dockerd does not answer at all: transient while it restarts, but a read gains nothing
    by waiting for a daemon that is simply stopped."""


def docker(target: Target, args: Iterable[str], *, stdin: str | None = None,
           check: bool = True, timeout: float | None = None) -> str:
    """Run `docker ARGS` on the host and return stdout; transient daemon errors are marked."""
    command = "docker " + " ".join(a if a == FROM_STDIN else shlex.quote(a) for a in args)
    result = run(target, command, stdin=stdin, check=False, timeout=timeout)
    if check and result.exit_status != 0:
        message = (result.stderr.strip() or result.stdout.strip())
        error_type = TransientError if any(m in message for m in TRANSIENT_MARKERS) else RemoteError
        hint = ""
        if "Cannot connect to the Docker daemon" in message:
            error_type = DaemonDownError
            hint = (f"; dockerd is not running on {target.name}: start it (one-box hosts: "
                    "`python -m hosts up`) and run `pulumi up` again")
        raise error_type(f"{target.name} ({target.address}): `{redact(command)}` failed: "
                         f"{redact(message)}{hint}")
    return result.stdout


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def not_found(err: Exception) -> bool:
    """The object does not exist: also when the node is in no swarm, so no swarm object can."""
    text = str(err).lower()
    return "no such" in text or "not found" in text or "not a swarm manager" in text


def inspect(target: Target, kind: str, ident: str) -> dict[str, Any] | None:
    """`docker KIND inspect IDENT` as a dict, or None when there is no such object."""
    try:
        out = docker(target, [kind, "inspect", ident, "--format", "{{json .}}"])
    except RemoteError as err:
        if not_found(err):
            return None
        raise
    return dict(json.loads(out))


def polls(timeout: float, first: float = 0.1, longest: float = 0.5) -> Iterator[None]:
    """Drive a polling loop: one pass now, then more until `timeout` has passed, the pauses
    quick at first and then no longer than `longest`. The caller returns from the loop when
    its condition holds, and handles the timeout after it.

    Why not a fixed short pause: every poll is a docker CLI process on a host, a lab polls
    all its services at once, and on a small machine 0.2 s polls spent more CPU than the
    tasks they waited for."""
    deadline = time.monotonic() + timeout
    pause = first
    while True:
        yield
        if time.monotonic() >= deadline:
            return
        time.sleep(pause)
        pause = min(pause * 2, longest)


def inspect_all(target: Target, kind: str, idents: list[str]) -> list[dict[str, Any]]:
    """`docker KIND inspect` of several objects in one command; those that do not exist (any
    more) are left out."""
    if not idents:
        return []
    out = docker(target, [kind, "inspect", *idents], check=False)
    return list(json.loads(out or "[]"))


# --- swarm --------------------------------------------------------------------

def swarm_info(target: Target) -> dict[str, Any]:
    """`docker info`'s Swarm section: LocalNodeState, NodeID, Cluster (managers only) ...
    Not retried here: the caller retries, once, at its own level (a provider's read as a
    whole, a join attempt), so transient answers are never retried twice over."""
    out = docker(target, ["info", "--format", "{{json .Swarm}}"])
    return dict(json.loads(out))


def unlock_key(target: Target) -> str:
    return docker(target, ["swarm", "unlock-key", "-q"]).strip()


def join_token(target: Target, role: str) -> str:
    return docker(target, ["swarm", "join-token", "-q", role]).strip()


def swarm_init(target: Target, advertise: str) -> None:
    docker(target, ["swarm", "init", "--advertise-addr", advertise,
                    "--listen-addr", f"{advertise}:2377"])


def swarm_join(target: Target, token: str, advertise: str, manager_addr: str,
               timeout: float) -> None:
    # "$(cat)" reads the token from stdin on the host, so it is in no SSH command line.
    docker(target, ["swarm", "join", "--token", FROM_STDIN, "--advertise-addr", advertise,
                    "--listen-addr", f"{advertise}:2377", f"{manager_addr}:2377"],
           stdin=token, timeout=timeout)


def swarm_leave(target: Target, timeout: float = 30) -> None:
    """Leave the swarm, then remove the task containers the swarm can no longer clean up."""
    try:
        docker(target, ["swarm", "leave", "--force"])
    except RemoteError as err:
        if "not part of a swarm" not in str(err):
            raise
    # Task containers left after the leave: those of services removed while this node was
    # down (nothing in the swarm reconciles them any more), and those dockerd is still
    # removing for services removed a moment ago. "Already in progress" and "No such
    # container" are what we want; wait, bounded, until none is left.
    task_filter = ["ps", "-aq", "--filter", "label=com.docker.swarm.task.id"]
    orphans: list[str] = []
    for _ in polls(timeout):
        orphans = docker(target, task_filter).split()
        if not orphans:
            return
        result = run(target, "docker rm --force " + " ".join(map(shlex.quote, orphans)),
                     check=False)
        failures = [line for line in result.stderr.strip().splitlines()
                    if "already in progress" not in line and "No such container" not in line]
        if failures:
            raise RemoteError(f"{target.name} ({target.address}): task containers left after "
                              f"`docker swarm leave` cannot be removed: {'; '.join(failures)}")
    raise RemoteError(f"{target.name} ({target.address}): task containers still there "
                      f"{timeout:g}s after `docker swarm leave`: {' '.join(orphans)}")


def node_inspect(manager: Target, node_id: str) -> dict[str, Any] | None:
    return inspect(manager, "node", node_id)


def wait_node_ready(manager: Target, node_id: str, timeout: float = 60) -> dict[str, Any]:
    node = None
    for _ in polls(timeout):
        node = node_inspect(manager, node_id)
        if node and node["Status"]["State"] == "ready":
            return node
    state = node["Status"]["State"] if node else "unknown to the manager"
    raise RemoteError(f"node {node_id} did not become ready within {timeout:g}s (state: {state})")


def stale_nodes(manager: Target, hostname: str, address: str, keep_id: str) -> list[str]:
    """IDs of the entries a node that left and joined again leaves behind: other nodes with its
    hostname that are down, or that still show its address (the manager has not yet noticed
    the old one is gone; one machine cannot be two nodes). A different machine that merely
    shares the hostname (cloned VMs) has another address and stays."""
    others = [i for i in docker(manager, ["node", "ls", "-q", "--filter", f"name={hostname}"]).split()
              if i != keep_id]
    return [node["ID"] for node in inspect_all(manager, "node", others)
            if node["Description"]["Hostname"] == hostname
            and (node["Status"]["State"] == "down" or node["Status"].get("Addr") == address)]


def wait_node_down(manager: Target, node_id: str, timeout: float = 30) -> None:
    """Wait, bounded, until the manager marks a node down (or has forgotten it)."""
    for _ in polls(timeout):
        node = node_inspect(manager, node_id)
        if node is None or node["Status"]["State"] == "down":
            return


def node_rm(manager: Target, node_id: str) -> None:
    try:
        retry(lambda: docker(manager, ["node", "rm", "--force", node_id]))
    except RemoteError as err:
        if not not_found(err):
            raise


# --- networks -------------------------------------------------------------------

def network_create_args(props: dict[str, Any]) -> list[str]:
    """`docker network create` arguments for the network described by props."""
    args = ["network", "create"]
    if props.get("config_from"):
        args += ["--config-from", props["config_from"]]
    if props.get("config_only"):
        args.append("--config-only")
    if props.get("driver") and not props.get("config_only"):
        args += ["-d", props["driver"]]
    if props.get("scope"):
        args += ["--scope", props["scope"]]
    if props.get("attachable"):
        args.append("--attachable")
    for flag, key in (("--subnet", "subnet"), ("--gateway", "gateway"), ("--ip-range", "ip_range")):
        if props.get(key):
            args += [flag, props[key]]
    for opt, value in sorted((props.get("options") or {}).items()):
        args += ["-o", f"{opt}={value}" if value != "" else opt]
    if not props.get("config_from"):
        # A --config-from network takes every setting from its config network; dockerd
        # refuses any other (even a label).
        for label, value in sorted((props.get("labels") or {}).items()):
            args += ["--label", f"{label}={value}"]
    args.append(props["name"])
    return args


def network_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "network", ident)


def network_create(target: Target, props: dict[str, Any]) -> str:
    return retry(lambda: docker(target, network_create_args(props))).strip()


def network_rm(target: Target, ident: str, timeout: float = 30) -> None:
    """Remove a network; tasks of a just-removed service may still hold it for a moment (the
    swarm network built from a config network is torn down on the node asynchronously)."""
    last_error: RemoteError | None = None
    for _ in polls(timeout, first=0.25):
        try:
            docker(target, ["network", "rm", ident])
            return
        except RemoteError as err:
            if not_found(err):
                return
            if not isinstance(err, TransientError) and "is in use" not in str(err):
                raise
            last_error = err
    assert last_error is not None
    if "is in use" in str(last_error) and leaked_config_reference(target, ident):
        raise RemoteError(
            f"{target.name} ({target.address}): dockerd still counts config-only network "
            f"{ident[:12]} as in use although no network is built from it. This is Docker's "
            "reference-count leak (moby/moby#35101): it happens when dockerd restarts while a "
            "macvlan task runs. Docker offers no way to release it; on the one-box hosts "
            "`python -m hosts down` removes it with the host; on other hosts remove it after "
            "`docker swarm leave` by restarting dockerd with a clean network store, then "
            "`pulumi state delete` this resource")
    raise last_error


def leaked_config_reference(target: Target, ident: str) -> bool:
    """A config-only network that dockerd calls in use while no network is built from it."""
    config = network_inspect(target, ident)
    if config is None or not config.get("ConfigOnly"):
        return False
    all_ids = docker(target, ["network", "ls", "-q"]).split()
    return not any((net.get("ConfigFrom") or {}).get("Network") == config["Name"]
                   for net in inspect_all(target, "network", all_ids))


# --- services -------------------------------------------------------------------

def service_create_args(props: dict[str, Any]) -> list[str]:
    args = ["service", "create", "--detach", "--name", props["name"],
            "--replicas", str(int(props.get("replicas", 1))),
            "--endpoint-mode", props.get("endpoint_mode", "vip"),
            # Local images have no registry digest to pin; every host has the image.
            "--no-resolve-image"]
    if props.get("init", True):
        # An init as PID 1 forwards SIGTERM, so `sleep` tasks stop at once, not after 10 s.
        args.append("--init")
    for network in props.get("networks", []):
        args += ["--network", network]
    for constraint in props.get("constraints", []):
        args += ["--constraint", constraint]
    for label, value in sorted((props.get("labels") or {}).items()):
        args += ["--label", f"{label}={value}"]
    args.append(props["image"])
    args += list(props.get("command") or [])
    return args


def service_create(target: Target, props: dict[str, Any]) -> str:
    return retry(lambda: docker(target, service_create_args(props))).strip()


def service_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "service", ident)


def service_tasks(target: Target, ident: str) -> list[dict[str, Any]]:
    out = docker(target, ["service", "ps", ident, "--no-trunc", "--filter",
                          "desired-state=running", "--format", "{{json .}}"])
    return _json_lines(out)


def wait_service_running(target: Target, ident: str, replicas: int,
                         timeout: float = 90) -> list[dict[str, Any]]:
    """Wait until `replicas` tasks run; fail with the task's own error otherwise."""
    tasks: list[dict[str, Any]] = []
    running: list[dict[str, Any]] = []
    for _ in polls(timeout):
        tasks = service_tasks(target, ident)
        running = [t for t in tasks if t.get("CurrentState", "").startswith("Running")]
        if len(running) >= replicas:
            return running
    errors = "; ".join(f"{t.get('Name')} on {t.get('Node')}: {t.get('CurrentState')} "
                       f"{t.get('Error', '')}".strip() for t in tasks) or "no tasks"
    raise RemoteError(f"{target.name}: service {ident} has {len(running)}/{replicas} "
                      f"running tasks after {timeout:g}s: {errors}")


def service_rm(target: Target, ident: str) -> None:
    try:
        docker(target, ["service", "rm", ident])
    except RemoteError as err:
        if not not_found(err):
            raise


# --- containers -----------------------------------------------------------------

def container_run_args(props: dict[str, Any]) -> list[str]:
    args = ["run", "-d", "--name", props["name"], "--network", props["network"],
            "--restart", "unless-stopped"]
    if props.get("init", True):
        args.append("--init")
    args.append(props["image"])
    args += list(props.get("command") or [])
    return args


def container_inspect(target: Target, ident: str) -> dict[str, Any] | None:
    return inspect(target, "container", ident)


def container_summary(container: dict[str, Any]) -> dict[str, Any]:
    networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
    return {
        "id": container["Id"],
        "name": container["Name"].lstrip("/"),
        "running": bool(container["State"]["Running"]),
        "addresses": {name: net.get("IPAddress", "") for name, net in sorted(networks.items())},
    }


def container_rm(target: Target, ident: str) -> None:
    try:
        docker(target, ["rm", "--force", ident])
    except RemoteError as err:
        if not not_found(err):
            raise
