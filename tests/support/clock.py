"""A clock that moves only when something sleeps on it, for the code that waits and polls:
no real sleep in a unit test, and each pause it took is recorded."""

from __future__ import annotations

from types import ModuleType

import pytest


class FakeClock:
    """time.monotonic and time.sleep: sleeping records the pause and moves the clock."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def patch_waiting_time(monkeypatch: pytest.MonkeyPatch, now: float = 0.0) -> FakeClock:
    """The fake clock as time.monotonic and time.sleep of modules.ssh.waiting's `time`."""
    clock = FakeClock(now)
    monkeypatch.setattr("modules.ssh.waiting.time.monotonic", clock.monotonic)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", clock.sleep)
    return clock


def replace_time_of(monkeypatch: pytest.MonkeyPatch, *modules: ModuleType) -> FakeClock:
    """The fake clock as the `time` these modules see (one clock shared by all of them)."""
    clock = FakeClock()
    for module in modules:
        monkeypatch.setattr(module, "time", clock)
    return clock
