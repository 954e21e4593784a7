"""The swarm on one node: info, init, join, leave, and the settings a manager keeps."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from modules.docker import engine
from modules.docker.cli import docker
from modules.ssh import RemoteError, Target, polls, run


def info(target: Target) -> dict[str, Any]:
    """`docker info`'s Swarm section: LocalNodeState, NodeID, Cluster (managers only) ...
    Not retried here: the caller retries, once, at its own level (a provider's read as a
    whole, a join attempt), so transient answers are never retried twice over."""
    return dict(json.loads(docker(target, ["info", "--format", "{{json .Swarm}}"])))


def init(target: Target, advertise: str) -> None:
    docker(target, ["swarm", "init", "--advertise-addr", advertise,
                    "--listen-addr", f"{advertise}:2377"])


def join(target: Target, token: str, advertise: str, manager_addr: str, *,
         availability: str = "active", timeout: float = 60) -> None:
    """`docker swarm join`, as the Engine API request the CLI would send: the token is in the
    request body on stdin, never on a command line."""
    engine.call(target, "POST", "/swarm/join", {
        "ListenAddr": f"{advertise}:2377", "AdvertiseAddr": advertise,
        "RemoteAddrs": [f"{manager_addr}:2377"], "JoinToken": token,
        "Availability": availability,
    }, timeout=timeout)


def unlock(target: Target, key: str) -> None:
    """`docker swarm unlock` with the key in the request body."""
    engine.call(target, "POST", "/swarm/unlock", {"UnlockKey": key})


def join_token(target: Target, role: str) -> str:
    return docker(target, ["swarm", "join-token", "-q", role]).strip()


def rotate_join_token(target: Target, role: str) -> None:
    docker(target, ["swarm", "join-token", "--rotate", "-q", role])


def unlock_key(target: Target) -> str:
    return docker(target, ["swarm", "unlock-key", "-q"]).strip()


@dataclass(frozen=True)
class SwarmSettings:
    """What a lab sets on its swarm (CIS 7.5, 7.7); Docker's defaults otherwise."""

    autolock: bool = False
    cert_expiry: str = ""


def update(target: Target, settings: SwarmSettings) -> None:
    args = ["swarm", "update", f"--autolock={'true' if settings.autolock else 'false'}"]
    if settings.cert_expiry:
        args += ["--cert-expiry", settings.cert_expiry]
    docker(target, args)


POLL_SECONDS = 0.5
QUIET_POLLS = 4
"""Polls half a second apart that must find no task container before a leave is done."""
QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE = 80
"""The same, 40 s, after a leave Docker gave up on ("context deadline exceeded"): its agent is
still cleaning up, and a step of that cleanup that waits on networkdb's bulk sync (which
gives up after 30 s) can create a task container when it ends. Seen on 20.10: the leave
returned its error at :30, the node left at :31, the container appeared at :42."""
LEAVE_TIMED_OUT = ("context deadline exceeded", "code = DeadlineExceeded")


def _leave_once(target: Target) -> bool:
    """`docker swarm leave --force`; whether Docker gave up waiting on its agent. A node in
    no swarm has nothing to leave."""
    try:
        docker(target, ["swarm", "leave", "--force"])
    except RemoteError as err:
        if any(marker in str(err) for marker in LEAVE_TIMED_OUT):
            return True
        if "not part of a swarm" not in str(err):
            raise
    return False


def leave(target: Target, timeout: float = 30) -> list[str]:
    """Leave the swarm, then remove the task containers the swarm can no longer clean up;
    the IDs of those it removed.

    Task containers left after the leave: those of services removed while this node was
    down (nothing in the swarm reconciles them any more), those dockerd is still removing
    for services removed a moment ago, and those its agent still creates after the leave has
    returned (a task it was handed before: "task manager failed to report status to agent").
    So it is done only when the node is out of the swarm and QUIET_POLLS polls in a row
    found none (QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE after a leave Docker gave up on), bounded
    by `timeout` (and the longer quiet wait). "Already in progress" and "No such container"
    are what we want."""
    timed_out = _leave_once(target)
    quiet_needed = QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE if timed_out else QUIET_POLLS
    task_filter = ["ps", "-aq", "--filter", "label=com.docker.swarm.task.id"]
    orphans: list[str] = []
    removed: list[str] = []
    quiet, state = 0, ""
    bound = timeout + (quiet_needed - QUIET_POLLS) * POLL_SECONDS
    for _ in polls(bound, first=POLL_SECONDS, longest=POLL_SECONDS):
        orphans = docker(target, task_filter).split()
        if not orphans:
            state = str(info(target).get("LocalNodeState"))
            quiet = quiet + 1 if state == "inactive" else 0
            if quiet >= quiet_needed:
                return removed
            if timed_out and state != "inactive":
                # Docker gave up before the node was out: ask again.
                _leave_once(target)
            continue
        quiet = 0
        result = run(target, "docker rm --force -- " + " ".join(map(shlex.quote, orphans)),
                     check=False)
        failures = [line for line in result.stderr.strip().splitlines()
                    if "already in progress" not in line and "No such container" not in line]
        if failures:
            raise RemoteError(f"{target.label}: task containers left after `docker swarm leave` "
                              f"cannot be removed: {'; '.join(failures)}")
        removed += [o for o in orphans if o not in removed]
    if orphans:
        raise RemoteError(f"{target.label}: task containers still there {bound:g}s after "
                          f"`docker swarm leave`: {' '.join(orphans)}")
    raise RemoteError(f"{target.label}: still {state or 'in a swarm'} {bound:g}s after "
                      "`docker swarm leave --force`")
