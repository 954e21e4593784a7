"""modules.docker.snapshot exactly: the requests of a snapshot, how each answer is read, the
lookups, and when a snapshot is taken again."""

from __future__ import annotations

import dataclasses

import pytest

from modules.docker import engine, snapshot
from modules.ssh import Target, TransientError
from tests.support.clock import FakeClock
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.http import http

PATHS = ["/info", "/networks", "/containers/json?all=1", "/services",
         "/tasks?filters=%7B%22desired-state%22%3A%20%5B%22running%22%5D%7D", "/nodes", "/swarm"]


def test_the_requests():
    assert list(snapshot.REQUESTS.values()) == PATHS
    assert list(snapshot.REQUESTS) == ["info", "networks", "containers", "services", "tasks",
                                       "nodes", "swarm"]
    assert snapshot.TTL == 3.0


WORKER_REFUSAL = ("This node is not a swarm manager. Worker nodes can't be used to view or "
                  "modify cluster state.")
NO_LEADER = "rpc error: code = Unknown desc = The swarm does not have a leader."


def _manager(bodies: dict[str, object], missing: int = 503, message: str = WORKER_REFUSAL):
    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        assert stdin is not None
        asked = [line.split()[1] for line in stdin.decode().split("\r\n") if line.startswith("GET ")]
        return 0, "".join(http(200, bodies[p]) if p in bodies
                          else http(missing, {"message": message}) for p in asked), ""
    return handle


def test_take_asks_everything_at_once_and_reads_each_answer(monkeypatch):
    hosts = FakeHosts(_manager({
        "/info": {"Swarm": {"LocalNodeState": "active", "NodeID": "n1"}},
        "/networks": [{"Id": "net"}], "/containers/json?all=1": [{"Id": "c"}],
        "/services": [{"ID": "s"}], PATHS[4]: [{"ID": "t"}], "/nodes": [{"ID": "n1"}],
        "/swarm": {"JoinTokens": {"Worker": "W", "Manager": "M"}}})).install(monkeypatch)
    snap = snapshot.take(MANAGER)
    assert hosts.ran() == ["docker system dial-stdio"]
    # No end of input: dockerd would cancel the requests still running (Docker 26).
    assert hosts.held == [True]
    assert hosts.stdins == [b"".join(engine._request("GET", p, None, last=i == len(PATHS) - 1)
                                     for i, p in enumerate(PATHS))]
    assert (snap.info, snap.networks, snap.containers, snap.services, snap.tasks, snap.nodes,
            snap.tokens) == ({"LocalNodeState": "active", "NodeID": "n1"}, [{"Id": "net"}],
                             [{"Id": "c"}], [{"ID": "s"}], [{"ID": "t"}], [{"ID": "n1"}],
                             {"worker": "W", "manager": "M"})


def test_take_without_tokens_does_not_ask_for_them(monkeypatch):
    hosts = FakeHosts(_manager({"/info": {"Swarm": {}}, "/swarm": {"JoinTokens": {
        "Worker": "W", "Manager": "M"}}})).install(monkeypatch)
    snap = snapshot.take(MANAGER, tokens=False)
    assert hosts.stdins == [b"".join(engine._request("GET", p, None, last=i == 5)
                                     for i, p in enumerate(PATHS[:6]))]
    assert snap.tokens == {}


def test_a_workers_refusals_read_as_empty(monkeypatch):
    FakeHosts(_manager({"/info": {}, "/networks": [], "/containers/json?all=1": []})
              ).install(monkeypatch)
    snap = snapshot.take(TARGET)
    assert (snap.info, snap.services, snap.tasks, snap.nodes, snap.tokens) == ({}, [], [], [], {})
    assert snap.unanswered == {}
    assert snap.node("n1") is None and snap.service("web") is None


def test_a_swarm_with_no_leader_is_not_read_as_one_with_no_nodes(monkeypatch):
    """A manager whose raft is electing answers /nodes, /services, /tasks and /swarm with an
    error: read as empty lists, a refresh took every node and service for gone and dropped
    them from the state, so `pulumi destroy` left them in the swarm."""
    FakeHosts(_manager({"/info": {}, "/networks": [], "/containers/json?all=1": []},
                       message=NO_LEADER)).install(monkeypatch)
    snap = snapshot.take(MANAGER)
    assert set(snap.unanswered) == {"services", "tasks", "nodes", "swarm"}
    assert snap.unanswered["nodes"] == (f"{MANAGER.label}: GET /nodes answered HTTP 503: "
                                        f"{NO_LEADER}")
    for lookup in (lambda: snap.node("n1"), lambda: snap.service("web"),
                   lambda: snap.service_tasks({"ID": "s", "Spec": {"Name": "web"}})):
        with pytest.raises(TransientError, match="does not have a leader"):
            lookup()
    assert snap.network("x") is None and snap.container("x") is None


@pytest.mark.parametrize(("message", "refused"), [
    (WORKER_REFUSAL, True),
    ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to '
     'connect this node to swarm and try again.', True),
    # A manager still starting has the objects; it cannot tell them yet.
    ("This node is not a swarm manager. Manager is being prepared or has trouble connecting "
     "to the cluster.", False),
    ("This node is not a swarm manager.", False),
])
def test_only_a_worker_s_or_a_swarmless_node_s_refusal_means_none(monkeypatch, message, refused):
    FakeHosts(_manager({"/info": {}, "/networks": [], "/containers/json?all=1": []},
                       message=message)).install(monkeypatch)
    snap = snapshot.take(TARGET)
    assert (snap.unanswered == {}) is refused
    assert snap.nodes == []


def test_each_lookup_asks_only_for_its_own_answer():
    snap = snapshot.Snapshot(info={}, networks=[], containers=[], unanswered={
        "networks": "n", "containers": "c", "services": "s", "tasks": "t", "nodes": "o"})
    for lookup, message in ((snap.network, "n"), (snap.container, "c"), (snap.service, "s"),
                            (snap.node, "o")):
        with pytest.raises(TransientError, match=f"^{message}$"):
            lookup("x")
    with pytest.raises(TransientError, match=r"^t$"):
        snap.service_tasks({"ID": "s", "Spec": {"Name": "web"}})
    only_nodes = snapshot.Snapshot(info={}, networks=[], containers=[], unanswered={"nodes": "o"})
    with pytest.raises(TransientError, match=r"^o$"):
        only_nodes.service_tasks({"ID": "s", "Spec": {"Name": "web"}})


def test_a_200_only_counts(monkeypatch):
    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        return 0, "".join([http(201, {"Swarm": {"a": 1}}), *[http(200, []) for _ in PATHS[1:6]],
                           http(200, {"JoinTokens": None})]), ""
    FakeHosts(handle).install(monkeypatch)
    snap = snapshot.take(TARGET)
    assert snap.info == {}
    assert snap.tokens == {}
    assert snap.unanswered == {"info": f"{TARGET.label}: GET /info answered HTTP 201: "}


def test_swarm_null_reads_as_empty(monkeypatch):
    FakeHosts(_manager({"/info": {"Swarm": None}})).install(monkeypatch)
    assert snapshot.take(TARGET, tokens=False).info == {}


SNAP = snapshot.Snapshot(
    info={}, networks=[{"Id": "n1", "Name": "one"}, {"Id": "n2", "Name": "two"}],
    containers=[{"Id": "c1", "Names": ["/web1", "/alias"]}, {"Id": "c2"}],
    services=[{"ID": "s1", "Spec": {"Name": "web"}}, {"ID": "s2", "Spec": {"Name": "db"}}],
    tasks=[{"ServiceID": "s1", "Slot": 1, "NodeID": "a", "Status": {"State": "running"}},
           {"ServiceID": "s2", "Slot": 1, "NodeID": "b", "Status": {"State": "running"}},
           {"ServiceID": "s1", "Slot": 2, "NodeID": "gone"},
           {"ServiceID": "s1"}],
    nodes=[{"ID": "a", "Description": {"Hostname": "manager"}},
           {"ID": "b", "Description": {"Hostname": "worker"}}])


def test_lookups():
    assert SNAP.network("n2") == {"Id": "n2", "Name": "two"}
    assert SNAP.network("one") == {"Id": "n1", "Name": "one"}
    assert SNAP.network("three") is None
    assert SNAP.container("c2") == {"Id": "c2"}
    assert SNAP.container("alias") == SNAP.containers[0]
    assert SNAP.container("/web1") is None
    x_named = snapshot.Snapshot(info={}, networks=[], containers=[{"Id": "c", "Names": ["/Xweb"]}])
    assert x_named.container("Xweb") == {"Id": "c", "Names": ["/Xweb"]}
    assert SNAP.container("c3") is None
    assert SNAP.service("db") == SNAP.services[1]
    assert SNAP.service("s1") == SNAP.services[0]
    assert SNAP.service("x") is None
    assert SNAP.node("b") == SNAP.nodes[1]
    assert SNAP.node("c") is None


def test_a_services_tasks_as_service_ps_names_them():
    assert SNAP.service_tasks(SNAP.services[0]) == [
        {"Name": "web.1", "Node": "manager", "State": "running"},
        {"Name": "web.2", "Node": "", "State": ""},
        {"Name": "web.", "Node": "", "State": ""}]


def test_defaults():
    snap = snapshot.Snapshot(info={}, networks=[], containers=[])
    assert (snap.services, snap.tasks, snap.nodes, snap.tokens) == ([], [], [], {})


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock(100.0)
    monkeypatch.setattr(snapshot.time, "monotonic", c.monotonic)
    monkeypatch.setattr(snapshot, "_slots", {})
    return c


def _counting(monkeypatch):
    taken: list[Target] = []

    def take(target: Target, tokens: bool = True) -> snapshot.Snapshot:
        taken.append(target)
        return snapshot.Snapshot(info={"n": len(taken)}, networks=[], containers=[],
                                 taken=snapshot.time.monotonic())
    monkeypatch.setattr(snapshot, "take", take)
    return taken


def test_a_snapshot_is_shared_for_its_ttl(monkeypatch, clock):
    taken = _counting(monkeypatch)
    first = snapshot.of(TARGET)
    assert first.taken == 100.0
    clock.now = 103.0
    assert snapshot.of(TARGET) is first
    clock.now = 103.01
    assert snapshot.of(TARGET).info == {"n": 2}
    assert taken == [TARGET, TARGET]


def test_a_snapshot_with_failed_answers_is_not_shared(monkeypatch, clock):
    taken: list[Target] = []

    def take(target: Target, tokens: bool = True) -> snapshot.Snapshot:
        taken.append(target)
        return snapshot.Snapshot(info={}, networks=[], containers=[],
                                 unanswered={"nodes": "no leader"} if len(taken) == 1 else {})
    monkeypatch.setattr(snapshot, "take", take)
    assert snapshot.of(TARGET).unanswered == {"nodes": "no leader"}
    again = snapshot.of(TARGET)
    assert again.unanswered == {} and len(taken) == 2
    assert snapshot.of(TARGET) is again


def test_forget_drops_it(monkeypatch, clock):
    taken = _counting(monkeypatch)
    snapshot.of(TARGET)
    snapshot.forget(TARGET)
    snapshot.of(TARGET)
    assert len(taken) == 2


def test_hosts_are_told_apart_by_endpoint_and_port(monkeypatch, clock):
    taken = _counting(monkeypatch)
    snapshot.of(TARGET)
    snapshot.of(dataclasses.replace(TARGET, name="same"))
    snapshot.of(dataclasses.replace(TARGET, port=2222))
    snapshot.of(dataclasses.replace(TARGET, ssh_host="127.0.0.1"))
    snapshot.forget(MANAGER)
    snapshot.of(TARGET)
    assert len(taken) == 3
    assert set(snapshot._slots) == {("192.168.1.11", 22), ("192.168.1.11", 2222),
                                    ("127.0.0.1", 22), ("192.168.1.10", 22)}


def test_a_host_that_refuses_everything_has_an_empty_snapshot_that_says_so(monkeypatch):
    FakeHosts(_manager({}, missing=500, message="boom")).install(monkeypatch)
    snap = snapshot.take(TARGET)
    assert (snap.info, snap.networks, snap.containers, snap.services, snap.tasks, snap.nodes,
            snap.tokens) == ({}, [], [], [], [], [], {})
    assert set(snap.unanswered) == set(snapshot.REQUESTS)
    assert snap.unanswered["networks"] == f"{TARGET.label}: GET /networks answered HTTP 500: boom"
