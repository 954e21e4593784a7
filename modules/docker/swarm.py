"""The swarm on one node: info, init, join, leave, and the settings a manager keeps."""

from __future__ import annotations

import contextlib
import json
import shlex
import time
from dataclasses import dataclass
from typing import Any

from modules.docker import engine
from modules.docker.cli import docker
from modules.ssh import RemoteError, Target, TransientError, polls, run


def info(target: Target) -> dict[str, Any]:
    """`docker info`'s Swarm section: LocalNodeState, NodeID, Cluster (managers only) ...
    Not retried here: the caller retries, once, at its own level (a provider's read as a
    whole, a join attempt), so transient answers are never retried twice over."""
    return settled(target.label, dict(json.loads(
        docker(target, ["info", "--format", "{{json .Swarm}}"]))))


def settled(label: str, found: dict[str, Any]) -> dict[str, Any]:
    """The Swarm section, unless the manager cannot say which swarm it is in: while its raft
    has no leader it still says "active", with an error and an empty cluster ID (read as
    another swarm or none, the swarm was dropped from the state)."""
    if found.get("ControlAvailable") and not (found.get("Cluster") or {}).get("ID"):
        raise TransientError(f"{label}: the swarm does not say which it is (no cluster ID): "
                             f"{found.get('Error') or 'no error given'}")
    return found


def init(target: Target, advertise: str) -> None:
    docker(target, ["swarm", "init", "--advertise-addr", advertise,
                    "--listen-addr", f"{advertise}:2377"])


# dockerd answers a join that took longer than its own 20 s with this, and goes on joining
# in the background (31 nodes joining a 2-core machine's swarm at once, now and then).
JOIN_GOES_ON = "Timeout was reached before node joined"


def join(target: Target, token: str, advertise: str, manager_addr: str, *,
         availability: str = "active", timeout: float = 60) -> None:
    """`docker swarm join`, as the Engine API request the CLI would send: the token is in the
    request body on stdin, never on a command line. A join dockerd carries on in the
    background is waited for, up to `timeout` more seconds."""
    try:
        engine.call(target, "POST", "/swarm/join", {
            "ListenAddr": f"{advertise}:2377", "AdvertiseAddr": advertise,
            "RemoteAddrs": [f"{manager_addr}:2377"], "JoinToken": token,
            "Availability": availability,
        }, timeout=timeout)
    except RemoteError as err:
        if JOIN_GOES_ON not in str(err):
            raise
        wait_joined(target, timeout)


def wait_joined(target: Target, timeout: float) -> None:
    """Until the node's own join, going on in the background, has made it active."""
    state = "unknown"
    for _ in polls(timeout):
        found = info(target)
        state = str(found.get("LocalNodeState", "unknown"))
        if state == "active":
            return
        if state in ("inactive", "error"):
            raise RemoteError(f"{target.label}: the join dockerd went on with in the background "
                              f"ended {state}: {found.get('Error') or 'no reason given'}")
    raise RemoteError(f"{target.label}: still {state} {timeout:g}s after dockerd's own join "
                      "timeout; see its log")


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
SETTLE_AFTER_A_TIMED_OUT_LEAVE = 40.0
"""After a leave Docker gave up on ("context deadline exceeded"), the seconds that must also
pass with no task container and the node out. Docker 20.10 stops waiting for its agent
after 15 s, and the agent's abandoned task operations run on: one blocked on networkdb's
bulk sync (which gives up after 30 s per peer) creates its task container when that ends.
Seen here: the leave's error at :30, the node out at :31, the container at :42."""
LEAVE_TIMED_OUT = ("context deadline exceeded", "code = DeadlineExceeded")
ASK_AGAIN_EVERY = 5.0
ASK_AGAIN_AT_MOST = 3
"""After a timed-out leave the node still says active until it is asked again (Cluster.Leave
returned before it cleared its node); each ask can block for 15 s, so they are spaced and
few."""


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
    found none (and, after a leave Docker gave up on, SETTLE_AFTER_A_TIMED_OUT_LEAVE seconds
    have passed so), bounded by `timeout` (plus twice that settling time). "Already in
    progress" and "No such container" are what we want."""
    started = time.monotonic()
    timed_out = _leave_once(target)
    settle = SETTLE_AFTER_A_TIMED_OUT_LEAVE if timed_out else 0.0
    bound = timeout + 2 * settle
    task_filter = ["ps", "-aq", "--filter", "label=com.docker.swarm.task.id"]
    orphans: list[str] = []
    removed: list[str] = []
    quiet, quiet_since, state = 0, started, ""
    asked, last_asked = 0, started
    for _ in polls(bound, first=POLL_SECONDS, longest=POLL_SECONDS):
        orphans = docker(target, task_filter).split()
        if not orphans:
            state = str(info(target).get("LocalNodeState"))
            if state == "inactive":
                quiet += 1
                if quiet >= QUIET_POLLS and time.monotonic() - quiet_since >= settle:
                    return removed
                continue
            quiet, quiet_since = 0, time.monotonic()
            if timed_out and asked < ASK_AGAIN_AT_MOST and \
                    time.monotonic() - last_asked >= ASK_AGAIN_EVERY:
                asked += 1
                with contextlib.suppress(TransientError):
                    _leave_once(target)
                last_asked = quiet_since = time.monotonic()
            continue
        quiet, quiet_since = 0, time.monotonic()
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
