"""Running `docker ...` on a host over SSH, and what its errors mean."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import Any

from modules.ssh import RemoteError, Target, TransientError, redact, run

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
    # Raft between leaders: a request the old one took, or one asked while none is elected.
    "node lost leader status",
    "does not have a leader",
)


# What the docker CLI says when no dockerd answers on its socket (the second from
# `docker system dial-stdio`, which the Engine API requests go through).
DAEMON_DOWN = ("Cannot connect to the Docker daemon", "failed to open the raw stream connection")


class DaemonDownError(TransientError):
    """dockerd does not answer at all: transient while it restarts, but a read gains nothing
    by waiting for a daemon that is simply stopped."""


def command_line(args: Iterable[str]) -> str:
    return "docker " + " ".join(shlex.quote(a) for a in args)


def classify(target: Target, what: str, message: str) -> RemoteError:
    """The error for a failed docker call, by what the daemon said."""
    error_type = TransientError if any(m in message for m in TRANSIENT_MARKERS) else RemoteError
    hint = ""
    if any(m in message for m in DAEMON_DOWN):
        error_type = DaemonDownError
        hint = (f"; dockerd is not running on {target.name}: start it (one-box hosts: "
                "`python -m hosts up`) and run `pulumi up` again")
    return error_type(f"{target.label}: `{redact(what)}` failed: {redact(message)}{hint}")


def docker(target: Target, args: Iterable[str], *, stdin: str | bytes | None = None,
           check: bool = True, timeout: float | None = None) -> str:
    """Run `docker ARGS` on the host and return stdout; transient daemon errors are marked."""
    command = command_line(args)
    result = run(target, command, stdin=stdin, check=False, timeout=timeout)
    if check and result.exit_status != 0:
        raise classify(target, command, result.stderr.strip() or result.stdout.strip())
    return result.stdout


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def not_found(err: Exception) -> bool:
    """The object does not exist: also when the node is in no swarm, so no swarm object can."""
    text = str(err).lower()
    return "no such" in text or "not found" in text or "not a swarm manager" in text


def inspect(target: Target, kind: str, ident: str) -> dict[str, Any] | None:
    """`docker KIND inspect IDENT` as a dict, or None when there is no such object."""
    try:
        out = docker(target, [kind, "inspect", "--format", "{{json .}}", "--", ident])
    except RemoteError as err:
        if not_found(err):
            return None
        raise
    return dict(json.loads(out))


def inspect_all(target: Target, kind: str, idents: list[str]) -> list[dict[str, Any]]:
    """`docker KIND inspect` of several objects in one command; those that do not exist (any
    more) are left out."""
    if not idents:
        return []
    out = docker(target, [kind, "inspect", "--", *idents], check=False)
    return list(json.loads(out or "[]"))


def remove(target: Target, args: list[str]) -> None:
    """A removal that is done when the object is already gone."""
    try:
        docker(target, args)
    except RemoteError as err:
        if not not_found(err):
            raise
