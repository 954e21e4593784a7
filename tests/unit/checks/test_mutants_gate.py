"""The readiness gate, exactly: its deadline, stand-ins tried in turn only for a missing tool,
what fails, and which failures mean lost names."""

from __future__ import annotations

import types

import pytest

from modules.checks import gate as gate_module
from modules.checks.gate import failures, gate, names_lost
from modules.checks.model import Check, Result, Source

APP = Source("service", "app", "manager")
WEB = Source("container", "web", "manager")


def _fake_run(monkeypatch: pytest.MonkeyPatch, answers: dict[str, tuple[str, str]],
              calls: list) -> None:
    def run_checks(targets, checks, *, until=None):
        calls.append(([c.target for c in checks], until))
        return [Result(c, answers[c.target][0], missing=answers[c.target][1]) for c in checks]
    monkeypatch.setattr(gate_module, "run_checks", run_checks)


def test_a_timeout_sets_a_deadline_and_zero_sets_none(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list = []
    _fake_run(monkeypatch, {"a": ("reached", "")}, calls)
    monkeypatch.setattr(gate_module, "time", types.SimpleNamespace(monotonic=lambda: 1000.0))
    gate({}, [[Check("ping", APP, target="a")]], timeout=30)
    gate({}, [[Check("ping", APP, target="a")]], timeout=0)
    gate({}, [[Check("ping", APP, target="a")]], timeout=-1)
    gate({}, [[Check("ping", APP, target="a")]], timeout=0.5)
    assert calls == [(["a"], 1030.0), (["a"], None), (["a"], None), (["a"], 1000.5)]


def test_a_stand_in_keeps_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list = []
    _fake_run(monkeypatch, {"a0": ("skipped", "tool"), "a1": ("reached", "")}, calls)
    monkeypatch.setattr(gate_module, "time", types.SimpleNamespace(monotonic=lambda: 1000.0))
    gate({}, [[Check("ping", APP, target="a0"), Check("ping", APP, target="a1")]], timeout=30)
    assert calls == [(["a0"], 1030.0), (["a1"], 1030.0)]


def test_stand_ins_are_tried_in_turn_while_a_tool_is_missing(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    calls: list = []
    answers = {"a0": ("skipped", "tool"), "a1": ("skipped", "tool"), "a2": ("reached", ""),
               "b0": ("skipped", "tool"), "b1": ("refused", ""), "b2": ("reached", ""),
               "c0": ("skipped", "tool"),
               "d0": ("skipped", "kernel"), "d1": ("reached", ""),
               "e0": ("refused", ""), "e1": ("reached", "")}
    _fake_run(monkeypatch, answers, calls)
    alternatives = [[Check("ping", APP, target=f"{x}{i}") for i in range(n)]
                    for x, n in (("a", 3), ("b", 3), ("c", 1), ("d", 2), ("e", 2))]
    results = gate({}, alternatives, timeout=0)
    assert [c for c, _ in calls] == [["a0", "b0", "c0", "d0", "e0"], ["a1", "b1"], ["a2"]]
    assert [(r.check.target, r.outcome) for r in results] == [
        ("a2", "reached"), ("b1", "refused"), ("c0", "skipped"), ("d0", "skipped"),
        ("e0", "refused")]


def test_no_stand_in_is_asked_when_none_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list = []
    _fake_run(monkeypatch, {"a0": ("reached", ""), "a1": ("reached", "")}, calls)
    gate({}, [[Check("ping", APP, target="a0"), Check("ping", APP, target="a1")]], timeout=0)
    assert [c for c, _ in calls] == [["a0"]]
    assert gate({}, [], timeout=0) == []


def test_failures_are_the_results_that_did_not_pass() -> None:
    ok, bad = Result(Check("ping", APP), "reached"), Result(Check("ping", APP), "refused")
    assert failures([ok, bad, ok, bad]) == [bad, bad]


@pytest.mark.parametrize(("check", "outcome", "lost"), [
    (Check("ping", WEB, target="db"), "refused", True),
    (Check("ping", WEB, target="db"), "reached", False),
    (Check("ping", WEB, target="db", expect="fail"), "reached", False),
    (Check("ping", APP, target="tasks.web"), "refused", False),
    (Check("ping", Source("host", "manager", "manager"), target="db"), "refused", False),
    (Check("ping", WEB, target="@web2"), "refused", False),
    (Check("ping", WEB, target="192.168.1.10"), "refused", False),
    (Check("ping", WEB, target="web.1"), "refused", True),
])
def test_lost_names_are_a_containers_failed_lookup_by_name(check: Check, outcome: str,
                                                          lost: bool) -> None:
    assert names_lost(Result(check, outcome)) is lost
