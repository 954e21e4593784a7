"""The container, network and service providers in detail, against a Docker that answers only
the calls each step must make: what create, read, diff, update and delete ask of the host,
and exactly what they output."""

from __future__ import annotations

from dataclasses import asdict, fields
from types import SimpleNamespace

import pytest

from modules.docker import container as dcontainer
from modules.docker import network as dnetwork
from modules.docker import service as dservice
from modules.docker import snapshot
from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings, NetworkState
from modules.docker.service import ServiceSettings
from modules.providers import container, network, service
from modules.providers.base import settings_inputs
from modules.ssh import RemoteError
from tests.support.fakes import MANAGER, TARGET
from tests.support.strict_docker import Seq

WEB1 = ContainerSettings("web1", "busybox", "bridge", ["sleep", "1d"])
C_PROPS = {"target": TARGET.as_dict(), **settings_inputs(WEB1)}
TAKEN_C = RemoteError('Conflict. The container name "/web1" is already in use by container')


def _doc(ident: str, running: bool = True) -> dict:
    return {"Id": ident, "State": {"Running": running}, "NetworkSettings": {"Networks": {
        "bridge": {"IPAddress": "172.17.0.3"}}}}


def test_container_create_runs_it_and_outputs_its_id_and_addresses(docker):
    docker.on(dcontainer, "run", "c1").on(dcontainer, "container_inspect", _doc("c1"))
    got = container.ContainerProvider().create(dict(C_PROPS))
    assert (got.id, got.outs) == ("c1", {**C_PROPS, "container_id": "c1",
                                         "addresses": {"bridge": "172.17.0.3"}})
    assert docker.calls == [("snapshot.forget", TARGET), ("container.run", TARGET, WEB1),
                            ("container.container_inspect", TARGET, "c1")]


def test_container_create_adopts_the_labs_running_container(docker):
    docker.on(dcontainer, "run", TAKEN_C).on(dcontainer, "differences", [])
    docker.on(dcontainer, "container_inspect", Seq([_doc("c7"), _doc("c7")]))
    got = container.ContainerProvider().create(dict(C_PROPS))
    assert got.id == "c7" and got.outs["container_id"] == "c7"
    assert docker.calls[1:] == [("container.run", TARGET, WEB1),
                                ("container.container_inspect", TARGET, "web1"),
                                ("container.differences", WEB1, _doc("c7")),
                                ("container.container_inspect", TARGET, "c7")]


def test_container_create_replaces_the_labs_stopped_container(docker):
    docker.on(dcontainer, "run", Seq([TAKEN_C, "c2"])).on(dcontainer, "differences", [])
    docker.on(dcontainer, "container_inspect", Seq([_doc("c1", running=False), _doc("c2")]))
    docker.on(dcontainer, "rm")
    got = container.ContainerProvider().create(dict(C_PROPS))
    assert got.id == "c2"
    assert docker.names()[1:] == ["container.run", "container.container_inspect",
                                  "container.differences", "container.rm", "container.run",
                                  "container.container_inspect"]
    assert docker.calls[4] == ("container.rm", TARGET, "c1")
    assert docker.calls[6] == ("container.container_inspect", TARGET, "c2")


def test_container_read_delete_and_diff(docker, monkeypatch):
    seen = SimpleNamespace(container=lambda ident: {"c1": _doc("c1")}.get(ident))
    monkeypatch.setattr(snapshot, "of", lambda target: seen if target == TARGET else None)
    provider = container.ContainerProvider()
    read = provider.read("c1", C_PROPS)
    assert (read.id, read.outs) == ("c1", {**C_PROPS, "container_id": "c1",
                                           "addresses": {"bridge": "172.17.0.3"}})
    gone = provider.read("c9", C_PROPS)
    assert (gone.id, gone.outs) == ("", {})
    docker.on(dcontainer, "rm")
    provider.delete("c1", C_PROPS)
    assert docker.calls == [("snapshot.forget", TARGET), ("container.rm", TARGET, "c1")]
    assert container.REPLACE_KEYS == ("target", "name", "image", "network", "command", "init")
    assert container.Kind("container", "is already in use", "Id",
                                            "docker rm -f {name}") == container.KIND
    for key in container.REPLACE_KEYS:
        got = provider.diff("c1", C_PROPS, {**C_PROPS, key: "other"})
        assert (got.changes, got.replaces) == (True, [key])
    assert provider.diff("c1", C_PROPS, dict(C_PROPS)).changes is False


# --- network ---------------------------------------------------------------------------------

OVERLAY = NetworkSettings("myoverlay", driver="overlay", scope="swarm", subnet="10.0.5.0/24")
N_PROPS = {"target": MANAGER.as_dict(), **settings_inputs(OVERLAY)}
TAKEN_N = RemoteError("network with name myoverlay already exists")
STATE = NetworkState("n1", "overlay", "swarm", "10.0.5.0/24", "10.0.5.1", False)
CONFIG_STATE = NetworkState("n2", "macvlan", "swarm", "192.168.1.0/24", "192.168.1.1", False)


def test_network_create_outputs_the_state_of_what_it_made(docker):
    made = {"Id": "n1"}
    docker.on(dnetwork, "create", "n1").on(dnetwork, "network_inspect", made)
    docker.on(dnetwork, "config_network", None)
    docker.on(dnetwork, "state", lambda found, config: STATE)
    got = network.NetworkProvider().create(dict(N_PROPS))
    assert (got.id, got.outs) == ("n1", {**N_PROPS, **asdict(STATE)})
    assert docker.calls == [("snapshot.forget", MANAGER), ("network.create", MANAGER, OVERLAY),
                            ("network.network_inspect", MANAGER, "n1"),
                            ("network.config_network", made), ("network.state", made, None)]


def test_network_create_reads_the_config_network_a_network_is_made_from(docker):
    made, config = {"Id": "n2"}, {"Id": "cfg"}
    docker.on(dnetwork, "create", TAKEN_N).on(dnetwork, "differences", [])
    docker.on(dnetwork, "network_inspect", Seq([made, made, config]))
    docker.on(dnetwork, "config_network", "myoverlay-config")
    docker.on(dnetwork, "state", lambda found, cfg: CONFIG_STATE)
    got = network.NetworkProvider().create(dict(N_PROPS))
    assert (got.id, got.outs) == ("n2", {**N_PROPS, **asdict(CONFIG_STATE)})
    assert docker.calls[1:] == [
        ("network.create", MANAGER, OVERLAY), ("network.network_inspect", MANAGER, "myoverlay"),
        ("network.differences", OVERLAY, made), ("network.network_inspect", MANAGER, "n2"),
        ("network.config_network", made), ("network.network_inspect", MANAGER, "myoverlay-config"),
        ("network.state", made, config)]


def test_network_read_finds_it_and_its_config_network_in_the_snapshot(docker, monkeypatch):
    nets = {"n1": {"Id": "n1", "cfg": "c"}, "c": {"Id": "c"}, "n3": {"Id": "n3"}}
    seen = SimpleNamespace(network=nets.get)
    monkeypatch.setattr(snapshot, "of", lambda target: seen if target == MANAGER else None)
    docker.on(dnetwork, "config_network", lambda found: found.get("cfg"))
    docker.on(dnetwork, "state", lambda found, config: (
        CONFIG_STATE if config == {"Id": "c"} and found["Id"] == "n1" else STATE))
    provider = network.NetworkProvider()
    read = provider.read("n1", N_PROPS)
    assert (read.id, read.outs) == ("n1", {**N_PROPS, **asdict(CONFIG_STATE)})
    plain = provider.read("n3", N_PROPS)
    assert (plain.id, plain.outs) == ("n3", {**N_PROPS, **asdict(STATE)})
    assert docker.calls[-1] == ("network.state", {"Id": "n3"}, None)
    gone = provider.read("n9", N_PROPS)
    assert (gone.id, gone.outs) == ("", {})


def test_network_delete_and_diff(docker):
    docker.on(dnetwork, "rm")
    provider = network.NetworkProvider()
    provider.delete("n1", N_PROPS)
    assert docker.calls == [("snapshot.forget", MANAGER), ("network.rm", MANAGER, "n1")]
    assert ("target", *(f.name for f in fields(NetworkSettings))) == network.REPLACE_KEYS
    assert "subnet" in network.REPLACE_KEYS and "config_from" in network.REPLACE_KEYS
    assert network.Kind("network", "already exists", "Id",
                                        "docker network rm {name}") == network.KIND
    for key in network.REPLACE_KEYS:
        got = provider.diff("n1", N_PROPS, {**N_PROPS, key: "other"})
        assert (got.changes, got.replaces) == (True, [key])


# --- service ---------------------------------------------------------------------------------

WEB = ServiceSettings("web", "img", ["httpd"], networks=["n1"], replicas=2)
S_PROPS = {"target": MANAGER.as_dict(), **settings_inputs(WEB)}
TASKS = [{"Name": "web.1", "Node": "worker", "State": "running"},
         {"Name": "web.2", "Node": "manager", "State": "running"}]
ROWS = [{"name": "web.1", "node": "worker"}, {"name": "web.2", "node": "manager"}]
TAKEN_S = RemoteError("rpc error: service web already exists")


def test_service_create_waits_for_every_task_and_outputs_them(docker):
    docker.on(dservice, "create", "s1").on(dservice, "wait_running", TASKS)
    got = service.ServiceProvider().create(dict(S_PROPS))
    assert (got.id, got.outs) == ("s1", {**S_PROPS, "service_id": "s1", "tasks": ROWS})
    assert docker.calls == [("snapshot.forget", MANAGER), ("service.create", MANAGER, WEB),
                            ("service.wait_running", MANAGER, "s1", 2)]


def test_service_create_without_replicas_waits_for_one(docker):
    props = {k: v for k, v in S_PROPS.items() if k != "replicas"}
    docker.on(dservice, "create", "s1").on(dservice, "wait_running", [])
    service.ServiceProvider().create(props)
    assert docker.calls[-1] == ("service.wait_running", MANAGER, "s1", 1)


@pytest.mark.parametrize(("has", "scaled"), [(2, False), (5, True)])
def test_service_create_adopts_the_labs_and_scales_it_only_when_needed(docker, has, scaled):
    existing = {"ID": "s7"}
    docker.on(dservice, "create", TAKEN_S).on(dservice, "service_inspect", existing)
    docker.on(dservice, "differences", []).on(dservice, "replicas", has)
    docker.on(dservice, "scale").on(dservice, "wait_running", TASKS)
    got = service.ServiceProvider().create(dict(S_PROPS))
    assert got.id == "s7" and got.outs["service_id"] == "s7"
    assert docker.calls[1:] == [
        ("service.create", MANAGER, WEB), ("service.service_inspect", MANAGER, "web"),
        ("service.differences", WEB, existing), ("service.replicas", existing),
        *([("service.scale", MANAGER, "s7", 2)] if scaled else []),
        ("service.wait_running", MANAGER, "s7", 2)]


def test_service_read_reports_its_replicas_and_tasks(docker, monkeypatch):
    found = {"ID": "s1"}
    seen = SimpleNamespace(service={"s1": found}.get,
                           service_tasks=lambda svc: TASKS if svc is found else None)
    monkeypatch.setattr(snapshot, "of", lambda target: seen if target == MANAGER else None)
    docker.on(dservice, "replicas", 2)
    provider = service.ServiceProvider()
    read = provider.read("s1", S_PROPS)
    assert (read.id, read.outs) == ("s1", {**S_PROPS, "replicas": 2, "service_id": "s1",
                                           "tasks": ROWS})
    gone = provider.read("s9", S_PROPS)
    assert (gone.id, gone.outs) == ("", {})


def test_service_update_scales_and_waits(docker):
    docker.on(dservice, "scale").on(dservice, "wait_running", TASKS[:1])
    news = {**S_PROPS, "replicas": 4.0}
    got = service.ServiceProvider().update("s1", S_PROPS, news)
    assert got.outs == {**news, "service_id": "s1", "tasks": ROWS[:1]}
    assert docker.calls == [("snapshot.forget", MANAGER), ("service.scale", MANAGER, "s1", 4),
                            ("service.wait_running", MANAGER, "s1", 4)]
    assert type(docker.calls[1][3]) is int


def test_service_delete_and_diff(docker):
    docker.on(dservice, "rm")
    provider = service.ServiceProvider()
    provider.delete("s1", S_PROPS)
    assert docker.calls == [("snapshot.forget", MANAGER), ("service.rm", MANAGER, "s1")]
    assert "replicas" not in service.REPLACE_KEYS
    assert ("target", *(f.name for f in fields(ServiceSettings)
                                                 if f.name != "replicas")) == service.REPLACE_KEYS
    assert service.Kind("service", "already exists", "ID",
                                        "docker service rm {name}") == service.KIND
    scaled = provider.diff("s1", S_PROPS, {**S_PROPS, "replicas": 3})
    assert (scaled.changes, scaled.replaces) == (True, [])
    for key in service.REPLACE_KEYS:
        got = provider.diff("s1", S_PROPS, {**S_PROPS, key: "other"})
        assert (got.changes, got.replaces) == (True, [key])
