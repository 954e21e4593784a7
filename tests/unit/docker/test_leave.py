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


class TimedOutLeaveHost(LateAgentHost):
    """Docker gives up on the leave ("context deadline exceeded"), the node is out a poll
    later, and the agent's cleanup creates a task container well after the usual quiet polls
    (the worker's log: leave error at :30, node left at :31, container at :42)."""

    def __init__(self, appears_at_poll: int) -> None:
        super().__init__(appears_at_poll, state="active")
        self.leaves = 0

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker swarm leave"):
            self.leaves += 1
            if self.leaves == 1:
                return 1, "", "Error response from daemon: context deadline exceeded"
            self.state = "inactive"
            return 1, "", "Error response from daemon: This node is not part of a swarm"
        return super().__call__(host, command, stdin)


def test_after_a_leave_docker_gave_up_on_a_late_task_container_is_still_removed(monkeypatch):
    late = swarm.QUIET_POLLS * 5
    node = TimedOutLeaveHost(appears_at_poll=late)
    hosts = FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == ["late"]
    assert node.containers == []
    assert node.leaves == 2
    assert node.polls >= late + swarm.QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE
    assert any(c.startswith("docker rm --force -- late") for c in hosts.ran())


def test_a_timed_out_leave_waits_the_longer_quiet_time_even_with_nothing_late(monkeypatch):
    node = TimedOutLeaveHost(appears_at_poll=0)
    FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == []
    # One poll finds the node still active (and asks again), then the quiet polls.
    assert node.polls == 1 + swarm.QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE


def test_the_longer_quiet_time_is_forty_seconds_of_half_second_polls() -> None:
    # networkdb's bulk sync gives up after 30 s; the straggler came 12 s after the leave.
    assert swarm.QUIET_POLLS_AFTER_A_TIMED_OUT_LEAVE * swarm.POLL_SECONDS == 40
    assert swarm.LEAVE_TIMED_OUT == ("context deadline exceeded", "code = DeadlineExceeded")
