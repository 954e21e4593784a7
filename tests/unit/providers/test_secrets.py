"""Join tokens and the unlock key: read from dockerd's output, sent to it in request bodies on
stdin, never on any command line (init, join, unlock, token rotation), and a join keeps no
token in its outputs (they are stored in the state)."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from modules.docker import snapshot, swarm
from modules.providers import swarm_init, swarm_join
from modules.ssh import waiting
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.fakeswarm import TOKENS, UNLOCK_KEY, FakeSwarm
from tests.support.http import http

INIT = {"target": MANAGER.as_dict(), "advertise_addr": "192.168.1.10", "autolock": True,
        "cert_expiry": "", "token_rotation": 0}
JOIN = {"target": TARGET.as_dict(), "manager": MANAGER.as_dict(), "token": TOKENS["worker"],
        "advertise_addr": "192.168.1.11", "manager_addr": "192.168.1.10", "role": "worker"}


@pytest.fixture()
def lab(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeSwarm, FakeHosts]:
    fake = FakeSwarm()
    hosts = FakeHosts(fake).install(monkeypatch)
    monkeypatch.setattr(waiting, "time", SimpleNamespace(monotonic=time.monotonic,
                                                         sleep=lambda seconds: None))
    return fake, hosts


def _with_a_secret(hosts: FakeHosts) -> list[str]:
    """The command lines that hold a swarm secret (any token or key, not only the lab's)."""
    return [command for _, command in hosts.commands if "SWM" in command]


def test_the_init_reads_the_tokens_and_unlock_key_and_puts_none_on_a_command_line(lab):
    _, hosts = lab
    outs = swarm_init.SwarmInitProvider().create(INIT).outs
    assert (outs["worker_token"], outs["manager_token"], outs["unlock_key"]) == (
        TOKENS["worker"], TOKENS["manager"], UNLOCK_KEY)
    assert hosts.ran("docker swarm init") and hosts.ran("docker swarm update --autolock=true")
    assert _with_a_secret(hosts) == []


def test_a_token_rotation_puts_no_token_on_a_command_line(lab):
    fake, hosts = lab
    provider = swarm_init.SwarmInitProvider()
    olds = provider.create(INIT).outs
    outs = provider.update("cluster1", olds, {**INIT, "token_rotation": 1}).outs
    assert fake.rotations == 2
    assert outs["worker_token"] == fake.tokens["worker"] != TOKENS["worker"]
    assert outs["manager_token"] == fake.tokens["manager"] != TOKENS["manager"]
    assert _with_a_secret(hosts) == []


def test_the_join_token_reaches_dockerd_only_in_a_request_body(lab):
    fake, hosts = lab
    fake.state["manager"] = "active"
    swarm_join.SwarmJoinProvider().create(JOIN)
    assert [(path, body.get("JoinToken")) for path, body in fake.requests] == [
        ("/swarm/join", TOKENS["worker"])]
    assert _with_a_secret(hosts) == []


def test_a_join_keeps_no_token_in_its_outputs(lab, monkeypatch):
    fake, _ = lab
    fake.state["manager"] = "active"
    provider = swarm_join.SwarmJoinProvider()
    created = provider.create(JOIN)
    assert created.id == "w1" and created.outs["state"] == "ready"
    assert "token" not in created.outs and "SWM" not in json.dumps(created.outs)
    seen = {"worker": snapshot.Snapshot(info={"LocalNodeState": "active", "NodeID": "w1"},
                                        networks=[], containers=[]),
            "manager": snapshot.Snapshot(info={}, networks=[], containers=[],
                                         nodes=[{"ID": "w1", "Status": {"State": "ready"}}])}
    monkeypatch.setattr(snapshot, "of", lambda target: seen[target.name])
    read = provider.read("w1", JOIN)
    assert read.id == "w1" and read.outs["state"] == "ready"
    assert "token" not in read.outs and "SWM" not in json.dumps(read.outs)


def test_the_unlock_key_reaches_dockerd_only_in_a_request_body(monkeypatch):
    hosts = FakeHosts(lambda host, command, stdin: (0, http(200), "")).install(monkeypatch)
    swarm.unlock(MANAGER, UNLOCK_KEY)
    assert hosts.ran() == ["docker system dial-stdio"]
    stdin = hosts.stdins[0]
    assert stdin is not None
    head, _, body = stdin.decode().partition("\r\n\r\n")
    assert head.startswith("POST /swarm/unlock HTTP/1.1\r\n")
    assert json.loads(body) == {"UnlockKey": UNLOCK_KEY}
    assert _with_a_secret(hosts) == []
