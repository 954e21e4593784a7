"""`docker swarm leave` on a node: done only when the node is out and no task container of
the lab is left, however late its agent creates one."""

from __future__ import annotations

import json

import pytest

from modules.docker import swarm
from modules.ssh import RemoteError
from tests.support.fakes import TARGET, FakeHosts


class LateAgentHost:
    """A node whose agent creates a task container a few polls after the leave returned
    (the worker's dockerd log: "task manager failed to report status to agent")."""

    def __init__(self, appears_at_poll: int, state: str = "inactive") -> None:
        self.polls = 0
        self.appears_at_poll = appears_at_poll
        self.containers: list[str] = []
        self.state = state

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker ps"):
            self.polls += 1
            if self.polls == self.appears_at_poll:
                self.containers = ["late"]
            return 0, "\n".join(self.containers), ""
        if command.startswith("docker info"):
            return 0, json.dumps({"LocalNodeState": self.state}), ""
        if command.startswith("docker rm"):
            self.containers = []
        return 0, "", ""


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda _: None)


def test_a_task_container_created_after_the_leave_returned_is_removed_and_reported(monkeypatch):
    node = LateAgentHost(appears_at_poll=3)
    hosts = FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == ["late"]
    assert node.containers == []
    assert any(c.startswith("docker rm --force -- late") for c in hosts.ran())


def test_a_clean_leave_waits_for_quiet_polls_then_removes_nothing(monkeypatch):
    node = LateAgentHost(appears_at_poll=0)
    FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == []
    assert node.polls == swarm.QUIET_POLLS


def test_a_node_still_in_the_swarm_is_not_done(monkeypatch):
    FakeHosts(LateAgentHost(appears_at_poll=0, state="active")).install(monkeypatch)
    with pytest.raises(RemoteError, match=r"still active 0\.01s after `docker swarm leave"):
        swarm.leave(TARGET, timeout=0.01)
