"""`docker swarm leave` on a node: done only when the node is out and no task container of
the lab is left, however late its agent creates one."""

from __future__ import annotations

import json

import pytest

from modules.docker import swarm
from modules.ssh import RemoteError
from tests.support.clock import FakeClock, patch_waiting_time
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
    # The tests below that need the clock replace it with a fake one (sleep moves it).
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
    """Docker 20.10 gives up on the leave after 15 s ("context deadline exceeded"); the node
    says active until it is asked again (that ask succeeds), and the agent's abandoned
    cleanup creates a task container later still. Every command costs `cost` seconds of the
    fake clock, as SSH round trips do."""

    def __init__(self, clock: FakeClock, appears_at: float, cost: float = 0.3) -> None:
        super().__init__(appears_at_poll=-1, state="active")
        self.clock, self.appears_at, self.cost = clock, appears_at, cost
        self.leaves: list[float] = []

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        self.clock.now += self.cost
        if command.startswith("docker swarm leave"):
            self.leaves.append(self.clock.now)
            if len(self.leaves) == 1:
                self.clock.now += 15
                return 1, "", "Error response from daemon: context deadline exceeded"
            self.state = "inactive"
            return 0, "", ""
        if command.startswith("docker ps") and self.appears_at <= self.clock.now:
            self.appears_at = float("inf")
            self.containers = ["late"]
        return super().__call__(host, command, stdin)


def test_after_a_leave_docker_gave_up_on_a_late_task_container_is_still_removed(monkeypatch):
    clock = patch_waiting_time(monkeypatch)
    # 12 s after the leave's error (as seen), with every command costing 0.3 s.
    node = TimedOutLeaveHost(clock, appears_at=15 + 12)
    hosts = FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == ["late"]
    assert node.containers == []
    assert len(node.leaves) == 2
    assert clock.now >= 27 + swarm.SETTLE_AFTER_A_TIMED_OUT_LEAVE
    assert any(c.startswith("docker rm --force -- late") for c in hosts.ran())


def test_a_timed_out_leave_waits_the_settling_time_even_with_nothing_late(monkeypatch):
    clock = patch_waiting_time(monkeypatch)
    node = TimedOutLeaveHost(clock, appears_at=float("inf"))
    FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == []
    settled_from = node.leaves[1]
    assert settled_from + swarm.SETTLE_AFTER_A_TIMED_OUT_LEAVE <= clock.now
    assert clock.now < settled_from + swarm.SETTLE_AFTER_A_TIMED_OUT_LEAVE + 2


def test_slow_commands_never_turn_a_quiet_node_into_a_timeout(monkeypatch):
    clock = patch_waiting_time(monkeypatch)
    # Each command 1 s: the settling time is counted in seconds, not in polls.
    node = TimedOutLeaveHost(clock, appears_at=15 + 25, cost=1.0)
    FakeHosts(node).install(monkeypatch)
    assert swarm.leave(TARGET) == ["late"]


def test_a_node_that_stays_active_is_asked_again_spaced_and_at_most_three_times(monkeypatch):
    clock = patch_waiting_time(monkeypatch)
    node = TimedOutLeaveHost(clock, appears_at=float("inf"))
    answers = iter([(1, "", "Error response from daemon: context deadline exceeded")] * 10)

    def leave_times_out(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker swarm leave"):
            node.leaves.append(clock.now)
            clock.now += 1
            return next(answers)
        return node(host, command, stdin)

    FakeHosts(leave_times_out).install(monkeypatch)
    with pytest.raises(RemoteError, match=r"still active 110s after `docker swarm leave"):
        swarm.leave(TARGET)
    assert len(node.leaves) == 1 + swarm.ASK_AGAIN_AT_MOST
    gaps = [b - a for a, b in zip(node.leaves, node.leaves[1:], strict=False)]
    assert all(gap >= swarm.ASK_AGAIN_EVERY for gap in gaps[1:]), gaps


def test_an_ask_again_that_fails_transiently_does_not_restart_the_leave(monkeypatch):
    clock = patch_waiting_time(monkeypatch)
    node = TimedOutLeaveHost(clock, appears_at=float("inf"))
    calls = {"n": 0}

    def daemon_busy_once(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker swarm leave") and node.leaves:
            calls["n"] += 1
            if calls["n"] == 1:
                node.leaves.append(clock.now)
                return 1, "", "Cannot connect to the Docker daemon at unix:///run/docker.sock"
        return node(host, command, stdin)

    FakeHosts(daemon_busy_once).install(monkeypatch)
    assert swarm.leave(TARGET) == []
    assert len(node.leaves) == 3


def test_the_settling_numbers() -> None:
    assert swarm.SETTLE_AFTER_A_TIMED_OUT_LEAVE == 40
    assert (swarm.ASK_AGAIN_EVERY, swarm.ASK_AGAIN_AT_MOST) == (5, 3)
    assert swarm.LEAVE_TIMED_OUT == ("context deadline exceeded", "code = DeadlineExceeded")
