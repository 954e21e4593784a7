"""topology's defaults and bounds at their edges: no count given is one manager and one
worker, a lab of no workers is allowed, and a negative count of workers is refused naming
the range."""

from __future__ import annotations

import pytest

from hosts import topology

BLUE = topology.lab_net("blue", "192.168.2.0/24")


def test_no_count_given_is_one_manager_and_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWARMLAB_MANAGERS", raising=False)
    monkeypatch.delenv("SWARMLAB_WORKERS", raising=False)
    assert topology.counts_from_env() == (1, 1)
    assert topology.counts_from_env(managers="3") == (3, 1)
    assert topology.counts_from_env(workers="0") == (1, 0)


def test_a_lab_of_no_workers_is_its_managers() -> None:
    hosts = topology.plan(2, 0, BLUE)
    assert [(h.name, h.address, h.role) for h in hosts] == [
        ("manager", "192.168.2.10", "manager"), ("manager2", "192.168.2.11", "manager")]


def test_negative_workers_are_refused_naming_the_range() -> None:
    with pytest.raises(ValueError) as refused:
        topology.plan(1, -1, BLUE)
    assert str(refused.value) == "workers -1 is not valid; allowed: 0 to 31"
