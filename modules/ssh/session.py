"""Connections to the lab hosts and `run`, bounded and verified.

Host keys are checked against the lab's known_hosts with RejectPolicy (an unknown or changed
key is refused, never accepted). Every command has a wall-clock deadline: it ends by then
whether its output has stopped or not. One connection per host is reused within a process:
the dynamic-provider process serves every resource of an update, and one SSH handshake per
host instead of one per command is most of the speed of `pulumi up`.

Join tokens and unlock keys are redacted from every message this module produces, so an
error can be shown and logged as it is.
"""

from __future__ import annotations

import json
import math
import os
import select
import shlex
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# paramiko (a fifth of a second to import) is imported where a connection is made: the lab
# tool's verbs that connect to nothing (require, summary, stack) start without it.
if TYPE_CHECKING:
    import paramiko

from modules.ssh.errors import RemoteError, TransientError, redact
from modules.ssh.target import Target

# sshd refuses channels beyond MaxSessions (OpenSSH's default: 10) open at once on one
# connection. A parallel refresh on a manager opens that many, so commands to one host wait
# for a free session instead, a few below the default limit.
SESSIONS_PER_HOST = 8
# Even so sshd refuses one now and then under load ("no more sessions"): it frees a closed
# channel's session only when it collects dead channels, after it has handled what else came
# in the same read (the next command's channel), and only once the command's process is
# reaped. A refused channel ran nothing, so it is asked for again.
CHANNEL_OPEN_ATTEMPTS = 5
CHANNEL_OPEN_PAUSE = 0.1


@dataclass(frozen=True)
class Result:
    exit_status: int
    stdout: str
    stderr: str
    raw: bytes = b""
    """stdout as it came (stdout is it decoded): an HTTP stream's lengths count bytes."""


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


def _connect(target: Target) -> paramiko.SSHClient:
    import paramiko

    where = target.label
    for what, path in (("SSH key file", target.key_file), ("known_hosts file",
                                                           target.known_hosts_file)):
        if not Path(path).is_file():
            raise RemoteError(f"{where}: {what} {path} does not exist; are the hosts up "
                              "(`make hosts`)?")
    # Files that are there but unreadable are refused here, naming the file and never its
    # content: paramiko would raise its own exception (with the bad line) or call it transient.
    try:
        key = paramiko.PKey.from_path(target.key_file)
    except (paramiko.SSHException, ValueError, TypeError):
        raise RemoteError(f"{where}: SSH key file {target.key_file} is not a private key without "
                          "a passphrase (OpenSSH or PEM); allowed: the lab's key, as the hosts "
                          "tool makes it") from None
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(target.known_hosts_file)
    except (paramiko.hostkeys.InvalidHostKey, ValueError):
        raise RemoteError(f"{where}: known_hosts file {target.known_hosts_file} has a line that is "
                          "not a host key; allowed: lines of `host key-type base64-key`, as the "
                          "hosts tool writes them") from None
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    timeout = target.connect_timeout
    endpoint = f"{target.endpoint}:{target.port}"
    try:
        client.connect(
            target.endpoint, port=target.port, username=target.user,
            pkey=key, timeout=timeout, banner_timeout=timeout,
            auth_timeout=timeout, allow_agent=False, look_for_keys=False,
        )
    except paramiko.BadHostKeyException as err:
        raise RemoteError(f"{where}: host key does not match {target.known_hosts_file}; "
                          f"refusing to connect ({err})") from None
    except paramiko.AuthenticationException as err:
        raise RemoteError(f"{where}: SSH authentication as {target.user} with "
                          f"{target.key_file} failed: {err}") from None
    except paramiko.SSHException as err:
        if "not found in known_hosts" in str(err):
            raise RemoteError(f"{where}: host key is not in {target.known_hosts_file}; "
                              "refusing to connect") from None
        raise TransientError(f"{where}: SSH failed: {err}") from None
    except TimeoutError:
        raise RemoteError(f"{where}: SSH connect to {endpoint} timed out after {timeout:g}s; "
                          "is the host up and sshd running?") from None
    except paramiko.ssh_exception.NoValidConnectionsError as err:
        # One error per address tried: say what the socket said ("Connection refused").
        reasons = sorted({getattr(e, "strerror", None) or str(e) for e in err.errors.values()})
        raise RemoteError(f"{where}: cannot connect to {endpoint}: {'; '.join(reasons)}") from None
    except OSError as err:
        raise RemoteError(f"{where}: cannot connect to {endpoint}: "
                          f"{err.strerror or err}") from None
    return client


def _link(target: Target) -> _Link:
    key = (target.endpoint, target.port, target.user, target.key_file, target.known_hosts_file)
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


def run(target: Target, command: str, *, stdin: str | bytes | None = None, check: bool = True,
        timeout: float | None = None, hold_stdin: bool = False) -> Result:
    """Run one shell command on the host, within `timeout` seconds of wall-clock time (the
    target's command timeout by default); raise RemoteError naming host and command.
    `hold_stdin`: after `stdin`, send no end of input; the command ends on its own (a
    pipelined Engine API exchange whose last request closes the connection)."""
    limit = timeout or target.command_timeout
    started = time.time()
    deadline = time.monotonic() + limit
    with _link(target).sessions:
        status, raw, err_out = _session(target, command, stdin, deadline, limit, hold_stdin)
    out = raw.decode(errors="replace")
    _trace("command", target, started, command=command, exit=status)
    if check and status != 0:
        raise RemoteError(f"{target.label}: `{redact(command)}` exited {status}: "
                          f"{redact(err_out.strip() or out.strip())}")
    return Result(status, out, err_out, raw)


def bounded(command: str, limit: float) -> str:
    """The command as the host runs it: under the host's own `timeout`, a little after the
    client's deadline (TERM, then KILL). A command the client gave up on must not live on:
    a hung `docker` CLI would keep its process, and its sshd session, which counts against
    sshd's MaxSessions on the shared connection until the channels run out."""
    return f"timeout -k 3 {math.ceil(limit) + 2} sh -c {shlex.quote(command)}"


def _session(target: Target, command: str, stdin: str | bytes | None, deadline: float,
             limit: float, hold_stdin: bool = False) -> tuple[int, bytes, str]:
    """One command on its own channel of the host's shared connection."""
    import paramiko

    transport = None
    try:
        transport = _client(target).get_transport()
        assert transport is not None
        channel = _open_channel(transport, target, deadline)
        try:
            channel.exec_command(bounded(command, limit))
            if stdin is not None:
                channel.sendall(stdin.encode() if isinstance(stdin, str) else stdin)
            if not hold_stdin:
                channel.shutdown_write()
            out, err_out = _drain(channel, deadline)
            if out is None or not channel.status_event.wait(max(0.0, deadline - time.monotonic())):
                raise RemoteError(f"{target.label}: `{redact(command)}` did not finish within "
                                  f"{limit:g}s")
            return channel.recv_exit_status(), out, err_out
        finally:
            channel.close()
    except (paramiko.SSHException, EOFError, OSError) as err:
        # Only a dead connection is dropped: a channel refused on a live one must not take
        # down the other commands in flight on it.
        if transport is None or not transport.is_active():
            forget(target)
        raise TransientError(f"{target.label}: SSH session failed: "
                             f"{str(err) or type(err).__name__}") from None


def _open_channel(transport: paramiko.Transport, target: Target, deadline: float
                  ) -> paramiko.Channel:
    """A new channel on the live connection, asked for again (a few times, each pause
    longer) while sshd refuses it and the deadline allows."""
    import paramiko

    for attempt in range(1, CHANNEL_OPEN_ATTEMPTS + 1):
        try:
            return transport.open_session(timeout=target.connect_timeout)
        except paramiko.SSHException:
            # A refusal is a ChannelException, or a bare "Unable to open channel." when
            # another refusal came at the same moment (paramiko keeps one per connection).
            if not transport.is_active():
                raise
            pause = CHANNEL_OPEN_PAUSE * 2 ** (attempt - 1)
            if attempt == CHANNEL_OPEN_ATTEMPTS or time.monotonic() + pause >= deadline:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")


def _drain(channel: paramiko.Channel, deadline: float) -> tuple[bytes | None, str]:
    """Both streams to EOF (stdout as bytes), or (None, ...) at the deadline. Exit-status can
    arrive before the last stderr bytes, so reading stops at EOF, not at exit-status."""
    out, err = bytearray(), bytearray()
    while True:
        while channel.recv_ready():
            out += channel.recv(65536)
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(65536)
        if channel.eof_received and not channel.recv_ready() and not channel.recv_stderr_ready():
            return bytes(out), err.decode(errors="replace")
        if channel.closed:
            # Closed without EOF: the connection died under the command (paramiko closes its
            # channels then). Waiting would only wait out the deadline.
            raise EOFError("the connection to the host was lost while the command ran")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, err.decode(errors="replace")
        select.select([channel], [], [], min(remaining, 1.0))
