"""Commands on lab hosts over SSH (paramiko), bounded and verified.

Every call has connect, banner, auth and command timeouts; host keys are
checked against the lab's known_hosts with RejectPolicy (an unknown or
changed key is refused, never accepted). Connections are reused per host
within one process: the dynamic-provider process serves every resource of
an update, and one SSH handshake per host instead of one per command is
most of the speed of `pulumi up`.

Join tokens and unlock keys are redacted from every message this module
produces, so an error can be shown and logged as it is.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import paramiko

SECRET_PATTERN = re.compile(r"SWM(?:TKN|KEY)-1-[0-9A-Za-z+/=_-]+")

T = TypeVar("T")


def redact(text: str) -> str:
    """Replace swarm join tokens and unlock keys with a fixed marker."""
    return SECRET_PATTERN.sub("[secret]", text)


class RemoteError(RuntimeError):
    """A command failed on a host, or the host could not be reached; the message says which."""


class TransientError(RemoteError):
    """A failure that a bounded retry may cure (connection reset, daemon busy)."""


@dataclass(frozen=True)
class Target:
    """How to reach one host. Plain data: dynamic providers keep it in their inputs."""

    name: str
    address: str
    user: str
    key_file: str
    known_hosts_file: str
    connect_timeout: float = 5.0
    command_timeout: float = 120.0
    port: int = 22

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Result:
    exit_status: int
    stdout: str
    stderr: str



def _connect(target: Target) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    known_hosts = Path(target.known_hosts_file)
    if not known_hosts.is_file():
        raise RemoteError(f"{target.name} ({target.address}): known_hosts file "
                          f"{target.known_hosts_file} does not exist; are the hosts up?")
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    timeout = target.connect_timeout
    try:
        client.connect(
            target.address, port=target.port, username=target.user,
            key_filename=target.key_file, timeout=timeout, banner_timeout=timeout,
            auth_timeout=timeout, allow_agent=False, look_for_keys=False,
        )
    except paramiko.BadHostKeyException as err:
        raise RemoteError(f"{target.name} ({target.address}): host key does not match "
                          f"{target.known_hosts_file}; refusing to connect ({err})") from None
    except paramiko.SSHException as err:
        if "not found in known_hosts" in str(err):
            raise RemoteError(f"{target.name} ({target.address}): host key is not in "
                              f"{target.known_hosts_file}; refusing to connect") from None
        raise TransientError(f"{target.name} ({target.address}): SSH failed: {err}") from None
    except TimeoutError:
        raise RemoteError(f"{target.name} ({target.address}): SSH connect timed out after "
                          f"{timeout:g}s; is the host up and sshd running?") from None
    except OSError as err:
        raise RemoteError(f"{target.name} ({target.address}): cannot connect to "
                          f"port {target.port}: {err.strerror or err}") from None
    return client


# sshd refuses more than MaxSessions (OpenSSH default 10) channels open at once on one
# connection, and a refused channel used to drop the shared connection under every command in
# flight. A parallel refresh on the manager opens that many, so commands to one host wait for
# a free session instead, a few below the default limit.
SESSIONS_PER_HOST = 8


@dataclass
class _Link:
    """What this process keeps per host: the shared connection, the lock for (re)connecting
    it (one per host, so a handshake with one host never waits for another), and the slots
    for the commands open on it at once."""

    client: paramiko.SSHClient | None = None
    connecting: threading.Lock = field(default_factory=threading.Lock)
    sessions: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(SESSIONS_PER_HOST))


_links: dict[tuple, _Link] = {}
_links_lock = threading.Lock()
_trace_lock = threading.Lock()


def _trace(event: str, target: Target, started: float, **fields: object) -> None:
    """With SWARMLAB_SSH_LOG=<file>, one JSON line per SSH connect and command (secrets
    redacted): how `make bench` counts round trips and finds where the time goes."""
    path = os.environ.get("SWARMLAB_SSH_LOG")
    if not path:
        return
    line = json.dumps({"event": event, "host": target.name, "pid": os.getpid(),
                       "start": round(started, 3),
                       "seconds": round(time.time() - started, 3), **fields})
    with _trace_lock, open(path, "a", encoding="utf-8") as log:
        log.write(redact(line) + "\n")


def _link(target: Target) -> _Link:
    key = (target.address, target.port, target.user, target.key_file, target.known_hosts_file)
    with _links_lock:
        return _links.setdefault(key, _Link())


def _client(target: Target) -> paramiko.SSHClient:
    link = _link(target)
    with link.connecting:
        client = link.client
        transport = client.get_transport() if client else None
        if client is None or transport is None or not transport.is_active():
            started = time.time()
            client = link.client = _connect(target)
            _trace("connect", target, started)
        return client


def forget(target: Target) -> None:
    """Drop a cached connection (after the host went away or restarted)."""
    link = _link(target)
    with link.connecting:
        client, link.client = link.client, None
    if client:
        client.close()


def run(target: Target, command: str, *, stdin: str | None = None, check: bool = True,
        timeout: float | None = None) -> Result:
    """Run one shell command on the host; raise RemoteError naming host and command on failure."""
    limit = timeout or target.command_timeout
    started = time.time()
    with _link(target).sessions:
        status, out, err_out = _session(target, command, stdin, limit)
    result = Result(status, out, err_out)
    _trace("command", target, started, command=command, exit=status)
    if check and status != 0:
        raise RemoteError(
            f"{target.name} ({target.address}): `{redact(command)}` exited {status}: "
            f"{redact(err_out.strip() or out.strip())}"
        )
    return result


def _session(target: Target, command: str, stdin: str | None, limit: float
             ) -> tuple[int, str, str]:
    """One command on its own channel of the host's shared connection."""
    transport = None
    try:
        transport = _client(target).get_transport()
        assert transport is not None
        channel = transport.open_session(timeout=target.connect_timeout)
        channel.settimeout(limit)
        try:
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            out, err_out = _drain(channel, limit, target, command)
            return channel.recv_exit_status(), out, err_out
        finally:
            channel.close()
    except (paramiko.SSHException, EOFError, OSError) as err:
        # Only a dead connection is dropped: a channel refused on a live one must not take
        # down the other commands in flight on it.
        if transport is None or not transport.is_active():
            forget(target)
        raise TransientError(f"{target.name} ({target.address}): SSH session failed: "
                             f"{err or type(err).__name__}") from None


def _drain(channel: paramiko.Channel, limit: float, target: Target, command: str
           ) -> tuple[str, str]:
    # Read to EOF on both streams: exit-status can arrive before the last stderr bytes are
    # consumed, so stopping at exit-status would lose the error message.
    try:
        out = channel.makefile("rb").read()
        err = channel.makefile_stderr("rb").read()
    except TimeoutError:
        raise RemoteError(f"{target.name} ({target.address}): `{redact(command)}` did not "
                          f"finish within {limit:g}s") from None
    return out.decode(errors="replace"), err.decode(errors="replace")


def retry(action: Callable[[], T], *, attempts: int = 4, delay: float = 0.5,
          sleep: Callable[[float], None] | None = None,
          transient: tuple[type[BaseException], ...] = (TransientError,)) -> T:
    """Run action, retrying only on transient errors, a bounded number of times. `sleep` is
    looked up when called (time.sleep by default), so a test that patches it is obeyed."""
    pause = sleep or time.sleep
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except transient:
            if attempt == attempts:
                raise
            pause(delay * attempt)
    raise AssertionError("unreachable")
