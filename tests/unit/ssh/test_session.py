"""SSH sessions: bounded per host, wall-clock deadlines, clear errors, no dropped connection
for a refused channel, and secrets kept out of messages."""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
from types import SimpleNamespace

import paramiko
import pytest

from modules.ssh import RemoteError, TransientError, redact, run
from modules.ssh import session as ssh_session
from tests.support.clock import FakeClock
from tests.support.fakes import TARGET, FakeHosts


class CountingSlots:
    """The host's real session slots, counting the commands that found none free (and so
    wait for one) while the others run."""

    def __init__(self, slots: threading.BoundedSemaphore, changed: threading.Condition) -> None:
        self.slots = slots
        self.changed = changed
        self.waiting = 0

    def __enter__(self) -> None:
        if self.slots.acquire(blocking=False):
            return
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
        self.slots.acquire()
        with self.changed:
            self.waiting -= 1

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


def test_commands_to_one_host_share_at_most_sessions_per_host_channels(monkeypatch):
    """30 commands at once: each running one holds its session until the test lets go, so
    the test sees the moment every command either runs or waits for a slot."""
    monkeypatch.setattr(ssh_session, "_links", {})
    changed = threading.Condition()
    link = ssh_session._link(TARGET)
    slots = link.sessions = CountingSlots(link.sessions, changed)  # type: ignore[assignment]
    running, most = [0], [0]
    release = threading.Event()

    def session(target, command, stdin, deadline, limit, hold_stdin=False):
        with changed:
            running[0] += 1
            most[0] = max(most[0], running[0])
            changed.notify_all()
        release.wait()
        with changed:
            running[0] -= 1
        return 0, b"", ""

    monkeypatch.setattr(ssh_session, "_session", session)
    threads = [threading.Thread(target=run, args=(TARGET, "true")) for _ in range(30)]
    for thread in threads:
        thread.start()
    with changed:
        # A bound only against a hang: the threads need microseconds to get there.
        settled = changed.wait_for(lambda: running[0] + slots.waiting == len(threads), timeout=30)
        seen = running[0]
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert settled and not any(thread.is_alive() for thread in threads)
    assert seen == most[0] == ssh_session.SESSIONS_PER_HOST < 10  # below sshd's MaxSessions


def _fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The session module's clock, moved only by its pauses (no real sleep, no global patch)."""
    clock = FakeClock()
    monkeypatch.setattr(ssh_session, "time", SimpleNamespace(
        time=lambda: 0.0, monotonic=clock.monotonic, sleep=clock.sleep))
    return clock


class RefusingTransport:
    """A live connection whose sshd refuses one more channel (MaxSessions reached)."""

    def is_active(self) -> bool:
        return True

    def open_session(self, timeout=None):
        raise paramiko.ChannelException(2, "Connect failed")


def test_a_refused_channel_is_transient_and_keeps_the_shared_connection(monkeypatch):
    class Client:
        def get_transport(self):
            return RefusingTransport()

    forgotten: list = []
    monkeypatch.setattr(ssh_session, "_client", lambda target: Client())
    monkeypatch.setattr(ssh_session, "forget", forgotten.append)
    clock = _fake_time(monkeypatch)
    with pytest.raises(TransientError, match=r"worker .* SSH session failed: .*Connect failed"):
        run(TARGET, "docker info")
    assert forgotten == []
    # Asked for again, each pause longer, before it gives up.
    assert clock.slept == [0.1, 0.2, 0.4, 0.8]


class StopChannel:
    """A channel that records the command it was given, then fails (the test ends there)."""

    def __init__(self, ran: list[str]) -> None:
        self.ran = ran

    def exec_command(self, command: str) -> None:
        self.ran.append(command)
        raise paramiko.SSHException("stop here")

    def close(self) -> None:
        pass


def _refusing_then_open(monkeypatch: pytest.MonkeyPatch, refusals: list[Exception]
                        ) -> list[str]:
    """A live connection whose sshd refuses channels with `refusals` first, then opens one
    (a StopChannel); the commands that reached a channel."""
    ran: list[str] = []
    left = list(refusals)

    class Transport(RefusingTransport):
        def open_session(self, timeout=None):
            if left:
                raise left.pop(0)
            return StopChannel(ran)

    class Client:
        def get_transport(self):
            return Transport()

    monkeypatch.setattr(ssh_session, "_client", lambda target: Client())
    return ran


def test_a_channel_sshd_refused_is_asked_for_again_and_the_command_runs_once(monkeypatch):
    ran = _refusing_then_open(monkeypatch, [paramiko.ChannelException(2, "Connect failed")] * 2)
    clock = _fake_time(monkeypatch)
    with pytest.raises(TransientError, match="stop here"):
        run(TARGET, "docker info")
    assert clock.slept == [0.1, 0.2]
    assert len(ran) == 1 and "docker info" in ran[0]


def test_a_refusal_paramiko_reported_to_another_thread_is_asked_for_again(monkeypatch):
    ran = _refusing_then_open(monkeypatch, [paramiko.SSHException("Unable to open channel.")])
    clock = _fake_time(monkeypatch)
    with pytest.raises(TransientError, match="stop here"):
        run(TARGET, "docker info")
    assert clock.slept == [0.1] and len(ran) == 1


def test_a_dead_connection_is_not_asked_for_a_channel_again(monkeypatch):
    class Dead(RefusingTransport):
        opened = 0

        def is_active(self) -> bool:
            return False

        def open_session(self, timeout=None):
            Dead.opened += 1
            raise paramiko.SSHException("SSH session not active")

    class Client:
        def get_transport(self):
            return Dead()

    monkeypatch.setattr(ssh_session, "_client", lambda target: Client())
    monkeypatch.setattr(ssh_session, "forget", lambda target: None)
    with pytest.raises(TransientError, match="not active"):
        run(TARGET, "docker info")
    assert Dead.opened == 1


def test_no_channel_is_asked_for_past_the_commands_deadline(monkeypatch):
    class Client:
        def get_transport(self):
            return RefusingTransport()

    monkeypatch.setattr(ssh_session, "_client", lambda target: Client())
    clock = _fake_time(monkeypatch)
    with pytest.raises(TransientError, match="Connect failed"):
        run(TARGET, "docker info", timeout=0.25)
    # 0.1 s fits before the deadline; the next pause (0.2 s) would end past it.
    assert clock.slept == [0.1]


class TricklingChannel:
    """A command that prints a byte every `every` seconds (never: None) and never ends, on a
    clock that moves only while _drain waits for the channel (select): no real time passes."""

    eof_received = False
    closed = False

    def __init__(self, monkeypatch: pytest.MonkeyPatch, every: float | None = 0.2) -> None:
        self.every = every
        self.now = 0.0
        self.pending = 0
        self.waits = 0
        monkeypatch.setattr(ssh_session, "time", SimpleNamespace(monotonic=lambda: self.now))
        monkeypatch.setattr(ssh_session, "select", SimpleNamespace(select=self.select))

    def select(self, readable, writable, errors, timeout):
        self.waits += 1
        assert self.waits < 1000, "_drain is still waiting long after its deadline"
        step = timeout if self.every is None else min(timeout, self.every)
        self.now += step
        self.pending += step == self.every
        return readable, [], []

    def recv_ready(self) -> bool:
        return self.pending > 0

    def recv(self, size: int) -> bytes:
        self.pending -= 1
        return b"x"

    def recv_stderr_ready(self) -> bool:
        return False


@pytest.mark.parametrize("every", [0.2, None], ids=["printing", "silent"])
def test_a_command_that_never_ends_ends_at_its_deadline(monkeypatch, every):
    channel = TricklingChannel(monkeypatch, every)
    out, _ = ssh_session._drain(channel, 1.5)  # type: ignore[arg-type]
    assert out is None, "the deadline passed: no output is returned"
    assert 1.5 <= channel.now < 1.7, "it stopped at its deadline, not later"


def test_a_missing_key_file_is_named(tmp_path):
    known = tmp_path / "known_hosts"
    known.write_text("")
    target = TARGET.__class__(**{**TARGET.as_dict(), "key_file": str(tmp_path / "nokey"),
                                 "known_hosts_file": str(known)})
    with pytest.raises(RemoteError) as caught:
        run(target, "true")
    assert str(caught.value) == (f"worker (192.168.1.11): SSH key file {tmp_path}/nokey does "
                                 "not exist; are the hosts up (`make hosts`)?")
    assert not isinstance(caught.value, TransientError)


def test_tokens_and_keys_are_redacted_from_failure_messages(monkeypatch):
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    key = "SWMKEY-1-" + "C" * 43
    assert redact(f"join --token {token} and unlock {key}") == "join --token [secret] and unlock [secret]"
    monkeypatch.setattr(ssh_session, "_session", lambda *a: (1, b"", f"bad token {token}"))
    with pytest.raises(RemoteError) as caught:
        run(TARGET, f"echo {token}")
    assert "SWMTKN" not in str(caught.value)


def test_the_ssh_trace_log_has_no_secret(monkeypatch, tmp_path):
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    key = "SWMKEY-1-" + "C" * 43
    log = tmp_path / "ssh.jsonl"
    monkeypatch.setenv("SWARMLAB_SSH_LOG", str(log))
    FakeHosts(lambda host, command, stdin: (0, "", "")).install(monkeypatch)
    run(TARGET, f"echo {token} | docker swarm unlock {key}")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["event"], e["host"], e["command"], e["exit"]) for e in lines] == [
        ("command", "worker", "echo [secret] | docker swarm unlock [secret]", 0)]
    assert "SWM" not in log.read_text()


class OrphanedChannel(TricklingChannel):
    """A channel paramiko closed because its connection died: no EOF ever comes."""

    closed = True


def test_a_connection_lost_under_a_command_ends_it_at_once_not_at_its_deadline(monkeypatch):
    channel = OrphanedChannel(monkeypatch)
    with pytest.raises(EOFError, match="connection to the host was lost"):
        ssh_session._drain(channel, 30.0)  # type: ignore[arg-type]
    assert channel.waits == 0, "it waited for a channel that can give nothing more"


@pytest.mark.parametrize(("limit", "term_after"), [(0.5, 3), (120, 122), (120.2, 123)])
def test_the_host_ends_a_command_soon_after_the_client_gives_up_on_it(limit, term_after):
    """The host's own `timeout`: TERM a little after the client's deadline, then KILL 3 s later
    for a command that ignores TERM (a hung docker CLI would keep its sshd session)."""
    command = "sleep 60; echo 'never'"
    assert shlex.split(ssh_session.bounded(command, limit)) == [
        "timeout", "-k", "3", str(term_after), "sh", "-c", command]


def test_a_bounded_command_keeps_its_quoting_stdin_and_exit_status():
    command = "printf '%s|' \"a b\" \"$(cat)\"; exit 3"
    proc = subprocess.run(["sh", "-c", ssh_session.bounded(command, 10)], input="from stdin",
                          capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stdout) == (3, "a b|from stdin|")
