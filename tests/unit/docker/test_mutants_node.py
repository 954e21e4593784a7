"""modules.docker.node exactly: each command line, the waits and their messages, stale
entries, and the ingress network's readiness and peers."""

from __future__ import annotations

import json

import pytest

from modules.docker import node
from modules.ssh import RemoteError
from tests.support.clock import patch_waiting_time
from tests.support.fakes import MANAGER, TARGET, FakeHosts, answers

LABEL = "worker (192.168.1.11)"


@pytest.fixture
def clock(monkeypatch):
    return patch_waiting_time(monkeypatch)


def _node(state: str, hostname: str = "worker", addr: str = "192.168.1.11", ident: str = "n1"):
    return {"ID": ident, "Description": {"Hostname": hostname},
            "Status": {"State": state, "Addr": addr}}


def test_node_inspect(monkeypatch):
    hosts = FakeHosts(answers({}, (0, json.dumps(_node("ready")), ""))).install(monkeypatch)
    assert node.node_inspect(MANAGER, "n1") == _node("ready")
    assert hosts.ran() == ["docker node inspect --format '{{json .}}' -- n1"]


def _listed(state: str, ident: str = "n1") -> str:
    return json.dumps({"ID": ident, "Hostname": "worker", "Status": state})


def test_wait_ready_returns_the_ready_node(monkeypatch, clock):
    states = iter(["Down", "Unknown", "Ready"])
    hosts = FakeHosts(lambda h, c, s: (0, json.dumps(_node("ready")) if " inspect " in c
                                       else _listed(next(states)), "")).install(monkeypatch)
    assert node.wait_ready(MANAGER, "n1") == _node("ready")
    assert clock.slept == [0.1, 0.2]
    assert hosts.ran() == ["docker node ls --format '{{json .}}'"] * 3 + [
        "docker node inspect --format '{{json .}}' -- n1"]


def test_wait_ready_times_out_after_the_hosts_command_timeout(monkeypatch, clock):
    FakeHosts(answers({}, (0, _listed("Down"), ""))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        node.wait_ready(MANAGER, "n1")
    assert str(caught.value) == "node n1 did not become ready within 120s (state: down)"
    assert clock.now >= 120


def test_wait_ready_of_an_unknown_node(monkeypatch, clock):
    FakeHosts(answers({}, (0, _listed("Ready", ident="n2"), ""))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        node.wait_ready(MANAGER, "n1", timeout=2.5)
    assert str(caught.value) == ("node n1 did not become ready within 2.5s "
                                 "(state: unknown to the manager)")


def test_nodes_waiting_at_once_share_one_read_of_the_managers_list(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, json.dumps(_node("ready", ident=c.rsplit(" ", 1)[1]))
                                       if " inspect " in c else "\n".join(
                                           _listed("Ready", i) for i in ("n1", "n2", "n3")), "")
                      ).install(monkeypatch)
    monkeypatch.setattr(node.MANAGER_VIEW, "max_age", 60.0)  # all three within one read
    for ident in ("n1", "n2", "n3"):
        assert node.wait_ready(MANAGER, ident)["ID"] == ident
    assert hosts.ran().count("docker node ls --format '{{json .}}'") == 1


def test_set_availability(monkeypatch):
    hosts = FakeHosts(answers({})).install(monkeypatch)
    node.set_availability(MANAGER, "n1", "drain")
    assert hosts.ran() == ["docker node update --availability drain -- n1"]


def test_stale_lists_by_name_and_leaves_out_the_kept(monkeypatch):
    docs = {"keep": _node("ready", ident="keep"), "a": _node("down", addr="10.0.0.9", ident="a"),
            "b": _node("down", hostname="worker2", ident="b"),
            "c": _node("ready", addr="10.0.0.9", ident="c")}

    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker node ls"):
            return 0, "keep a b c\n", ""
        return 0, json.dumps([docs[i] for i in command.split(" -- ")[1].split()]), ""

    hosts = FakeHosts(handle).install(monkeypatch)
    assert node.stale(MANAGER, "worker", "192.168.1.11", "keep") == ["a"]
    assert hosts.ran() == ["docker node ls -q --filter name=worker", "docker node inspect -- a b c"]


def test_stale_without_an_address_is_only_down(monkeypatch):
    doc = {"ID": "x", "Description": {"Hostname": "worker"}, "Status": {"State": "ready"}}
    FakeHosts(answers({"docker node ls": (0, "x", ""),
                       "docker node inspect": (0, json.dumps([doc]), "")})).install(monkeypatch)
    assert node.stale(MANAGER, "worker", "192.168.1.11", "keep") == []


def test_rm_retries_a_transient_error(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    results = iter([(1, "", "i/o timeout"), (0, "", "")])
    hosts = FakeHosts(lambda h, c, s: next(results)).install(monkeypatch)
    node.rm(MANAGER, "n1")
    assert hosts.ran() == ["docker node rm --force -- n1"] * 2
    assert slept == [0.5]


def test_rm_of_a_missing_node_is_done(monkeypatch):
    FakeHosts(answers({}, (1, "", "Error: node n1 not found"))).install(monkeypatch)
    node.rm(MANAGER, "n1")


def test_rm_raises_another_error(monkeypatch):
    FakeHosts(answers({}, (1, "", "permission denied"))).install(monkeypatch)
    with pytest.raises(RemoteError, match="permission denied"):
        node.rm(MANAGER, "n1")


@pytest.mark.parametrize(("answer", "ready"), [
    ((0, json.dumps({"Containers": {"ingress-sbox": {}}}), ""), True),
    ((0, json.dumps({"Containers": {"other": {}}}), ""), False),
    ((0, json.dumps({"Containers": None}), ""), False),
    ((1, "", "Error: No such network: ingress"), False),
])
def test_ingress_ready(monkeypatch, answer, ready):
    hosts = FakeHosts(answers({}, answer)).install(monkeypatch)
    assert node.ingress_ready(TARGET) is ready
    assert hosts.ran() == ["docker network inspect --format '{{json .}}' -- ingress"]


def test_wait_ingress(monkeypatch, clock):
    results = iter([(0, "{}", ""), (0, json.dumps({"Containers": {"ingress-sbox": {}}}), "")])
    FakeHosts(lambda h, c, s: next(results)).install(monkeypatch)
    node.wait_ingress(TARGET)
    assert clock.slept == [0.1]


def test_wait_ingress_times_out(monkeypatch, clock):
    FakeHosts(answers({}, (0, "{}", ""))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        node.wait_ingress(TARGET)
    assert str(caught.value) == (f"{LABEL}: the ingress network is not set up 120s after "
                                 "joining the swarm (no ingress-sbox); see its dockerd log")


def test_ingress_peers(monkeypatch):
    hosts = FakeHosts(answers({}, (1, json.dumps([{"IP": "a"}, {"Name": "b"}]), "x"))
                      ).install(monkeypatch)
    assert node.ingress_peers(MANAGER) == {"a", ""}
    assert hosts.ran() == ["docker network inspect --verbose --format '{{json .Peers}}' -- ingress"]


@pytest.mark.parametrize("out", ["", "null", "not json"])
def test_no_ingress_peers(monkeypatch, out):
    FakeHosts(answers({}, (0, out, ""))).install(monkeypatch)
    assert node.ingress_peers(MANAGER) == set()


@pytest.mark.parametrize(("out", "held"), [("LISTEN 0 4096 *:7946 *:*\n", True), (" \n", False)])
def test_gossip_port_held(monkeypatch, out, held):
    hosts = FakeHosts(answers({}, (0, out, ""))).install(monkeypatch)
    assert node.gossip_port_held(TARGET) is held
    assert hosts.ran() == ["ss -Hltn 'sport = :7946'"]


def test_gossip_port_check_is_checked(monkeypatch):
    FakeHosts(answers({}, (1, "x", "ss: not found"))).install(monkeypatch)
    with pytest.raises(RemoteError):
        node.gossip_port_held(TARGET)


def test_wait_gossip_port_free(monkeypatch, clock):
    results = iter([(0, "held", ""), (0, "", "")])
    FakeHosts(lambda h, c, s: next(results)).install(monkeypatch)
    node.wait_gossip_port_free(TARGET)
    assert clock.slept == [0.1]


def test_a_gossip_port_never_freed_is_refused_after_10s(monkeypatch, clock):
    FakeHosts(answers({}, (0, "held", ""))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        node.wait_gossip_port_free(TARGET)
    assert str(caught.value) == (
        f"{LABEL}: dockerd still listens on the gossip port 7946 although the node is in no "
        "swarm (10s after it left): Docker did not close its last gossip (its log: 'Could not "
        "close DB: timeout waiting for leave broadcast'), and a node joined so never gossips. "
        "Restart that dockerd, then run `pulumi up` again")
    assert clock.now == pytest.approx(10.2)


def _gossip(ready: bool, peers: list[str]):
    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if "--verbose" in command:
            return 0, json.dumps([{"IP": p} for p in peers]), ""
        return 0, json.dumps({"Containers": {"ingress-sbox": {}} if ready else {}}), ""
    return handle


@pytest.mark.parametrize(("ready", "peers"), [(True, ["192.168.1.11"])])
def test_wait_gossip_done(monkeypatch, clock, ready, peers):
    hosts = FakeHosts(_gossip(ready, peers)).install(monkeypatch)
    node.wait_gossip(MANAGER, TARGET)
    # The manager's view (shared by the joins) first; the node is asked once it is a peer.
    assert [h for h, _ in hosts.commands] == ["manager", "worker"]


def test_wait_gossip_asks_the_node_only_once_the_manager_counts_it(monkeypatch, clock):
    seen = iter([[], ["192.168.1.11"]])
    hosts = FakeHosts(lambda h, c, s: (0, json.dumps([{"IP": p} for p in next(seen)]), "")
                      if "--verbose" in c else _gossip(True, [])(h, c, s)).install(monkeypatch)
    node.wait_gossip(MANAGER, TARGET)
    assert [h for h, _ in hosts.commands] == ["manager", "manager", "worker"]


@pytest.mark.parametrize(("ready", "peers"), [(False, ["192.168.1.11"]), (True, ["192.168.1.10"])])
def test_wait_gossip_times_out(monkeypatch, clock, ready, peers):
    FakeHosts(_gossip(ready, peers)).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        node.wait_gossip(MANAGER, TARGET, timeout=3)
    assert str(caught.value) == (f"{LABEL}: not an ingress peer of manager (192.168.1.10) 3s "
                                 "after joining the swarm; see both dockerd logs")


def test_wait_gossip_default_timeout(monkeypatch, clock):
    FakeHosts(_gossip(False, [])).install(monkeypatch)
    with pytest.raises(RemoteError, match=" 120s after"):
        node.wait_gossip(MANAGER, TARGET)
