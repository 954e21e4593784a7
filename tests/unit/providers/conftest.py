"""A strict Docker for the provider tests: each modules.docker function a test names answers
as the test says and is recorded with its arguments; any other SSH command fails the test."""

from __future__ import annotations

import pytest

from tests.support.fakes import FakeHosts, no_command
from tests.support.strict_docker import Docker


@pytest.fixture()
def docker(monkeypatch: pytest.MonkeyPatch) -> Docker:
    FakeHosts(no_command).install(monkeypatch)
    from modules.docker import snapshot
    fake = Docker(monkeypatch)
    fake.on(snapshot, "forget")
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    return fake

