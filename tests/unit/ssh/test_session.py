"""SSH sessions: bounded per host, wall-clock deadlines, clear errors, no dropped connection
for a refused channel, and secrets kept out of messages."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import paramiko
import pytest

from modules.ssh import RemoteError, TransientError, redact, run
from modules.ssh import session as ssh_session
from tests.support.fakes import TARGET


def test_commands_to_one_host_share_at_most_sessions_per_host_channels(monkeypatch):
    open_now, most = [0], [0]
    lock = threading.Lock()

    def session(target, command, stdin, deadline, limit):
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        time.sleep(0.02)
        with lock:
            open_now[0] -= 1
        return 0, b"", ""

    monkeypatch.setattr(ssh_session, "_session", session)
    threads = [threading.Thread(target=run, args=(TARGET, "true")) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == ssh_session.SESSIONS_PER_HOST < 10  # below OpenSSH's default MaxSessions


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

    forgotten = []
    monkeypatch.setattr(ssh_session, "_client", lambda target: Client())
    monkeypatch.setattr(ssh_session, "forget", forgotten.append)
    with pytest.raises(TransientError, match=r"worker .* SSH session failed: .*Connect failed"):
        run(TARGET, "docker info")
    assert forgotten == []


class TricklingChannel:
    """A command that keeps printing one byte every 0.2 s and never ends."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.eof_received = False
        self.closed = False
        self.pending = 0
        self.stop = threading.Event()
        threading.Thread(target=self._trickle, daemon=True).start()

    def _trickle(self) -> None:
        while not self.stop.wait(0.2):
            self.pending += 1
            os.write(self.write_fd, b"x")

    def fileno(self) -> int:
        return self.read_fd

    def recv_ready(self) -> bool:
        return self.pending > 0

    def recv(self, size: int) -> bytes:
        os.read(self.read_fd, 1)
        self.pending -= 1
        return b"x"

    def recv_stderr_ready(self) -> bool:
        return False


def test_a_command_that_keeps_printing_still_ends_at_its_deadline():
    channel = TricklingChannel()
    started = time.monotonic()
    out, _ = ssh_session._drain(channel, time.monotonic() + 1.0)  # type: ignore[arg-type]
    channel.stop.set()
    assert out is None, "the deadline passed: no output is returned"
    assert time.monotonic() - started < 1.5


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


def test_an_authentication_failure_is_not_retried(tmp_path, monkeypatch):
    for name in ("key", "known_hosts"):
        (tmp_path / name).write_text("")
    target = TARGET.__class__(**{**TARGET.as_dict(), "key_file": str(tmp_path / "key"),
                                 "known_hosts_file": str(tmp_path / "known_hosts")})

    def refuse(self, *args, **kwargs):
        raise paramiko.AuthenticationException("Authentication failed.")

    monkeypatch.setattr(paramiko.SSHClient, "connect", refuse)
    with pytest.raises(RemoteError) as caught:
        run(target, "true")
    assert not isinstance(caught.value, TransientError)
    assert "SSH authentication as root with" in str(caught.value)


def test_tokens_and_keys_are_redacted_from_failure_messages(monkeypatch):
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    key = "SWMKEY-1-" + "C" * 43
    assert redact(f"join --token {token} and unlock {key}") == "join --token [secret] and unlock [secret]"
    monkeypatch.setattr(ssh_session, "_session", lambda *a: (1, b"", f"bad token {token}"))
    with pytest.raises(RemoteError) as caught:
        run(TARGET, f"echo {token}")
    assert "SWMTKN" not in str(caught.value)


class OrphanedChannel(TricklingChannel):
    """A channel paramiko closed because its connection died: no EOF ever comes."""

    def __init__(self) -> None:
        super().__init__()
        self.stop.set()
        self.closed = True


def test_a_connection_lost_under_a_command_ends_it_at_once_not_at_its_deadline():
    started = time.monotonic()
    with pytest.raises(EOFError, match="connection to the host was lost"):
        ssh_session._drain(OrphanedChannel(), time.monotonic() + 30)  # type: ignore[arg-type]
    assert time.monotonic() - started < 1


def test_the_host_ends_a_command_soon_after_the_client_gives_up_on_it():
    started = time.monotonic()
    proc = subprocess.run(["sh", "-c", ssh_session.bounded("sleep 60; echo 'never'", 0.5)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 124 and proc.stdout == ""
    assert time.monotonic() - started < 6


def test_a_bounded_command_keeps_its_quoting_stdin_and_exit_status():
    command = "printf '%s|' \"a b\" \"$(cat)\"; exit 3"
    proc = subprocess.run(["sh", "-c", ssh_session.bounded(command, 10)], input="from stdin",
                          capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stdout) == (3, "a b|from stdin|")
