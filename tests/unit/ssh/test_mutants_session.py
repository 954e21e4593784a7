"""modules.ssh.session in detail, against fakes of paramiko's client, transport and channel
that answer only what the code must ask: how a connection is made (every option), what each
failure to connect says, when a connection is reused or dropped, what one command sends and
reads, and the SSH trace log line by line."""

from __future__ import annotations

import codecs
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import paramiko
import pytest

from modules.ssh import RemoteError, Result, Target, TransientError, run
from modules.ssh import session as ssh_session
from tests.support import sshserver
from tests.support.fakes import TARGET

# --- connecting --------------------------------------------------------------------------


class FakeClient:
    """paramiko.SSHClient as _connect drives it: records every call; `connect` raises
    `error` when one is given."""

    error: BaseException | None = None
    made: ClassVar[list[FakeClient]] = []

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        FakeClient.made.append(self)

    def load_host_keys(self, path: str) -> None:
        self.calls.append(("load_host_keys", path))

    def set_missing_host_key_policy(self, policy: object) -> None:
        self.calls.append(("policy", type(policy)))

    def connect(self, hostname: str, **kwargs: Any) -> None:
        self.calls.append(("connect", (hostname, kwargs)))
        if FakeClient.error is not None:
            raise FakeClient.error


@pytest.fixture()
def files(tmp_path: Path) -> Target:
    """A target whose key file holds a real private key and whose known_hosts is there."""
    key = tmp_path / "id_ed25519"
    key.write_text(sshserver.new_key()[1])
    known = tmp_path / "known_hosts"
    known.write_text("")
    return Target(name="worker", address="192.168.1.11", user="lab", key_file=str(key),
                  known_hosts_file=str(known), connect_timeout=7.5, ssh_host="127.0.0.1",
                  port=2222)


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    monkeypatch.setattr(FakeClient, "made", [])
    monkeypatch.setattr(FakeClient, "error", None)
    monkeypatch.setattr(paramiko, "SSHClient", FakeClient)
    return FakeClient


def test_a_connection_checks_the_host_key_and_uses_only_the_labs_key(files, client):
    made = ssh_session._connect(files)
    assert client.made == [made]
    assert made.calls == [
        ("load_host_keys", files.known_hosts_file),
        ("policy", paramiko.RejectPolicy),
        ("connect", ("127.0.0.1", {
            "port": 2222, "username": "lab", "pkey": paramiko.PKey.from_path(files.key_file),
            "timeout": 7.5,
            "banner_timeout": 7.5, "auth_timeout": 7.5, "allow_agent": False,
            "look_for_keys": False})),
    ]


def test_a_missing_known_hosts_file_is_named(files, client):
    Path(files.known_hosts_file).unlink()
    with pytest.raises(RemoteError) as caught:
        ssh_session._connect(files)
    assert str(caught.value) == (f"worker (192.168.1.11): known_hosts file {files.known_hosts_file} "
                                 "does not exist; are the hosts up (`make hosts`)?")
    assert not isinstance(caught.value, TransientError) and client.made == []


def test_a_key_file_that_is_a_directory_is_not_a_file(files, client, tmp_path):
    where = tmp_path / "dir"
    where.mkdir()
    target = Target(**{**files.as_dict(), "key_file": str(where)})
    with pytest.raises(RemoteError, match=r"SSH key file .*/dir does not exist"):
        ssh_session._connect(target)


def test_a_key_file_that_is_no_key_is_refused_without_its_content(files, client):
    Path(files.key_file).write_text("not a key at all\n")
    with pytest.raises(RemoteError) as caught:
        ssh_session._connect(files)
    assert str(caught.value) == (
        f"worker (192.168.1.11): SSH key file {files.key_file} is not a private key without a "
        "passphrase (OpenSSH or PEM); allowed: the lab's key, as the hosts tool makes it")
    assert not isinstance(caught.value, TransientError) and client.made == []


@pytest.mark.parametrize("error", [ValueError("bad"), paramiko.hostkeys.InvalidHostKey("l", ValueError())])
def test_a_known_hosts_line_that_is_no_host_key_is_refused(files, client, monkeypatch, error):
    def load(self, path):
        raise error

    monkeypatch.setattr(FakeClient, "load_host_keys", load)
    with pytest.raises(RemoteError) as caught:
        ssh_session._connect(files)
    assert str(caught.value) == (
        f"worker (192.168.1.11): known_hosts file {files.known_hosts_file} has a line that is not "
        "a host key; allowed: lines of `host key-type base64-key`, as the hosts tool writes them")
    assert not isinstance(caught.value, TransientError)


def _refusal(files: Target, client: type[FakeClient], error: BaseException) -> RemoteError:
    client.error = error
    with pytest.raises(RemoteError) as caught:
        ssh_session._connect(files)
    return caught.value


def test_each_failure_to_connect_says_what_happened(files, client):
    key, _ = sshserver.new_key()
    other, _ = sshserver.new_key()
    kh = files.known_hosts_file
    cases: list[tuple[BaseException, str, bool]] = [
        (paramiko.BadHostKeyException("h", key, other),
         f"host key does not match {kh}; refusing to connect "
         f"({paramiko.BadHostKeyException('h', key, other)})", False),
        (paramiko.AuthenticationException("Authentication failed."),
         f"SSH authentication as lab with {files.key_file} failed: Authentication failed.", False),
        (paramiko.SSHException("Server '[127.0.0.1]:2222' not found in known_hosts"),
         f"host key is not in {kh}; refusing to connect", False),
        (paramiko.SSHException("Error reading SSH protocol banner"),
         "SSH failed: Error reading SSH protocol banner", True),
        (TimeoutError(),
         "SSH connect to 127.0.0.1:2222 timed out after 7.5s; is the host up and sshd running?",
         False),
        (paramiko.ssh_exception.NoValidConnectionsError({
            ("127.0.0.1", 2222): OSError(111, "Connection refused"),
            ("::1", 2222, 0, 0): OSError("no route"),
            ("10.0.0.2", 2222): Exception("not a socket error"),
            ("10.0.0.1", 2222): OSError(111, "Connection refused")}),
         "cannot connect to 127.0.0.1:2222: Connection refused; no route; not a socket error",
         False),
        (OSError(113, "No route to host"), "cannot connect to 127.0.0.1:2222: No route to host",
         False),
        (OSError("plain words"), "cannot connect to 127.0.0.1:2222: plain words", False),
    ]
    for error, message, transient in cases:
        refused = _refusal(files, client, error)
        assert str(refused) == f"worker (192.168.1.11): {message}"
        assert isinstance(refused, TransientError) is transient, message
        assert refused.__cause__ is None and refused.__suppress_context__


def test_a_connect_timeout_is_shown_without_trailing_zeros(files, client):
    target = Target(**{**files.as_dict(), "connect_timeout": 5.0})
    client.error = TimeoutError()
    with pytest.raises(RemoteError, match=r"timed out after 5s;"):
        ssh_session._connect(target)


# --- the connection per host ---------------------------------------------------------------


class Transport:
    def __init__(self, active: bool = True) -> None:
        self.active = active

    def is_active(self) -> bool:
        return self.active


class Client:
    def __init__(self, transport: Transport | None) -> None:
        self.transport = transport
        self.closed = 0

    def get_transport(self) -> Transport | None:
        return self.transport

    def close(self) -> None:
        self.closed += 1


@pytest.fixture()
def connects(monkeypatch: pytest.MonkeyPatch) -> list[Client]:
    """Every _connect, each a new live client."""
    monkeypatch.setattr(ssh_session, "_links", {})
    made: list[Client] = []

    def connect(target: Target) -> Client:
        made.append(Client(Transport()))
        return made[-1]

    monkeypatch.setattr(ssh_session, "_connect", connect)
    return made


def test_a_live_connection_is_reused_and_a_dead_one_made_again(connects):
    first = ssh_session._client(TARGET)
    assert ssh_session._client(TARGET) is first and len(connects) == 1
    first.transport.active = False  # type: ignore[union-attr]
    second = ssh_session._client(TARGET)
    assert second is not first and len(connects) == 2
    second.transport = None
    third = ssh_session._client(TARGET)
    assert third is connects[2] and ssh_session._client(TARGET) is third


def test_forget_closes_and_drops_the_connection(connects):
    ssh_session.forget(TARGET)  # nothing to close yet
    first = ssh_session._client(TARGET)
    ssh_session.forget(TARGET)
    assert first.closed == 1 and ssh_session._link(TARGET).client is None
    ssh_session.forget(TARGET)
    assert first.closed == 1
    assert ssh_session._client(TARGET) is connects[1]


def test_one_link_per_endpoint_user_and_files_not_per_name(monkeypatch):
    monkeypatch.setattr(ssh_session, "_links", {})
    link = ssh_session._link(TARGET)
    assert ssh_session._link(Target(**{**TARGET.as_dict(), "name": "other",
                                        "address": "192.168.1.11"})) is link
    for change in ({"ssh_host": "127.0.0.1"}, {"port": 2222}, {"user": "lab"},
                   {"key_file": "k2"}, {"known_hosts_file": "kh2"}):
        assert ssh_session._link(Target(**{**TARGET.as_dict(), **change})) is not link, change
    assert isinstance(link.connecting, type(threading.Lock()))
    assert link.client is None
    for _ in range(ssh_session.SESSIONS_PER_HOST):
        assert link.sessions.acquire(blocking=False)
    assert not link.sessions.acquire(blocking=False)
    assert ssh_session.SESSIONS_PER_HOST == 8


# --- the trace log -------------------------------------------------------------------------


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    now = {"time": 1000.12345, "monotonic": 50.0}
    monkeypatch.setattr(ssh_session, "time", SimpleNamespace(time=lambda: now["time"],
                                                             monotonic=lambda: now["monotonic"]))
    monkeypatch.setattr(ssh_session.os, "getpid", lambda: 4242)
    return now


def test_the_trace_has_one_exact_line_per_connect_and_command(connects, clock, monkeypatch,
                                                              tmp_path):
    log = tmp_path / "ssh.jsonl"
    log.write_text("earlier\n")
    monkeypatch.setenv("SWARMLAB_SSH_LOG", str(log))

    def session(target, command, stdin, deadline, limit, hold_stdin=False):
        clock["time"] += 0.23456
        return 3, b"out", "err"

    monkeypatch.setattr(ssh_session, "_session", session)
    ssh_session._client(TARGET)
    run(TARGET, "docker ps", check=False)
    lines = log.read_text().splitlines()
    assert lines[0] == "earlier"
    assert [json.loads(line) for line in lines[1:]] == [
        {"event": "connect", "host": "worker", "pid": 4242, "start": 1000.123, "seconds": 0.0},
        {"event": "command", "host": "worker", "pid": 4242, "start": 1000.123, "seconds": 0.235,
         "command": "docker ps", "exit": 3},
    ]


def test_the_trace_is_written_as_utf_8_whatever_the_locale(connects, clock, monkeypatch,
                                                           tmp_path):
    log = tmp_path / "ssh.jsonl"
    monkeypatch.setenv("SWARMLAB_SSH_LOG", str(log))
    opened = []

    def recording_open(path, mode, **kwargs):
        opened.append((path, mode, codecs.lookup(kwargs.get("encoding") or "ascii").name))
        return open(path, mode, **kwargs)

    monkeypatch.setattr(ssh_session, "open", recording_open, raising=False)
    ssh_session._client(TARGET)
    assert opened == [(str(log), "a", "utf-8")]


def test_no_trace_without_a_log_file(connects, clock, monkeypatch, tmp_path):
    monkeypatch.setenv("SWARMLAB_SSH_LOG", "")
    monkeypatch.chdir(tmp_path)
    ssh_session._client(TARGET)
    assert list(tmp_path.iterdir()) == []


# --- run -----------------------------------------------------------------------------------


def test_run_gives_the_session_the_targets_timeout_and_returns_every_stream(clock, monkeypatch):
    asked = []

    def session(target, command, stdin, deadline, limit, hold_stdin=False):
        asked.append((target, command, stdin, deadline, limit))
        return 0, b"caf\xc3\xa9 \xff", "warn"

    monkeypatch.setattr(ssh_session, "_session", session)
    assert run(TARGET, "cat", stdin="in") == Result(0, "café \ufffd", "warn", b"caf\xc3\xa9 \xff")
    assert run(TARGET, "cat", timeout=3) .exit_status == 0
    assert asked == [(TARGET, "cat", "in", 170.0, 120.0), (TARGET, "cat", None, 53.0, 3)]


def test_a_failed_command_names_host_command_status_and_what_it_said(monkeypatch):
    said = {"answer": (2, b"  on stdout \n", "  on stderr\n")}
    monkeypatch.setattr(ssh_session, "_session", lambda *a: said["answer"])
    with pytest.raises(RemoteError) as caught:
        run(TARGET, "docker ps")
    assert str(caught.value) == "worker (192.168.1.11): `docker ps` exited 2: on stderr"
    assert not isinstance(caught.value, TransientError)
    said["answer"] = (1, b"  on stdout \n", " \n")
    with pytest.raises(RemoteError) as caught:
        run(TARGET, "docker ps")
    assert str(caught.value) == "worker (192.168.1.11): `docker ps` exited 1: on stdout"
    said["answer"] = (1, b"x", "y")
    assert run(TARGET, "false", check=False) == Result(1, "x", "y", b"x")


# --- one session ---------------------------------------------------------------------------


class Channel:
    """A channel that gives `out` and `err` in chunks, then EOF, then exit status `status`."""

    def __init__(self, out: list[bytes], err: list[bytes], status: int = 0,
                 finished: bool = True) -> None:
        self.out, self.err = list(out), list(err)
        self.status = status
        self.calls: list[tuple[str, Any]] = []
        self.closed = False
        self.eof_received = True
        self.waited: list[float] = []
        self.finished = finished
        self.status_event = SimpleNamespace(wait=self._wait)

    def _wait(self, timeout: float) -> bool:
        self.waited.append(timeout)
        return self.finished

    def exec_command(self, command: str) -> None:
        self.calls.append(("exec", command))

    def sendall(self, data: bytes) -> None:
        self.calls.append(("sendall", data))

    def shutdown_write(self) -> None:
        self.calls.append(("shutdown_write", None))

    def recv_ready(self) -> bool:
        return bool(self.out)

    def recv(self, size: int) -> bytes:
        assert size == 65536
        return self.out.pop(0)

    def recv_stderr_ready(self) -> bool:
        return bool(self.err)

    def recv_stderr(self, size: int) -> bytes:
        assert size == 65536
        return self.err.pop(0)

    def recv_exit_status(self) -> int:
        return self.status

    def close(self) -> None:
        self.calls.append(("close", None))


class SessionTransport(Transport):
    def __init__(self, channel: Channel | BaseException, active: bool = True) -> None:
        super().__init__(active)
        self.channel = channel
        self.opened: list[float] = []

    def open_session(self, timeout: float) -> Channel:
        self.opened.append(timeout)
        if isinstance(self.channel, BaseException):
            raise self.channel
        return self.channel


@pytest.fixture()
def host(monkeypatch: pytest.MonkeyPatch):
    """_client answers with a client on `transport`; forget is recorded."""
    state: dict[str, Any] = {"forgotten": []}
    monkeypatch.setattr(ssh_session, "_client",
                        lambda target: Client(state["transport"]))
    monkeypatch.setattr(ssh_session, "forget", lambda target: state["forgotten"].append(target.name))
    monkeypatch.setattr(ssh_session, "time", SimpleNamespace(monotonic=lambda: 100.0, sleep=lambda _: None))
    return state


@pytest.mark.parametrize(("stdin", "sent"), [("héllo", "héllo".encode()), (b"\x00raw", b"\x00raw"),
                                             (None, None), ("", b"")])
def test_a_session_runs_the_bounded_command_sends_stdin_and_reads_to_eof(host, stdin, sent):
    channel = Channel([b"a", b"b\xff"], [b"e1", b"\xc3"], status=5)
    host["transport"] = transport = SessionTransport(channel)
    target = Target(**{**TARGET.as_dict(), "connect_timeout": 4.0})
    got = ssh_session._session(target, "echo 'x'", stdin, 130.0, 30.0)
    assert got == (5, b"ab\xff", "e1\ufffd")
    assert transport.opened == [4.0]
    assert channel.calls == [("exec", ssh_session.bounded("echo 'x'", 30.0)),
                             *([("sendall", sent)] if sent is not None else []),
                             ("shutdown_write", None), ("close", None)]
    assert channel.waited == [30.0]


def test_a_held_stdin_is_sent_with_no_end_of_input_and_read_to_eof(host):
    channel = Channel([b"HTTP/1.1 200 OK"], [], status=0)
    host["transport"] = SessionTransport(channel)
    got = ssh_session._session(TARGET, "docker system dial-stdio", b"GET /info", 130.0, 30.0,
                               hold_stdin=True)
    assert got == (0, b"HTTP/1.1 200 OK", "")
    assert channel.calls == [("exec", ssh_session.bounded("docker system dial-stdio", 30.0)),
                             ("sendall", b"GET /info"), ("close", None)]


def test_run_passes_a_held_stdin_on(monkeypatch):
    held = []

    def session(target, command, stdin, deadline, limit, hold_stdin=False):
        held.append(hold_stdin)
        return 0, b"", ""
    monkeypatch.setattr(ssh_session, "_session", session)
    ssh_session.run(TARGET, "cat", stdin=b"x", hold_stdin=True)
    ssh_session.run(TARGET, "cat", stdin=b"x")
    assert held == [True, False]


def test_a_command_past_its_deadline_is_named_and_its_channel_closed(host):
    channel = Channel([], [], finished=False)
    host["transport"] = SessionTransport(channel)
    with pytest.raises(RemoteError) as caught:
        ssh_session._session(TARGET, "sleep 9 SWMTKN-1-abc", None, 90.0, 1.5)
    assert str(caught.value) == ("worker (192.168.1.11): `sleep 9 [secret]` did not finish "
                                 "within 1.5s")
    assert not isinstance(caught.value, TransientError)
    assert channel.waited == [0.0] and channel.calls[-1] == ("close", None)
    assert host["forgotten"] == []


def test_output_that_never_ends_is_a_timeout_without_waiting_for_the_status(host, monkeypatch):
    channel = Channel([], [])
    channel.eof_received = False
    monkeypatch.setattr(ssh_session, "_drain", lambda channel, deadline: (None, ""))
    host["transport"] = SessionTransport(channel)
    with pytest.raises(RemoteError, match="did not finish within 2s"):
        ssh_session._session(TARGET, "yes", None, 102.0, 2)
    assert channel.waited == []


@pytest.mark.parametrize(("error", "active", "said"), [
    (paramiko.SSHException("Channel closed."), False, "Channel closed."),
    (paramiko.ChannelException(2, "Connect failed"), True, "ChannelException(2, 'Connect failed')"),
    (EOFError(), False, "EOFError"),
    (OSError("Socket is closed"), False, "Socket is closed"),
])
def test_a_failed_session_is_transient_and_drops_only_a_dead_connection(host, error, active, said):
    host["transport"] = SessionTransport(error, active=active)
    with pytest.raises(TransientError) as caught:
        ssh_session._session(TARGET, "true", None, 110.0, 10.0)
    assert str(caught.value) == f"worker (192.168.1.11): SSH session failed: {said}"
    assert host["forgotten"] == ([] if active else ["worker"])


def test_no_connection_at_all_is_forgotten_and_transient(host, monkeypatch):
    def refused(target):
        raise OSError("Connection reset by peer")

    monkeypatch.setattr(ssh_session, "_client", refused)
    with pytest.raises(TransientError, match=r"^worker \(192.168.1.11\): SSH session failed: "
                                             r"Connection reset by peer$"):
        ssh_session._session(TARGET, "true", None, 110.0, 10.0)
    assert host["forgotten"] == ["worker"]


def test_a_channel_lost_mid_command_is_closed_and_transient(host):
    channel = Channel([], [])
    channel.eof_received = False
    channel.closed = True
    host["transport"] = SessionTransport(channel, active=False)
    with pytest.raises(TransientError, match="SSH session failed: the connection to the host "
                                             "was lost while the command ran"):
        ssh_session._session(TARGET, "true", None, 110.0, 10.0)
    assert channel.calls[-1] == ("close", None) and host["forgotten"] == ["worker"]


# --- draining --------------------------------------------------------------------------------


class SlowChannel(Channel):
    """Output that arrives while _drain waits in select, on a clock select moves."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, arrivals: list[tuple[bytes, bytes]],
                 eof_after: int) -> None:
        super().__init__([], [])
        self.arrivals = arrivals
        self.eof_after = eof_after
        self.eof_received = False
        self.now = 0.0
        self.selects: list[tuple[list, list, list, float]] = []
        monkeypatch.setattr(ssh_session, "time", SimpleNamespace(monotonic=lambda: self.now))
        monkeypatch.setattr(ssh_session, "select", SimpleNamespace(select=self.select))

    def select(self, readable, writable, errors, timeout):
        self.selects.append((list(readable), writable, errors, timeout))
        self.now += timeout
        if self.arrivals:
            out, err = self.arrivals.pop(0)
            self.out += [out] if out else []
            self.err += [err] if err else []
        if len(self.selects) >= self.eof_after:
            self.eof_received = True
        return readable, [], []


def test_drain_waits_on_the_channel_at_most_a_second_at_a_time_until_eof(monkeypatch):
    channel = SlowChannel(monkeypatch, [(b"1", b""), (b"", b"e"), (b"2", b"\xff")], eof_after=3)
    out, err = ssh_session._drain(channel, 10.0)  # type: ignore[arg-type]
    assert (out, err) == (b"12", "e\ufffd")
    assert channel.selects == [([channel], [], [], 1.0)] * 3


def test_drain_stops_at_the_deadline_with_what_stderr_said(monkeypatch):
    channel = SlowChannel(monkeypatch, [(b"1", b"late \xff")], eof_after=99)
    out, err = ssh_session._drain(channel, 2.5)  # type: ignore[arg-type]
    assert (out, err) == (None, "late \ufffd")
    assert [s[3] for s in channel.selects] == [1.0, 1.0, 0.5]
    assert channel.now == 2.5


def test_drain_reads_what_is_left_after_eof(monkeypatch):
    channel = SlowChannel(monkeypatch, [], eof_after=99)
    channel.eof_received = True
    channel.out = [b"a", b"b"]
    channel.err = [b"c"]
    assert ssh_session._drain(channel, 5.0) == (b"ab", "c")  # type: ignore[arg-type]
    assert channel.selects == []


def test_drain_at_eof_with_stderr_still_coming_reads_it(monkeypatch):
    channel = SlowChannel(monkeypatch, [], eof_after=99)
    channel.eof_received = True
    pending = [True, False]
    monkeypatch.setattr(channel, "recv_stderr_ready", lambda: pending.pop(0) if pending else False)
    monkeypatch.setattr(channel, "recv_stderr", lambda size: b"tail")
    assert ssh_session._drain(channel, 5.0) == (b"", "tail")  # type: ignore[arg-type]
