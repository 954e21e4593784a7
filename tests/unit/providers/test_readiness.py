"""The readiness gate's create and update: `pulumi up` returns 0 only when every check
passes; a check still failing at the timeout fails the update, naming it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi.dynamic import CreateResult, UpdateResult

from modules.checks.model import Check, Result, Source
from modules.providers import readiness
from modules.ssh import RemoteError, waiting
from tests.support.clock import FakeClock, replace_time_of
from tests.support.fakes import MANAGER, TARGET

APP = Source("service", "app", "manager")
WORKS = Check("ping", APP, target="tasks.web", network="myoverlay")
BROKEN = Check("ping", APP, target="tasks.db", network="myoverlay")
NO_ESP = Check("ping", APP, target="tasks.secure-net-web", network="secure_net", requires="esp")
PROPS = {"targets": {"manager": MANAGER.as_dict(), "worker": TARGET.as_dict()},
         "checks": [[WORKS.as_dict()], [BROKEN.as_dict()], [NO_ESP.as_dict()]],
         "timeout": 10, "ready": True}


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The gate's waiting on a clock that moves only when it sleeps."""
    return replace_time_of(monkeypatch, waiting, readiness)


def _lab(monkeypatch: pytest.MonkeyPatch, broken: set[str]) -> list[list[str]]:
    """Checks whose target is in `broken` are refused every time; ESP is missing."""
    asked: list[list[str]] = []

    def gate(targets, alternatives, timeout):
        asked.append([alts[0].target for alts in alternatives])
        return [Result(c, "skipped", "kernel feature ESP (IPsec) missing", missing="kernel")
                if c.requires else Result(c, "refused" if c.target in broken else "reached")
                for c in (alts[0] for alts in alternatives)]

    monkeypatch.setattr(readiness, "gate", gate)
    return asked


WAYS: dict[str, Callable[[readiness.ReadinessProvider], CreateResult | UpdateResult]] = {
    "create": lambda provider: provider.create(PROPS),
    "update": lambda provider: provider.update("readiness", {**PROPS, "ready": False}, PROPS),
}


@pytest.mark.parametrize("way", WAYS)
def test_a_check_that_keeps_failing_fails_the_update_naming_it(monkeypatch, clock, way):
    asked = _lab(monkeypatch, broken={"tasks.db"})
    with pytest.raises(RemoteError) as caught:
        WAYS[way](readiness.ReadinessProvider())
    assert str(caught.value) == (
        "the lab does not work 10s after it was built; 1 of 3 checks fail:\n"
        "  FAIL  service app on manager: ping tasks.db on myoverlay -> refused")
    assert clock.now >= 10, "it waited out its timeout first"
    assert asked[1:] and all(a == ["tasks.db"] for a in asked[1:])


@pytest.mark.parametrize("way", WAYS)
def test_a_lab_that_works_passes_and_says_what_it_could_not_check(monkeypatch, clock, way):
    _lab(monkeypatch, broken=set())
    result = WAYS[way](readiness.ReadinessProvider())
    assert result.outs["passed"] == 2
    assert result.outs["skipped"] == [
        "SKIP  service app on manager: ping tasks.secure-net-web on secure_net -> skipped: "
        "kernel feature ESP (IPsec) missing"]
    assert clock.now == 0, "a lab that works is not waited for"
