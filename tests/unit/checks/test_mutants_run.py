"""Running checks, exactly: what each exit status means, what a host that cannot be asked
or does not answer gives, the one command per host, and tries again until the deadline."""

from __future__ import annotations

import types

import pytest

from modules.checks import run
from modules.checks.model import Check, Result, Source
from modules.docker import probe
from modules.ssh import RemoteError
from tests.support.fakes import MANAGER, TARGET, FakeHosts

APP = Source("service", "app", "manager")
WEB1 = Source("container", "web1", "manager")
HOST = Source("host", "manager", "manager")


@pytest.mark.parametrize(("check", "status", "detail", "outcome"), [
    (Check("ping", APP), 0, "ignored", ("reached", "", "")),
    (Check("ping", APP, requires="esp"), probe.NO_KERNEL_FEATURE, "no ESP",
     ("skipped", "no ESP", "kernel")),
    (Check("ping", APP), probe.NO_KERNEL_FEATURE, "no ESP", ("refused", "no ESP", "")),
    (Check("ping", APP, timeout=5), 124, "", ("refused", "no answer within 13s", "")),
    (Check("ping", APP, timeout=1), 137, "", ("refused", "no answer within 9s", "")),
    (Check("ping", APP), 126, "exec failed",
     ("skipped", "the source has no tool for it (exec failed)", "tool")),
    (Check("ping", WEB1), 127, "ping: not found",
     ("skipped", "the source has no tool for it (ping: not found)", "tool")),
    (Check("ping", HOST), 127, "ping: not found", ("refused", "ping: not found", "")),
    (Check("ping", APP), probe.NO_SOURCE, "no task", ("error", "no task", "")),
    (Check("ping", WEB1), probe.NO_SOURCE, "no container", ("refused", "no container", "")),
    (Check("ping", WEB1), 1, "Error: No such container: web1",
     ("error", "Error: No such container: web1", "")),
    (Check("ping", HOST), 2, "bad address", ("refused", "bad address", "")),
])
def test_what_an_exit_status_means(check: Check, status: int, detail: str,
                                   outcome: tuple[str, str, str]) -> None:
    assert run._outcome(check, status, detail) == outcome


def test_one_command_per_host_bounded_and_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list = []

    def fake_run(target, command, *, check=True, timeout=None):
        asked.append((target.name, command, check, timeout))
        raise RemoteError("manager: unreachable")

    monkeypatch.setattr(run, "run", fake_run)
    checks = [(0, Check("ping", HOST, target="a")), (3, Check("ping", HOST, target="b"))]
    assert run._on_host(MANAGER, checks) == {0: ("error", "manager: unreachable", ""),
                                              3: ("error", "manager: unreachable", "")}
    assert asked == [("manager", probe.script(checks), False, probe.script_limit(checks))]


def test_a_probe_that_gives_no_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeHosts(lambda host, command, stdin: (0, "PROBE 1 0 fine\n", "")).install(monkeypatch)
    checks = [(0, Check("ping", HOST, target="a")), (1, Check("ping", HOST, target="b"))]
    assert run._on_host(MANAGER, checks) == {0: ("error", "no answer from the probe", ""),
                                              1: ("reached", "", "")}


def test_an_unknown_host_is_an_error_and_the_others_are_asked(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    fake = FakeHosts(lambda host, command, stdin: (
        0, "PROBE 1 0 \nPROBE 3 1 nope" if host == "manager" else "PROBE 2 0 ", ""))
    fake.install(monkeypatch)
    ticks = iter([100.0, 101.23456])
    monkeypatch.setattr(run, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    checks = [Check("ping", Source("host", "ghost", "ghost"), target="a"),
              Check("ping", HOST, target="b"),
              Check("ping", Source("host", "worker", "worker"), target="c"),
              Check("ping", HOST, target="d")]
    results = run.run_once({"manager": MANAGER, "worker": TARGET}, checks)
    assert results == [
        Result(checks[0], "error", "no lab host named ghost", "", 1.23),
        Result(checks[1], "reached", "", "", 1.23),
        Result(checks[2], "reached", "", "", 1.23),
        Result(checks[3], "refused", "nope", "", 1.23),
    ]
    assert sorted(host for host, _ in fake.commands) == ["manager", "worker"]


def test_until_a_deadline_failing_checks_are_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(run, "time", types.SimpleNamespace(monotonic=lambda: clock[0],
                                                           sleep=sleep))
    rounds: list[list[str]] = []

    def run_once(targets, checks):
        rounds.append([c.target for c in checks])
        return [Result(c, "refused" if c.target == "bad" else "reached", "d", "m", 0.5)
                for c in checks]

    monkeypatch.setattr(run, "run_once", run_once)
    checks = [Check("ping", HOST, target="bad"), Check("ping", HOST, target="good")]
    results = run.run_checks({}, checks, until=2.5, pause=1.0)
    # Tried at 0, 1, 2 (before the deadline) and 3; at 3 the deadline has passed.
    assert rounds == [["bad", "good"], ["bad"], ["bad"], ["bad"]]
    assert pauses == [1.0, 1.0, 1.0]
    assert results == [Result(checks[0], "refused", "d", "m", 0.5, 4),
                       Result(checks[1], "reached", "d", "m", 0.5, 1)]
    rounds.clear()
    pauses.clear()
    clock[0] = 0.0
    run.run_checks({}, checks, until=0.0, pause=3.0)
    assert rounds == [["bad", "good"]] and pauses == []
    run.run_checks({}, [Check("ping", HOST, target="bad", retries=1)], pause=3.0)
    assert pauses == [3.0]
    run.run_checks({}, [Check("ping", HOST, target="bad", retries=1)])
    assert pauses == [3.0, 1.0]
