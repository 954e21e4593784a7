"""modules.docker.service exactly: `docker service create`'s flags, each compared field,
replicas, tasks and the wait for them, scaling, removal and the services pinned to a node."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.docker import service
from modules.docker.service import ServiceSettings
from modules.ssh import RemoteError
from tests.support.clock import patch_waiting_time
from tests.support.fakes import MANAGER, FakeHosts, answers
from tests.support.inspected import service_doc


def test_defaults():
    s = ServiceSettings("web", "img")
    assert (s.command, s.networks, s.constraints, s.endpoint_mode, s.replicas, s.init,
            s.labels) == ([], [], [], "vip", 1, True, {"swarmlab": "true"})


def test_from_props_takes_known_fields_only():
    assert ServiceSettings.from_props({"name": "w", "image": "i", "replicas": 2, "x": 1}) == \
        ServiceSettings("w", "i", replicas=2)


def test_every_flag():
    s = ServiceSettings("web", "img", ["httpd", "-f"], networks=["n1", "n2"],
                        constraints=["node.role==worker", "node.hostname==w"],
                        endpoint_mode="dnsrr", replicas=3.0,  # type: ignore[arg-type]
                        labels={"z": "1", "a": "2"})
    assert service.create_args(s) == [
        "service", "create", "--detach", "--name", "web", "--replicas", "3",
        "--endpoint-mode", "dnsrr", "--no-resolve-image", "--init",
        "--network", "n1", "--network", "n2",
        "--constraint", "node.role==worker", "--constraint", "node.hostname==w",
        "--label", "a=2", "--label", "z=1", "--", "img", "httpd", "-f"]


def test_no_init():
    assert service.create_args(ServiceSettings("w", "i", init=False, labels={})) == [
        "service", "create", "--detach", "--name", "w", "--replicas", "1",
        "--endpoint-mode", "vip", "--no-resolve-image", "--", "i"]


def test_create_and_inspect(monkeypatch):
    hosts = FakeHosts(answers({"docker service create": (0, " id1 \n", ""),
                               "docker service inspect": (0, '{"ID": "id1"}', "")})
                      ).install(monkeypatch)
    assert service.create(MANAGER, ServiceSettings("w", "i", labels={})) == "id1"
    assert service.service_inspect(MANAGER, "w") == {"ID": "id1"}
    assert hosts.ran()[1] == "docker service inspect --format '{{json .}}' -- w"


def test_an_empty_document_differs_in_what_the_lab_sets():
    s = ServiceSettings("w", "img", ["sh"], networks=["n"], constraints=["c"],
                        endpoint_mode="dnsrr")
    assert service.differences(s, {}) == [
        "image: has '', the lab wants 'img'",
        "command: has [], the lab wants ['sh']",
        "networks: has [], the lab wants ['n']",
        "constraints: has [], the lab wants ['c']",
        "endpoint_mode: has 'vip', the lab wants 'dnsrr'",
        "init: has False, the lab wants True",
        "labels: has {}, the lab wants {'swarmlab': 'true'}"]


def test_null_fields_read_as_defaults():
    s = ServiceSettings("w", "img", init=False, labels={})
    doc: dict[str, Any] = {"Spec": {"Labels": None, "EndpointSpec": None, "TaskTemplate": {
        "ContainerSpec": {"Image": "img@sha256:1@2", "Args": None}, "Networks": None,
        "Placement": {"Constraints": None}}}}
    assert service.differences(s, doc) == []
    doc["Spec"]["TaskTemplate"]["Placement"] = None
    doc["Spec"]["TaskTemplate"]["Networks"] = [{}]
    assert service.differences(s, doc) == ["networks: has [''], the lab wants []"]


def test_only_the_labs_labels_are_compared():
    s = ServiceSettings("w", "img")
    doc = service_doc(s)
    doc["Spec"]["Labels"] = {"swarmlab": "no", "x": "y"}
    assert service.differences(s, doc) == [
        "labels: has {'swarmlab': 'no'}, the lab wants {'swarmlab': 'true'}"]


def test_replicas():
    assert service.replicas({"Spec": {"Mode": {"Replicated": {"Replicas": 3}}}}) == 3
    assert service.replicas({"Spec": {"Mode": {"Replicated": {}}}}) == 1
    assert service.replicas({"Spec": {"Mode": {"Global": {}}}}) == 1
    assert service.replicas({"Spec": {"Mode": None}}) == 1
    assert service.replicas({"Spec": {}}) == 1


def _task(name: str, state: str, error: str = "") -> dict[str, str]:
    return {"Name": name, "Node": "worker", "CurrentState": state, "Error": error}


def test_tasks(monkeypatch):
    hosts = FakeHosts(answers({}, (0, json.dumps(_task("w.1", "Running 1s")) + "\n", ""))
                      ).install(monkeypatch)
    assert service.tasks(MANAGER, "w") == [_task("w.1", "Running 1s")]
    assert hosts.ran() == ["docker service ps --no-trunc --filter desired-state=running "
                           "--format '{{json .}}' -- w"]


def test_running():
    found = [_task("a", "Running 2s"), _task("b", "Preparing"), {"Name": "c"},
             _task("d", "running")]
    assert service.running(found) == [found[0]]


@pytest.fixture
def clock(monkeypatch):
    return patch_waiting_time(monkeypatch)


def _tasks_answer(*tasks: dict[str, str]) -> tuple[int, str, str]:
    return 0, "\n".join(json.dumps(t) for t in tasks), ""


def test_wait_running_returns_the_running_tasks(monkeypatch, clock):
    results = iter([_tasks_answer(_task("w.1", "Running"), _task("w.2", "Starting")),
                    _tasks_answer(_task("w.1", "Running"), _task("w.2", "Running"),
                                  _task("w.3", "Starting"))])
    hosts = FakeHosts(lambda h, c, s: next(results)).install(monkeypatch)
    assert service.wait_running(MANAGER, "w", 2) == [_task("w.1", "Running"),
                                                      _task("w.2", "Running")]
    assert clock.slept == [0.1]
    assert hosts.ran() == ["docker service ps --no-trunc --filter desired-state=running "
                           "--format '{{json .}}' -- w"] * 2


def test_wait_running_names_each_tasks_error(monkeypatch, clock):
    FakeHosts(answers({}, _tasks_answer(_task("w.1", "Running"),
                                        _task("w.2", "Rejected", "no such image"),
                                        {"Name": "w.3"}))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        service.wait_running(MANAGER, "w", 3, timeout=1.5)
    assert str(caught.value) == (
        "manager: service w has 1/3 running tasks after 1.5s: w.1 on worker: Running; "
        "w.2 on worker: Rejected no such image; w.3 on None: None")


def test_wait_running_without_tasks_waits_the_hosts_timeout(monkeypatch, clock):
    FakeHosts(answers({}, (0, "", ""))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        service.wait_running(MANAGER, "w", 1)
    assert str(caught.value) == "manager: service w has 0/1 running tasks after 120s: no tasks"


def test_wait_for_none(monkeypatch, clock):
    FakeHosts(answers({}, (0, "", ""))).install(monkeypatch)
    assert service.wait_running(MANAGER, "w", 0) == []


def test_scale_and_rm(monkeypatch):
    hosts = FakeHosts(answers({"docker service rm": (1, "", "Error: service w not found")})
                      ).install(monkeypatch)
    service.scale(MANAGER, "w", 2.0)  # type: ignore[arg-type]
    service.rm(MANAGER, "w")
    assert hosts.ran() == ["docker service update --detach --replicas 2 -- w",
                           "docker service rm -- w"]


def test_pinned_to(monkeypatch):
    def svc(name: str, ident: str, constraints: list[str] | None, replicas: int = 1):
        return {"ID": ident, "Spec": {"Name": name, "Mode": {"Replicated": {"Replicas": replicas}},
                                      "TaskTemplate": {"Placement": {"Constraints": constraints}}}}
    docs = [svc("zeta", "i1", ["node.hostname==worker"], 2),
            svc("alpha", "i2", ["node.role==worker", "node.hostname==worker"]),
            svc("mid", "i3", ["node.hostname==worker2"]), svc("none", "i4", None),
            {"ID": "i5", "Spec": {"Name": "bare"}}]
    hosts = FakeHosts(answers({"docker service ls": (0, "i1\ni2\ni3\ni4\ni5\n", ""),
                               "docker service inspect": (0, json.dumps(docs), "")})
                      ).install(monkeypatch)
    assert service.pinned_to(MANAGER, "worker") == [("i2", 1), ("i1", 2)]
    assert hosts.ran() == ["docker service ls -q --filter label=swarmlab=true",
                           "docker service inspect -- i1 i2 i3 i4 i5"]
