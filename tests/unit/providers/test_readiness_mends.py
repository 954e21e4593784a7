"""What the gate mends while it waits: a macvlan task cut off from its remade parent link is
replaced on every host (a plain `pulumi up` after `make hosts` remade the links returns a
working lab); a check failing any other way is left to fail."""

from __future__ import annotations

import pytest

from modules.checks.model import Check, Result, Source
from modules.providers import readiness
from modules.ssh import waiting
from tests.support.clock import replace_time_of
from tests.support.fakes import MANAGER, TARGET, FakeHosts

APP = Source("service", "mymacvlan-app", "manager")
MACVLAN = Check("ping", APP, target="tasks.mymacvlan-web", network="mymacvlan")
PROPS = {"targets": {"manager": MANAGER.as_dict(), "worker": TARGET.as_dict()},
         "checks": [[MACVLAN.as_dict()]], "timeout": 10, "ready": True}
UNREACHABLE = "ping: sendto: Network is unreachable"


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    replace_time_of(monkeypatch, waiting, readiness)


class Host:
    """A host whose macvlan task lost its interface until its container is replaced."""

    def __init__(self) -> None:
        self.replaced: set[str] = set()

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker ps --filter network=mymacvlan --filter "
                              "label=com.docker.swarm.task.id"):
            return 0, f"mymacvlan-{host}.1.abc\n", ""
        if command.startswith("docker rm --force -- "):
            self.replaced.add(host)
        return 0, "", ""


def _gate(host: Host, detail: str):
    def gate(targets, alternatives, timeout):
        return [Result(alts[0], "reached") if {"manager", "worker"} <= host.replaced
                else Result(alts[0], "refused", detail) for alts in alternatives]
    return gate


def test_tasks_cut_off_from_their_parent_link_are_replaced_on_every_host(monkeypatch, clock):
    host = Host()
    hosts = FakeHosts(host).install(monkeypatch)
    monkeypatch.setattr(readiness, "gate", _gate(host, UNREACHABLE))
    result = readiness.ReadinessProvider().create(PROPS)
    assert result.outs["passed"] == 1
    assert host.replaced == {"manager", "worker"}
    assert ("worker", "docker rm --force -- mymacvlan-worker.1.abc") in [
        (h, c.split(" 2>")[0]) for h, c in hosts.commands]


def test_a_check_failing_another_way_replaces_nothing(monkeypatch, clock):
    host = Host()
    hosts = FakeHosts(host).install(monkeypatch)
    monkeypatch.setattr(readiness, "gate", _gate(host, "100% packet loss"))
    with pytest.raises(Exception, match="does not work 10s after"):
        readiness.ReadinessProvider().create(PROPS)
    assert host.replaced == set()
    assert not hosts.ran("docker rm")
