"""The preflight and readiness gates in detail: what each asks, in which order, when the
readiness gate mends lost names, and exactly what their reads, diffs and outputs say."""

from __future__ import annotations

import pytest

from modules import preflight as checks_of_hosts
from modules.checks.model import Check, Result, Source
from modules.docker import container
from modules.providers import preflight, readiness
from modules.ssh import RemoteError, waiting
from tests.support.clock import FakeClock, replace_time_of
from tests.support.fakes import MANAGER, TARGET, FakeHosts, no_command

# --- preflight -------------------------------------------------------------------------------

P_PROPS = {"targets": {"manager": MANAGER.as_dict(), "worker": TARGET.as_dict()},
           "roles": {"manager": "manager", "worker": "worker"}, "parent": "eth1",
           "images": {"manager": ["lab"], "worker": ["lab", "web"]}}


@pytest.fixture()
def hosts_checked(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    asked: list[tuple] = []
    problems: list[str] = []

    def check_hosts(hosts, parent, images, netem):
        asked.append((list(hosts), parent, images, netem))
        return list(problems)

    monkeypatch.setattr(checks_of_hosts, "check_hosts", check_hosts)
    asked.append(problems)  # type: ignore[arg-type]  # the test sets the problems here
    return asked


def test_preflight_checks_every_host_with_its_role_and_the_parent(hosts_checked):
    problems = hosts_checked.pop(0)
    provider = preflight.PreflightProvider()
    created = provider.create(dict(P_PROPS))
    assert (created.id, created.outs) == ("preflight", {**P_PROPS, "hosts_checked": 2})
    assert hosts_checked == [([(MANAGER, "manager"), (TARGET, "worker")], "eth1",
                              P_PROPS["images"], [])]
    read = provider.read("preflight", {**P_PROPS, "hosts_checked": 2})
    assert (read.id, read.outs, read.inputs) == ("preflight", {**P_PROPS, "hosts_checked": 2},
                                                 {**P_PROPS, "netem": None})
    # A refresh (also the one before a destroy) never pulls: no images asked.
    assert hosts_checked[-1][2] == {}
    news = {**P_PROPS, "parent": "eth2"}
    assert provider.update("preflight", P_PROPS, news).outs == {**news, "hosts_checked": 2}
    assert hosts_checked[-1][1:] == ("eth2", P_PROPS["images"], [])
    problems += ["worker: dockerd does not answer", "manager: no eth1"]
    with pytest.raises(RemoteError) as caught:
        provider.create(dict(P_PROPS))
    assert str(caught.value) == ("preflight found problems; nothing was changed:\n"
                                 "  - worker: dockerd does not answer\n  - manager: no eth1")
    assert provider.delete("preflight", P_PROPS) is None


def test_preflight_asks_for_netem_where_the_stack_impairs_but_never_in_a_refresh(hosts_checked):
    hosts_checked.pop(0)
    provider = preflight.PreflightProvider()
    props = {**P_PROPS, "netem": ["worker"]}
    provider.create(dict(props))
    assert hosts_checked[-1][3] == ["worker"]
    provider.update("preflight", P_PROPS, props)
    assert hosts_checked[-1][3] == ["worker"]
    provider.read("preflight", {**props, "hosts_checked": 2})
    assert hosts_checked[-1][3] == []


def test_preflight_read_inputs_are_only_what_it_is_given(hosts_checked):
    hosts_checked.pop(0)
    read = preflight.PreflightProvider().read("preflight", {"targets": {}, "roles": {},
                                                            "parent": "eth1", "other": 1})
    assert read.inputs == {"targets": {}, "roles": {}, "parent": "eth1", "images": None,
                           "netem": None}
    assert read.outs == {"targets": {}, "roles": {}, "parent": "eth1", "other": 1,
                         "hosts_checked": 0}


def test_preflight_diff_updates_in_place_on_any_input():
    provider = preflight.PreflightProvider()
    assert preflight.INPUTS == ("targets", "roles", "parent", "images", "netem")
    for key in preflight.INPUTS:
        got = provider.diff("preflight", P_PROPS, {**P_PROPS, key: "x"})
        assert (got.changes, got.replaces) == (True, [])
    assert provider.diff("preflight", P_PROPS, {**P_PROPS, "hosts_checked": 9}).changes is False


# --- readiness -------------------------------------------------------------------------------

SWARM = Check("swarm", Source("host", "worker", "worker"))
TASKS = Check("tasks", Source("host", "manager", "manager"), target="web", count=2)
PING = Check("ping", Source("service", "app", "manager"), target="tasks.web", network="ov")
BY_NAME = Check("ping", Source("container", "c1", "worker"), target="c2", network="br")
BY_NAME_M = Check("ping", Source("container", "c3", "manager"), target="c4", network="br")
ESP = Check("ping", Source("service", "app", "manager"), target="x", requires="esp")


def _props(*checks: Check, timeout: float = 10) -> dict:
    return {"targets": {"manager": MANAGER.as_dict(), "worker": TARGET.as_dict()},
            "checks": [[c.as_dict()] for c in checks], "timeout": timeout, "ready": True}


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return replace_time_of(monkeypatch, waiting, readiness)


class Lab:
    """The gate's answers: `broken(check, now)` says whether a check fails at that moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, clock: FakeClock, broken) -> None:
        self.asked: list[tuple[float, list[str], int]] = []
        self.mended: list[tuple[float, str]] = []
        self.clock = clock
        self.broken = broken
        monkeypatch.setattr(readiness, "gate", self.gate)
        FakeHosts(no_command).install(monkeypatch)
        monkeypatch.setattr(container, "register_names_again",
                            lambda target: self.mended.append((clock.now, target.name)))

    def gate(self, targets, alternatives, timeout):
        assert targets == {"manager": MANAGER, "worker": TARGET}
        self.asked.append((self.clock.now, [a[0].source.name + ":" + a[0].target
                                           for a in alternatives], timeout))
        return [Result(c, "skipped", "no ESP", missing="kernel") if c.requires else
                Result(c, "refused" if self.broken(c, self.clock.now) else "reached")
                for c in (a[0] for a in alternatives)]


def test_a_read_lists_first_and_stops_there_when_something_is_missing(monkeypatch, clock):
    lab = Lab(monkeypatch, clock, lambda c, now: c is TASKS or c == TASKS)
    props = _props(PING, SWARM, TASKS, ESP)
    read = readiness.ReadinessProvider().read("readiness", props)
    assert lab.asked == [(0.0, ["worker:", "manager:web"], 0)]
    assert read.id == "readiness"
    assert read.outs == {**props, "passed": 2, "skipped": [], "ready": False}
    assert read.inputs == {**{k: props[k] for k in ("targets", "checks", "timeout")},
                           "ready": False}


def test_a_read_of_a_lab_that_works_tries_every_check_once(monkeypatch, clock):
    lab = Lab(monkeypatch, clock, lambda c, now: False)
    props = {**_props(PING, SWARM, ESP), "extra": 1}
    read = readiness.ReadinessProvider().read("readiness", props)
    assert lab.asked == [(0.0, ["worker:"], 0), (0.0, ["app:tasks.web", "app:x"], 0)]
    skipped = ["SKIP  service app on manager: ping x -> skipped: no ESP"]
    assert read.outs == {**props, "passed": 2, "skipped": skipped, "ready": True}
    assert read.inputs == {"targets": props["targets"], "checks": props["checks"],
                           "timeout": 10, "ready": True}


def test_a_read_of_a_failing_probe_is_not_ready(monkeypatch, clock):
    Lab(monkeypatch, clock, lambda c, now: c == PING)
    read = readiness.ReadinessProvider().read("readiness", _props(SWARM, PING))
    assert read.outs["ready"] is False and read.inputs["ready"] is False
    assert read.outs["passed"] == 2


def test_the_gate_mends_lost_names_at_once_then_every_thirty_seconds(monkeypatch, clock):
    lab = Lab(monkeypatch, clock, lambda c, now: c in (BY_NAME, BY_NAME_M) and now < 45)
    got = readiness.ReadinessProvider().create(_props(BY_NAME_M, PING, BY_NAME, timeout=100.0))
    assert got.id == "readiness" and got.outs["passed"] == 3
    assert lab.mended == [(0.0, "manager"), (0.0, "worker"), (30.0, "manager"), (30.0, "worker")]
    assert lab.asked[0] == (0.0, ["c3:c4", "app:tasks.web", "c1:c2"], 0)
    assert lab.asked[1] == (0.0, ["c3:c4", "c1:c2"], 0)
    assert [a[0] for a in lab.asked[1:]] == [float(t) for t in range(46)]
    assert clock.now == 46.0  # the round after the last one that failed finds nothing pending
    assert readiness.HEAL_EVERY == 30.0


def test_the_gate_gives_up_at_its_timeout_naming_what_fails(monkeypatch, clock):
    lab = Lab(monkeypatch, clock, lambda c, now: c == PING)
    with pytest.raises(RemoteError) as caught:
        readiness.ReadinessProvider().update("readiness", {}, _props(SWARM, PING, timeout=5.0))
    assert str(caught.value) == (
        "the lab does not work 5s after it was built; 1 of 2 checks fail:\n"
        "  FAIL  service app on manager: ping tasks.web on ov -> refused")
    assert clock.now == 5.0 and lab.mended == []
    assert [a[0] for a in lab.asked] == [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_readiness_diff_and_delete():
    provider = readiness.ReadinessProvider()
    props = _props(SWARM)
    assert readiness.INPUTS == ("targets", "checks", "timeout", "ready")
    for key in readiness.INPUTS:
        got = provider.diff("readiness", props, {**props, key: "x"})
        assert (got.changes, got.replaces) == (True, [])
    assert provider.diff("readiness", props, {**props, "passed": 1}).changes is False
    assert provider.delete("readiness", props) is None


def test_the_gate_names_every_check_that_fails(monkeypatch, clock):
    Lab(monkeypatch, clock, lambda c, now: c in (PING, BY_NAME_M))
    monkeypatch.setattr(container, "register_names_again", lambda target: None)
    with pytest.raises(RemoteError) as caught:
        readiness.ReadinessProvider().create(_props(SWARM, PING, BY_NAME_M, timeout=2))
    assert str(caught.value) == (
        "the lab does not work 2s after it was built; 2 of 3 checks fail:\n"
        "  FAIL  service app on manager: ping tasks.web on ov -> refused\n"
        "  FAIL  container c3 on manager: ping c4 on br -> refused")


def test_the_gate_does_not_take_fewer_answers_than_it_asked_for(monkeypatch, clock):
    lab = Lab(monkeypatch, clock, lambda c, now: True)
    answers = lab.gate
    calls = []

    def short(targets, alternatives, timeout):
        calls.append(1)
        got = answers(targets, alternatives, timeout)
        return got if len(calls) == 1 else got[:-1]

    monkeypatch.setattr(readiness, "gate", short)
    monkeypatch.setattr(container, "register_names_again", lambda target: None)
    with pytest.raises(ValueError, match="zip"):
        readiness._wait_until_it_works({"manager": MANAGER, "worker": TARGET},
                                       [[PING], [BY_NAME]], 5)
