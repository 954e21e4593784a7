"""Hosts that are not there: every SSH command of the code under test goes to a handler."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from modules.ssh import Target
from modules.ssh import session as ssh_session

TARGET = Target(name="worker", address="192.168.1.11", user="root", key_file="k",
                known_hosts_file="kh")
MANAGER = Target(name="manager", address="192.168.1.10", user="root", key_file="k",
                 known_hosts_file="kh")

Answer = tuple[int, str, str]
Handler = Callable[[str, str, bytes | None], Answer]
"""(host name, command, stdin) -> (exit status, stdout, stderr)."""


@dataclass
class FakeHosts:
    """Replaces the one SSH seam (modules.ssh.session._session): records every command, its
    stdin and the time limit it was given."""

    handler: Handler
    commands: list[tuple[str, str]] = field(default_factory=list)
    stdins: list[bytes | None] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    held: list[bool] = field(default_factory=list)
    """Per command, whether its stdin was held open (no end of input sent)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self, target: Target, command: str, stdin: str | bytes | None,
                deadline: float, limit: float, hold_stdin: bool = False) -> tuple[int, bytes, str]:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        with self.lock:
            self.commands.append((target.name, command))
            self.stdins.append(data)
            self.limits.append(limit)
            self.held.append(hold_stdin)
        status, out, err = self.handler(target.name, command, data)
        return status, out.encode(), err

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeHosts:
        monkeypatch.setattr(ssh_session, "_session", self.session)
        return self

    def ran(self, prefix: str = "") -> list[str]:
        return [c for _, c in self.commands if c.startswith(prefix)]


def answers(table: dict[str, Answer], default: Answer = (0, "", "")) -> Handler:
    """A handler that answers by the first key the command starts with."""
    def handle(host: str, command: str, stdin: bytes | None) -> Answer:
        for prefix, answer in table.items():
            if command.startswith(prefix):
                return answer
        return default
    return handle


def no_command(host: str, command: str, stdin: bytes | None) -> Answer:
    """A handler for tests that send no SSH command: any command fails the test."""
    raise AssertionError(f"an unexpected command on {host}: {command!r}")
